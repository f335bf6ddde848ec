"""What `pip install .` and the Docker image get: the connector, without the development tools."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_the_connector_its_manifest_and_schemas_and_nothing_of_the_development_tools(tmp_path):
    """Built from a copy of the whole working tree (what a clone has), so the build leaves the repo as it was."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".git", ".venv*", ".demo", "build", "*.egg-info", "__pycache__", "secrets"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp_path), str(tree)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("source_mentions-*.whl")
    files = [name for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name]

    assert files and all(name.startswith("source_mentions/") for name in files), sorted(files)
    assert {"source_mentions/manifest.yaml", "source_mentions/run.py", "source_mentions/schemas/mentions.json"} <= set(files)
    assert not [name for name in files if any(part in name for part in ("sandbox", "demo", "explore", "contracts", "resource/"))]
