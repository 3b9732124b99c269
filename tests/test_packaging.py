"""The installed package is complete: every Python package and the resources."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "appraisal").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert config["tool"]["setuptools"]["package-dir"]["appraisal._resources"] == "resources"


def test_resources_are_found():
    from appraisal.resources import default_pack_dir, example_portfolio
    assert (default_pack_dir() / "pack.json").is_file()
    assert example_portfolio().is_file()
