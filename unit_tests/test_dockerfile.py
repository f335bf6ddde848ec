"""The Dockerfile follows the CDK's python-connector template, and its entrypoint answers `spec`."""

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, NamedTuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


class Instruction(NamedTuple):
    keyword: str
    argument: str


def dockerfile_stages() -> List[List[Instruction]]:
    """The Dockerfile's instructions, one list per stage, with continuation lines joined and ARG defaults substituted."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    args: Dict[str, str] = {}
    stages: List[List[Instruction]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        for name, value in args.items():
            argument = argument.replace("${%s}" % name, value).replace("$" + name, value)
        if keyword == "ARG" and "=" in argument and not stages:
            name, _, value = argument.partition("=")
            args[name.strip()] = value.strip()
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(Instruction(keyword, argument.strip()))
    return stages


def final_stage() -> List[Instruction]:
    return dockerfile_stages()[-1]


def arguments(stage: List[Instruction], keyword: str) -> List[str]:
    return [instruction.argument for instruction in stage if instruction.keyword == keyword]


def entrypoint() -> List[str]:
    (form,) = arguments(final_stage(), "ENTRYPOINT")
    return json.loads(form)


def console_scripts() -> Dict[str, str]:
    """setup.py's console scripts, read from the file (setup() is not run)."""
    text = (ROOT / "setup.py").read_text()
    start = text.index('"console_scripts"')
    listed = text[text.index("[", start) + 1 : text.index("]", start)]
    entries = [entry.strip().strip("\"'") for entry in listed.split(",") if entry.strip()]
    return dict(entry.split("=", 1) for entry in entries)


def test_the_image_is_built_on_the_base_image_metadata_declares():
    base = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]["connectorBuildOptions"]["baseImage"]

    assert [stage[0].argument.split(" ")[0] for stage in dockerfile_stages()] == [base, base]
    assert "airbyte/python-connector-base:" in base


def test_the_final_image_holds_only_the_installed_packages_not_the_source_tree():
    copies = arguments(final_stage(), "COPY")

    assert copies == ["--from=builder /usr/local /usr/local"]
    assert not arguments(final_stage(), "RUN")


def test_the_package_is_installed_not_editable():
    builder = dockerfile_stages()[0]
    installs = [command for command in arguments(builder, "RUN") if "pip install" in command]

    assert len(installs) == 1
    words = shlex.split(installs[0])
    assert words[-1] == "." and "-e" not in words and "--editable" not in words


def test_the_image_installs_the_versions_the_tests_ran_on():
    builder = dockerfile_stages()[0]
    (install,) = [shlex.split(command) for command in arguments(builder, "RUN") if "pip install" in command]
    copied = [word for command in arguments(builder, "COPY") for word in command.split()[:-1]]

    assert install[install.index("-c") + 1] == "constraints.txt" and "constraints.txt" in copied


def test_the_connector_runs_as_the_non_root_airbyte_user():
    users = arguments(final_stage(), "USER")

    assert users and users[-1] == "airbyte"
    stage = final_stage()
    assert [instruction.keyword for instruction in stage].index("USER") > max(
        index for index, instruction in enumerate(stage) if instruction.keyword in ("COPY", "RUN")
    ), "USER airbyte must come after every step that writes files as root"


def test_the_entrypoint_is_the_console_script_in_exec_form():
    (environment,) = arguments(final_stage(), "ENV")

    assert entrypoint() == ["source-mentions"]
    assert console_scripts() == {"source-mentions": "source_mentions.run:run"}
    assert shlex.split(environment.partition("=")[2]) == entrypoint(), "AIRBYTE_ENTRYPOINT is what the platform runs"


@pytest.fixture(scope="module")
def installed_package(tmp_path_factory) -> Path:
    """The package installed as the image's builder stage installs it (`pip install .`, not editable), into a folder of its own."""
    folder = tmp_path_factory.mktemp("image")
    source = folder / "source"
    source.mkdir()
    shutil.copy(ROOT / "setup.py", source)
    shutil.copytree(ROOT / "source_mentions", source / "source_mentions", ignore=shutil.ignore_patterns("__pycache__"))
    target = folder / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-cache-dir", "--target", str(target), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return target


def test_the_entrypoint_command_of_a_non_editable_install_prints_the_spec(installed_package, tmp_path):
    """`source-mentions spec` as the image runs it: the console script pip wrote, the package from the install, not the repo."""
    (command, *_) = entrypoint()
    script = installed_package / "bin" / command
    environment = {"PYTHONPATH": str(installed_package), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    done = subprocess.run([str(script), "spec"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=environment)
    where = subprocess.run([sys.executable, "-c", "import source_mentions; print(source_mentions.__file__)"], capture_output=True, text=True, cwd=tmp_path, env=environment)

    assert done.returncode == 0, done.stderr[-2000:]
    assert where.stdout.strip() == str(installed_package / "source_mentions" / "__init__.py")
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    specs = [message["spec"] for message in messages if message["type"] == "SPEC"]
    assert len(specs) == 1 and specs[0]["connectionSpecification"]["required"] == ["provider"]
    assert {branch["title"] for branch in specs[0]["connectionSpecification"]["properties"]["provider"]["oneOf"]} >= {"Mention", "Sociovite"}
