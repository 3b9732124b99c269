"""The command line (FORMAT.md section 3): thin; it parses, calls core and io, prints.

Exit status: 0 done; 2 the input is wrong (each problem on its own line,
naming the file, the project and the field, and nothing written); 1 anything
else.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
SUBCOMMANDS = ("appraise", "export", "template", "import")


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

    p = sub.add_parser("export", help="write the appraisal workbook (live formulas)",
                       description="Write an Excel workbook whose formulas recompute every figure "
                                   "of the appraisal.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("portfolio", nargs="?", type=Path, help="portfolio file (JSON)")
    source.add_argument("--example", action="store_true", help="use the bundled example portfolio")
    p.add_argument("-o", "--output", type=Path, metavar="BOOK.xlsx", required=True)
    _add_pack_options(p)
    p.add_argument("--carbon", choices=("low", "central", "high"))
    p.add_argument("--schedule", metavar="NAME")
    p.set_defaults(run=_cmd_export)
    p = sub.add_parser("template", help="write a blank project submission workbook",
                       description="Write the workbook a project promoter fills in (one project "
                                   "per workbook) for 'appraisal import' to read.")
    p.add_argument("-o", "--output", type=Path, metavar="TEMPLATE.xlsx", required=True,
                   help="where to write the workbook (.xlsx)")
    p.add_argument("--contact", metavar="TEXT",
                   help="who promoters send the filled workbook to, e.g. a name and e-mail "
                        "address (shown on the Instructions sheet)")
    _add_pack_options(p)
    p.set_defaults(run=_cmd_template)

    p = sub.add_parser("import", help="read filled submission workbooks into a portfolio",
                       description="Read filled submission workbooks (files, or folders of .xlsx "
                                   "files) into a new portfolio file or into an existing one. "
                                   "Every problem is listed with its file, sheet, cell and "
                                   "field; workbooks without problems are still imported "
                                   "unless --strict is given (exit status 2 either way).")
    p.add_argument("books", nargs="+", type=Path, metavar="BOOK.xlsx|FOLDER",
                   help="filled submission workbooks, or folders of them")
    p.add_argument("-o", "--output", type=Path, metavar="PORTFOLIO.json", required=True,
                   help="portfolio file to write (atomically)")
    p.add_argument("--into", type=Path, metavar="EXISTING.json",
                   help="add the projects to this portfolio (refusing IDs it already has) "
                        "and write the result to --output")
    p.add_argument("--appraisal-year", type=int, metavar="YEAR",
                   help="appraisal year (year 0) of the new portfolio; required without --into")
    p.add_argument("--name", default="Imported submissions",
                   help="name of the new portfolio (default: %(default)s)")
    p.add_argument("--strict", action="store_true",
                   help="write nothing when any workbook has a problem")
    _add_pack_options(p)
    p.set_defaults(run=_cmd_import)
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
        was = ("has no format version" if doc.migrated_from == 0
               else f"is in format version {doc.migrated_from}")
        print(f"appraisal: note: {path} {was}; read as version 1", file=sys.stderr)
    # The document and its parsed form live until the process ends: move them
    # out of the collector's sight, so that later collections do not rescan
    # them (a full collection costs about 0.1 s per 10,000 projects).
    gc.freeze()
    inputs = parse_portfolio(doc.data, pack, file=str(path))
    gc.freeze()
    return pack, doc, inputs


def _emit(chunks, output: Path | None) -> None:
    """Print, or write atomically to ``output``, text made in pieces."""
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    from .io.portfolio_file import atomic_write_chunks
    atomic_write_chunks(output, (c.encode("utf-8") for c in chunks))
    print(f"wrote {output}", file=sys.stderr)


def _cmd_appraise(args: argparse.Namespace) -> int:
    from .core import appraise_portfolio
    from .io import results_output
    pack, _, inputs = _load(args)
    results = appraise_portfolio(inputs, pack, carbon_series=args.carbon,
                                 discount_schedule=args.schedule)
    render = {"table": lambda r: [results_output.to_table(r)], "json": results_output.iter_json,
              "csv": results_output.iter_csv}[args.format]
    _emit(render(results), args.output)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from .io.workbook import export_workbook
    pack, _, inputs = _load(args)
    export_workbook(inputs, pack, args.output, carbon_series=args.carbon,
                    discount_schedule=args.schedule)
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from .core import load_pack
    from .io.submission import write_template
    from .resources import default_pack_dir
    pack = load_pack(args.assumptions or default_pack_dir())
    write_template(args.output, pack, contact=args.contact)
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from .core import Portfolio, load_pack, parse_portfolio
    from .core.errors import InputError
    from .io.portfolio_file import load_portfolio, save_portfolio
    from .io.submission import add_to_portfolio, describe_problem, import_workbooks
    from .resources import default_pack_dir
    if args.into is None and args.appraisal_year is None:
        print("appraisal import: error: give --appraisal-year YEAR for the new portfolio "
              "(or --into EXISTING.json)", file=sys.stderr)
        return EXIT_INPUT
    if args.into is not None and args.appraisal_year is not None:
        print(f"appraisal import: note: --appraisal-year is ignored; {args.into} keeps its own",
              file=sys.stderr)
    pack = load_pack(args.assumptions or default_pack_dir())
    doc = (load_portfolio(args.into) if args.into is not None
           else Portfolio.new(args.name, args.appraisal_year))
    report = import_workbooks(args.books, pack, strict=args.strict)
    added, clashes = add_to_portfolio(doc, report)
    problems = report.problems + clashes
    for problem in problems:
        print(describe_problem(problem), file=sys.stderr)
    summary = f"{len(problems)} problem(s) in {len({p.file for p in problems})} file(s)"
    if problems and args.strict:
        print(f"appraisal import: {summary}; nothing written (--strict)", file=sys.stderr)
        return EXIT_INPUT
    if not added:
        print("appraisal import: no project imported; nothing written", file=sys.stderr)
        return EXIT_INPUT
    try:   # what is written must open as a sound portfolio
        parse_portfolio(doc.data, pack, file=str(args.output))
    except InputError as exc:
        for problem in exc.problems:
            print(describe_problem(problem), file=sys.stderr)
        print("appraisal import: nothing written", file=sys.stderr)
        return EXIT_INPUT
    save_portfolio(doc, args.output)
    print(f"appraisal import: wrote {added} project(s) to {args.output}"
          + (f"; {summary}, listed above" if problems else ""), file=sys.stderr)
    return EXIT_INPUT if problems else EXIT_OK


def _gui(argv: list[str]) -> int:
    """``appraisal [PORTFOLIO.json] [--example]``: the desktop application."""
    example = "--example" in argv
    smoke = "--smoke-test" in argv
    files = [a for a in argv if not a.startswith("-")]
    try:
        from .gui.app import run
    except ImportError as exc:
        print(f"appraisal: the desktop application cannot start ({exc}); the command line "
              "works without it: appraisal appraise --help", file=sys.stderr)
        return EXIT_FAILED
    return run(files[0] if files else None, example=example, smoke_test=smoke)


GUI_OPTIONS = ("--example", "--smoke-test")


def _wants_gui(argv: list[str]) -> bool:
    """No arguments, a portfolio file, or the GUI's own options open the window;
    anything else (a subcommand, a typo) goes to the command line's parser."""
    if not argv:
        return True
    if argv[0] in SUBCOMMANDS or argv[0].startswith("-") and argv[0] not in GUI_OPTIONS:
        return False
    return all(a in GUI_OPTIONS or (not a.startswith("-") and a.lower().endswith(".json"))
               for a in argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if _wants_gui(argv):
        return _gui(argv)
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
    except OSError as exc:
        target = exc.filename or ""
        print(f"appraisal: error: cannot use {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("appraisal: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("APPRAISAL_DEBUG"):
            raise
        print(f"appraisal: internal error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        print("appraisal: set APPRAISAL_DEBUG=1 to see the details", file=sys.stderr)
        return EXIT_FAILED
