"""The command line (FORMAT.md section 3): thin; it parses, calls core and io, prints.

Exit status: 0 done; 2 the input is wrong (each problem on its own line,
naming the file, the project and the field, and nothing written); 1 anything
else.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
SUBCOMMANDS = ("appraise",)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit 2, with our wording
        self.print_usage(sys.stderr)
        print(f"appraisal: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="appraisal", description=(
        "Green Book appraisal of low-carbon infrastructure projects: economic and financial "
        "cases, carbon, jobs and the contribution to the investment gap."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("appraise", help="appraise a portfolio and print or write the results",
                       description="Appraise every project of a portfolio file and the portfolio "
                                   "as a whole.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("portfolio", nargs="?", type=Path, help="portfolio file (JSON)")
    source.add_argument("--example", action="store_true",
                        help="use the bundled example portfolio")
    _add_pack_options(p)
    p.add_argument("--carbon", choices=("low", "central", "high"),
                   help="carbon value series (default: the portfolio's, usually central)")
    p.add_argument("--schedule", metavar="NAME",
                   help="discount schedule of the pack: standard, reduced or health "
                        "(default: the portfolio's, usually standard)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write to FILE (atomically) instead of printing")
    p.set_defaults(run=_cmd_appraise)
    return parser


def _add_pack_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--assumptions", type=Path, metavar="DIR",
                   help="assumption pack folder (default: the bundled UK pack)")


def _load(args: argparse.Namespace):
    """Pack, portfolio document and parsed inputs, or InputError."""
    from .core import load_pack, parse_portfolio
    from .io.portfolio_file import load_portfolio
    from .resources import default_pack_dir, example_portfolio
    pack = load_pack(args.assumptions or default_pack_dir())
    path = example_portfolio() if getattr(args, "example", False) else args.portfolio
    doc = load_portfolio(path)
    if doc.migrated_from is not None:
        print(f"note: {path} was in format version {doc.migrated_from}; read as version 1",
              file=sys.stderr)
    inputs = parse_portfolio(doc.data, pack, file=str(path))
    return pack, doc, inputs


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from .io.portfolio_file import atomic_write_text
    atomic_write_text(output, text)
    print(f"wrote {output}", file=sys.stderr)


def _cmd_appraise(args: argparse.Namespace) -> int:
    from .core import appraise_portfolio
    from .io import results_output
    pack, _, inputs = _load(args)
    results = appraise_portfolio(inputs, pack, carbon_series=args.carbon,
                                 discount_schedule=args.schedule)
    render = {"table": results_output.to_table, "json": results_output.to_json,
              "csv": results_output.to_csv}[args.format]
    _emit(render(results), args.output)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        parser.print_help()
        return EXIT_OK
    from .core.errors import InputError
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_OK
        return args.run(args)
    except InputError as exc:
        for problem in exc.problems[:50] or ["invalid input"]:
            print(f"appraisal: error: {problem}", file=sys.stderr)
        if len(exc.problems) > 50:
            print(f"appraisal: error: ... and {len(exc.problems) - 50} more problems", file=sys.stderr)
        return EXIT_INPUT
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_INPUT
    except BrokenPipeError:
        # the reader (e.g. `head`) went away; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("appraisal: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("APPRAISAL_DEBUG"):
            raise
        print(f"appraisal: internal error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        print("appraisal: set APPRAISAL_DEBUG=1 to see the details", file=sys.stderr)
        return EXIT_FAILED
