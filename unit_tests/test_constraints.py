"""constraints.txt pins what the tests ran on: every requirement of setup.py, at a version its range allows."""

import ast
import importlib.metadata
from pathlib import Path
from typing import Dict, List, Set

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def setup_requirements() -> List[Requirement]:
    """install_requires and every extra of setup.py, read from the file (setup() is not run)."""
    call = next(node for node in ast.walk(ast.parse((ROOT / "setup.py").read_text())) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setup")
    arguments = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords if keyword.arg in ("install_requires", "extras_require")}
    texts = arguments["install_requires"] + [text for extra in arguments["extras_require"].values() for text in extra]
    return [Requirement(text) for text in texts]


def pins() -> Dict[str, Set[Version]]:
    """Each package of constraints.txt and its pinned versions (one per Python-version marker)."""
    pinned: Dict[str, Set[Version]] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            pinned.setdefault(canonicalize_name(requirement.name), set()).add(Version(specifier.version))
    return pinned


def test_every_requirement_of_setup_py_is_pinned_to_a_version_its_range_allows():
    pinned = pins()
    for requirement in setup_requirements():
        versions = pinned.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not pinned in constraints.txt: run `make lock`"
        assert all(version in requirement.specifier for version in versions), f"{requirement} but constraints.txt pins {sorted(map(str, versions))}: run `make lock`"


def test_this_environment_runs_the_pinned_versions():
    """What the venv of `make test` installed is what constraints.txt says (the lowest-CDK venv differs in the CDK only)."""
    pinned = pins()
    lowest_cdk = next(Version(s.version) for r in setup_requirements() if r.name == "airbyte-cdk" for s in r.specifier if s.operator == ">=")
    for requirement in setup_requirements():
        try:
            installed = Version(importlib.metadata.version(requirement.name))
        except importlib.metadata.PackageNotFoundError:
            continue  # an extra this venv does not install
        if requirement.name == "airbyte-cdk" and installed == lowest_cdk:
            continue  # `make test-cdk-lowest`
        assert installed in pinned[canonicalize_name(requirement.name)], f"{requirement.name} {installed} installed, constraints.txt pins {sorted(map(str, pinned[canonicalize_name(requirement.name)]))}"
