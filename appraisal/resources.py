"""The one place that finds files under ``resources/``.

Works from the source tree, from an installed package (``pip install .``
copies ``resources/`` into the package as ``appraisal/_resources``) and from
a PyInstaller bundle (``sys._MEIPASS``).
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    candidates = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / "resources")
    candidates += [_HERE / "_resources", _HERE.parent / "resources"]
    for c in candidates:
        if (c / "packs").is_dir():
            return c
    raise FileNotFoundError("the application's resources folder is missing; looked in "
                            + ", ".join(str(c) for c in candidates))


def resource_path(*parts: str) -> Path:
    """Path of a file or folder under ``resources/``."""
    return resources_dir().joinpath(*parts)


def default_pack_dir() -> Path:
    return resource_path("packs", "uk-default")


def example_portfolio() -> Path:
    return resource_path("examples", "west-midlands-pipeline.json")


def docs_dir() -> Path | None:
    """The folder of the user guide and the method (``docs/``, installed as
    ``appraisal/_docs``); None when the program was built without them."""
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = ([Path(frozen) / "docs"] if frozen else []) + [_HERE / "_docs", _HERE.parent / "docs"]
    return next((c for c in candidates if (c / "guide.md").is_file()), None)
