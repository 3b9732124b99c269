"""Entry point: ``python -m appraisal`` and the ``appraisal`` console script."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    # absolute: PyInstaller runs this file as a script, outside the package
    from appraisal.cli import main as cli_main
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
