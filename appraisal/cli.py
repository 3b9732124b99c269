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
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .core.montecarlo import SimulationSummary
    from .core.sensitivity import Tornado

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
SUBCOMMANDS = ("appraise", "export", "template", "import", "import-table", "select", "sensitivity", "montecarlo",
               "diff", "track", "import-return")


def _say(text: object) -> None:
    """A message on stderr, escape sequences stripped and cut if very long (a 1 MB ID)."""
    from .io.escaping import message_text
    print(message_text(text), file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit 2, with our wording
        self.print_usage(sys.stderr)
        _say(f"appraisal: error: {message}")
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
    p.add_argument("--schedule", type=_schedule_name, metavar="NAME",
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
    p.add_argument("--schedule", type=_schedule_name, metavar="NAME")
    p.add_argument("--analysis", action="store_true",
                   help="add the Sensitivity and Monte Carlo sheets (and Selection with --budget)")
    p.add_argument("--draws", type=_positive_int, default=2000, metavar="N",
                   help="Monte Carlo draws for --analysis (default: %(default)s)")
    p.add_argument("--seed", type=_seed, default=1, metavar="S", help="Monte Carlo seed (default: 1)")
    p.add_argument("--budget", type=parse_budget, metavar="GBP",
                   help="with --analysis: the public budget of the Selection sheet")
    p.add_argument("--objective", choices=("npsv", "carbon", "jobs", "gap"), default="npsv",
                   help="with --budget: what the Selection sheet maximises")
    p.set_defaults(run=_cmd_export)
    p = sub.add_parser("template", help="write a blank project submission workbook",
                       description="Write the workbook a project promoter fills in (one project "
                                   "per workbook) for 'appraisal import' to read.")
    p.add_argument("-o", "--output", type=Path, metavar="TEMPLATE.xlsx", required=True,
                   help="where to write the workbook (.xlsx)")
    p.add_argument("--contact", metavar="TEXT",
                   help="who promoters send the filled workbook to, e.g. a name and e-mail "
                        "address (shown on the Instructions sheet)")
    p.add_argument("--monitoring", type=Path, metavar="PORTFOLIO.json",
                   help="write instead the quarterly monitoring return of one project of this "
                        "portfolio (with --project), its baseline shown beside the blanks; "
                        "read it back with 'appraisal import-return'")
    p.add_argument("--project", metavar="ID", help="with --monitoring: the project's ID")
    _add_pack_options(p)
    p.set_defaults(run=_cmd_template)

    _add_import_parser(sub)
    _add_diff_parser(sub)
    _add_import_table_parser(sub)
    _add_select_parser(sub)
    _add_uncertainty_parsers(sub)
    _add_track_parser(sub)
    _add_import_return_parser(sub)
    return parser


def _add_import_return_parser(sub) -> None:
    p = sub.add_parser("import-return", help="read a filled monitoring return into a portfolio",
                       description="Read a monitoring return written by 'appraisal template "
                                   "--monitoring' and add its entries to the project's actuals. "
                                   "Every problem is listed with its sheet, cell and field, and "
                                   "nothing is written when there is any (exit status 2).")
    p.add_argument("book", type=Path, metavar="RETURN.xlsx")
    p.add_argument("--into", type=Path, metavar="PORTFOLIO.json", required=True,
                   help="the portfolio the return's project belongs to")
    p.add_argument("-o", "--output", type=Path, metavar="OUT.json", required=True,
                   help="the portfolio with the entries added (atomically; may be --into)")
    _add_pack_options(p)
    p.set_defaults(run=_cmd_import_return)


def _add_import_parser(sub) -> None:
    p = sub.add_parser("import", help="read filled submission workbooks, or a returned "
                                      "appraisal workbook, into a portfolio",
                       description="Read filled submission workbooks (files, or folders of .xlsx "
                                   "files) into a new portfolio file or into an existing one; or "
                                   "read an appraisal workbook exported by 'appraisal export' "
                                   "(and perhaps edited) back into a portfolio file. "
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
                   help="appraisal year (year 0) of the new portfolio; required without --into "
                        "(an appraisal workbook carries its own)")
    p.add_argument("--name", default="Imported submissions",
                   help="name of the new portfolio (default: %(default)s)")
    p.add_argument("--strict", action="store_true",
                   help="write nothing when any workbook has a problem")
    p.add_argument("--replace", action="store_true",
                   help="with --into: a resubmitted project replaces the project with the same "
                        "ID (IDs differing only in case are the same project); the differences "
                        "are printed. Without it such a project is refused")
    _add_pack_options(p)
    p.set_defaults(run=_cmd_import)


def _add_import_table_parser(sub) -> None:
    p = sub.add_parser("import-table", help="read a table of projects (a pipeline tracker) into "
                                            "a portfolio",
                       description="Read a flat table of projects, one row per project (.csv or "
                                   ".xlsx), into a portfolio file. Columns are matched by the "
                                   "header list of docs/api.md ('Project ID', 'Scheme name', "
                                   "'Capex (GBP)', ...); columns not in it are listed and not "
                                   "read. Any cell that cannot be read is listed with its row "
                                   "(or cell) and column, and nothing is written (exit status 2).")
    p.add_argument("table", type=Path, metavar="TABLE.csv|TABLE.xlsx")
    p.add_argument("-o", "--output", type=Path, metavar="PORTFOLIO.json", required=True,
                   help="portfolio file to write (atomically)")
    p.add_argument("--into", type=Path, metavar="EXISTING.json",
                   help="add the projects to this portfolio (refusing IDs it already has)")
    p.add_argument("--appraisal-year", type=int, metavar="YEAR",
                   help="appraisal year (year 0) of the new portfolio; required without --into")
    p.add_argument("--name", default="Imported table",
                   help="name of the new portfolio (default: %(default)s)")
    p.add_argument("--sheet", metavar="NAME", help="the workbook's sheet (default: the first)")
    _add_pack_options(p)
    p.set_defaults(run=_cmd_import_table)


def _cmd_import_table(args: argparse.Namespace) -> int:
    from .core import Portfolio, load_pack, parse_portfolio
    from .core.errors import InputError, Problem
    from .io.portfolio_file import open_portfolio, save_portfolio
    from .io.table_import import read_table
    from .resources import default_pack_dir
    if args.into is None and args.appraisal_year is None:
        print("appraisal import-table: error: give --appraisal-year YEAR for the new portfolio "
              "(or --into EXISTING.json)", file=sys.stderr)
        return EXIT_INPUT
    if _same_file(args.output, args.table):
        raise InputError([Problem("the output would replace the table read: give another -o",
                                  file=str(args.output))])
    pack = load_pack(args.assumptions or default_pack_dir())
    doc = (open_portfolio(args.into, pack)[0] if args.into is not None   # refused as it is named
           else Portfolio.new(args.name, args.appraisal_year))
    table = read_table(args.table, pack, sheet=args.sheet)
    for column in table.unknown_columns:
        print(f"appraisal import-table: note: {args.table}: column {column[:60]!r} is not read "
              "(not in the header list of docs/api.md)", file=sys.stderr)
    have = {p.get("id") for p in doc.projects if isinstance(p, dict)}
    clashes = [Problem(f"the portfolio {args.into} already has a project {p['id']!r}",
                       file=str(args.table), project=p["id"], field="Project ID")
               for p in table.projects if p["id"] in have]
    problems = table.problems + clashes
    if not problems and not table.projects:
        problems = [Problem("has no project rows under its header", file=str(args.table))]
    if problems:
        raise InputError(problems)
    doc.projects.extend(table.projects)
    parse_portfolio(doc.data, pack, file=str(args.output))   # what is written opens soundly
    save_portfolio(doc, args.output)
    print(f"appraisal import-table: wrote {len(table.projects)} project(s) to {args.output}",
          file=sys.stderr)
    return EXIT_OK


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _add_pack_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--assumptions", type=Path, metavar="DIR",
                   help="assumption pack folder (default: the bundled UK pack)")


def _load(args: argparse.Namespace):
    """Pack, portfolio document and parsed inputs, or InputError."""
    from .core import load_pack
    from .io.portfolio_file import open_portfolio
    from .resources import default_pack_dir, example_portfolio
    pack = load_pack(args.assumptions or default_pack_dir())
    path = example_portfolio() if getattr(args, "example", False) else args.portfolio
    doc, inputs = open_portfolio(path, pack)   # the desktop application's way too
    if doc.migrated_from is not None:
        was = ("has no format version" if doc.migrated_from == 0
               else f"is in format version {doc.migrated_from}")
        print(f"appraisal: note: {path} {was}; read as version 1", file=sys.stderr)
    # The document and its parsed form live until the process ends: move them
    # out of the collector's sight, so that later collections do not rescan
    # them (a full collection costs about 0.1 s per 10,000 projects).
    gc.freeze()
    from .core.portfolio import PORTFOLIO_FIELDS, likely_typos
    for note in likely_typos(doc.data, PORTFOLIO_FIELDS):
        _say(f"appraisal: note: {path}: {note}")
    return pack, doc, inputs


def _check_output(args: argparse.Namespace) -> None:
    """Refuse, before any work, an -o that would replace an input, a folder or a
    read-only file (``appraise p.json -o p.json``). ``import --into X -o X``
    updates X, as asked."""
    if getattr(args, "output", None) is None:
        return
    from .io.atomic import check_output
    from .resources import default_pack_dir, example_portfolio
    inputs = [getattr(args, "assumptions", None) or default_pack_dir()]
    if getattr(args, "books", None):   # the workbooks import would read, not their folders
        from .io.submission import workbook_paths
        inputs += workbook_paths(args.books)[0]
    if hasattr(args, "portfolio"):
        inputs.append(example_portfolio() if args.example else args.portfolio)
    if getattr(args, "book", None) is not None:       # import-return reads the return
        inputs.append(args.book)
    if getattr(args, "monitoring", None) is not None:  # template --monitoring reads the portfolio
        inputs.append(args.monitoring)
    check_output(args.output, inputs)


def _emit(chunks, output: Path | None) -> None:
    """Print, or write atomically to ``output``, text made in pieces.

    A character that cannot be encoded (an unpaired surrogate in a name) is
    written as its escape, ``\\ud800``: valid in JSON, and never a crash."""
    if output is None:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="backslashreplace")
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    from .io.portfolio_file import atomic_write_chunks
    atomic_write_chunks(output, (c.encode("utf-8", "backslashreplace") for c in chunks))
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
    from .core.errors import InputError, Problem
    from .io.appraisal_workbook import imported_changes
    from .io.workbook import export_workbook
    if args.output.suffix.lower() != ".xlsx":
        raise InputError([Problem("the appraisal workbook is an Excel file: give a name ending "
                                  ".xlsx", file=str(args.output))])
    pack, doc, inputs = _load(args)
    export_workbook(inputs, pack, args.output, carbon_series=args.carbon,
                    discount_schedule=args.schedule, analysis=args.analysis, draws=args.draws,
                    seed=args.seed, budget_gbp=args.budget, objective=args.objective,
                    document=doc.data, changes=imported_changes(doc.data, pack))
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from .core import load_pack
    from .io.submission import write_template
    from .resources import default_pack_dir
    if (args.monitoring is None) != (args.project is None):
        print("appraisal template: error: --monitoring PORTFOLIO.json and --project ID go "
              "together", file=sys.stderr)
        return EXIT_INPUT
    pack = load_pack(args.assumptions or default_pack_dir())
    if args.monitoring is not None:
        from .io.monitoring_return import write_return
        from .io.portfolio_file import open_portfolio
        doc, _ = open_portfolio(args.monitoring, pack)
        write_return(args.output, doc.data, args.project, pack, file=str(args.monitoring))
        print(f"wrote {args.output}", file=sys.stderr)
        return EXIT_OK
    write_template(args.output, pack, contact=args.contact)
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_import_return(args: argparse.Namespace) -> int:
    """``appraisal import-return RETURN.xlsx --into P.json -o OUT.json``: all or nothing."""
    from .core import load_pack, parse_portfolio
    from .io.monitoring_return import import_return
    from .io.portfolio_file import open_portfolio, save_portfolio
    from .io.submission import describe_problem
    from .resources import default_pack_dir
    pack = load_pack(args.assumptions or default_pack_dir())
    doc, _ = open_portfolio(args.into, pack)
    added, problems = import_return(args.book, doc.data, pack)
    for problem in problems:
        _say(describe_problem(problem))
    if problems:
        print(f"appraisal import-return: {len(problems)} problem(s); nothing written",
              file=sys.stderr)
        return EXIT_INPUT
    parse_portfolio(doc.data, pack, file=str(args.output))   # what is written opens soundly
    save_portfolio(doc, args.output)
    periods = ", ".join(str(e["year"]) + (f" Q{e['quarter']}" if e.get("quarter") else "")
                        for e in added)
    print(f"appraisal import-return: wrote {args.output}: {len(added)} entr"
          f"{'y' if len(added) == 1 else 'ies'} added ({periods})", file=sys.stderr)
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from .core import Portfolio, load_pack, parse_portfolio
    from .core.errors import InputError
    from .io import submission_layout as L
    from .io.appraisal_workbook import is_appraisal_workbook
    from .io.portfolio_file import open_portfolio, save_portfolio
    from .io.resubmission import merge_projects
    from .io.submission import describe_problem, import_workbooks
    from .resources import default_pack_dir
    returned = [b for b in args.books if b.is_file() and is_appraisal_workbook(b)]
    if returned:
        return _import_appraisal_workbook(args, returned)
    if args.into is None and args.appraisal_year is None:
        print("appraisal import: error: give --appraisal-year YEAR for the new portfolio "
              "(or --into EXISTING.json)", file=sys.stderr)
        return EXIT_INPUT
    if args.replace and args.into is None:
        print("appraisal import: error: --replace replaces projects of an existing portfolio: "
              "give --into EXISTING.json", file=sys.stderr)
        return EXIT_INPUT
    if args.into is not None and args.appraisal_year is not None:
        print(f"appraisal import: note: --appraisal-year is ignored; {args.into} keeps its own",
              file=sys.stderr)
    pack = load_pack(args.assumptions or default_pack_dir())
    doc = (open_portfolio(args.into, pack)[0] if args.into is not None   # refused as it is named
           else Portfolio.new(args.name, args.appraisal_year))
    before = doc.copy()
    report = import_workbooks(args.books, pack, strict=args.strict)
    merge = merge_projects(doc, [(w.file, w.project) for w in report.kept() if w.project],
                           replace=args.replace, sheet=L.PROJECT, cell=L.PROJECT_CELLS["id"])
    problems = report.problems + merge.problems
    for problem in problems:
        _say(describe_problem(problem))
    for warning in report.warnings:   # read one way that could have meant another
        _say(f"warning: {describe_problem(warning)}")
    summary = f"{len(problems)} problem(s) in {len({p.file for p in problems})} file(s)"
    if problems and args.strict:
        print(f"appraisal import: {summary}; nothing written (--strict)", file=sys.stderr)
        return EXIT_INPUT
    if not merge.added and not merge.replaced:
        print("appraisal import: no project imported; nothing written", file=sys.stderr)
        return EXIT_INPUT
    try:   # what is written must open as a sound portfolio
        parse_portfolio(doc.data, pack, file=str(args.output))
    except InputError as exc:
        for problem in exc.problems:
            _say(describe_problem(problem))
        print("appraisal import: nothing written", file=sys.stderr)
        return EXIT_INPUT
    if merge.replaced:   # what the resubmission changes, before it is written
        from .core.diff import diff_portfolios
        from .io.diff_output import diff_table
        diff = diff_portfolios(before, doc, pack, names=(str(args.into), "the resubmission"))
        sys.stdout.write(diff_table(diff, (str(args.into), "after the resubmission")))
    save_portfolio(doc, args.output)
    done = [f"{len(merge.added)} project(s) added"] + (
        [f"{len(merge.replaced)} replaced ({', '.join(str(o.get('id')) for o, _ in merge.replaced)})"]
        if merge.replaced else [])
    print(f"appraisal import: wrote {args.output}: {'; '.join(done)}"
          + (f"; {summary}, listed above" if problems else ""), file=sys.stderr)
    return EXIT_INPUT if problems else EXIT_OK


def _import_appraisal_workbook(args: argparse.Namespace, returned: list[Path]) -> int:
    """``appraisal import BOOK.xlsx -o P.json`` of an appraisal workbook: the portfolio it
    carries with its edited input cells; no --appraisal-year (it has its own)."""
    from .core import load_pack
    from .io.appraisal_workbook import read_appraisal_workbook
    from .io.portfolio_file import save_portfolio
    from .resources import default_pack_dir
    if len(args.books) != 1 or args.into is not None:
        print(f"appraisal import: error: {returned[0]} is an appraisal workbook (a whole "
              "portfolio): import it alone, without --into (use 'appraisal diff' to compare it "
              "with a portfolio)", file=sys.stderr)
        return EXIT_INPUT
    if args.appraisal_year is not None:
        print("appraisal import: note: --appraisal-year is ignored; an appraisal workbook "
              "carries its own", file=sys.stderr)
    pack = load_pack(args.assumptions or default_pack_dir())
    portfolio, report = read_appraisal_workbook(returned[0], pack)
    for line in report.lines():
        print(line, file=sys.stderr)
    save_portfolio(portfolio, args.output)
    print(f"appraisal import: wrote {args.output} ({len(report.changes)} input(s) changed)",
          file=sys.stderr)
    return EXIT_OK


# ---------------------------------------------------------------------------
# appraisal diff: what changed between two portfolios, and why the numbers moved
# ---------------------------------------------------------------------------

def _add_diff_parser(sub) -> None:
    p = sub.add_parser(
        "diff", help="what changed between two portfolios, and why NPSV moved",
        description="Compare two portfolios (portfolio files or appraisal workbooks): the inputs "
                    "that differ, project by project and field by field, the change in NPSV, "
                    "BCR, carbon, net jobs, public cost and gap contribution, and the NPSV "
                    "change attributed to each input (applied one at a time in a stated order; "
                    "the parts add up to the total).",
        epilog="Exit status: 0 the inputs are the same, 1 they differ, 2 an input is wrong.")
    p.add_argument("a", type=Path, metavar="A", help="before: PORTFOLIO.json or BOOK.xlsx")
    p.add_argument("b", type=Path, metavar="B", help="after: PORTFOLIO.json or BOOK.xlsx")
    _add_pack_options(p)
    p.add_argument("--carbon", choices=("low", "central", "high"))
    p.add_argument("--schedule", type=_schedule_name, metavar="NAME")
    p.add_argument("--format", choices=("table", "json", "xlsx"), default="table")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write to FILE (atomically) instead of printing; needed for xlsx")
    p.set_defaults(run=_cmd_diff)


def _load_either(path: Path, pack):
    """A portfolio document from a portfolio file or an appraisal workbook."""
    from .core.errors import InputError, Problem
    from .io.appraisal_workbook import is_appraisal_workbook, read_appraisal_workbook
    from .io.portfolio_file import load_portfolio
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if not path.is_file() or not is_appraisal_workbook(path):
            raise InputError([Problem("is not an appraisal workbook exported by the application "
                                      "(nor a portfolio file)", file=str(path))])
        portfolio, report = read_appraisal_workbook(path, pack)
        for problem in report.formula_problems:
            print(f"appraisal diff: warning: {path}: {problem.message}", file=sys.stderr)
        return portfolio
    return load_portfolio(path)


def _cmd_diff(args: argparse.Namespace) -> int:
    from .core import load_pack
    from .core.diff import diff_portfolios
    from .core.errors import InputError, Problem
    from .io.diff_output import diff_json, diff_table
    from .resources import default_pack_dir
    if args.format == "xlsx" and (args.output is None or args.output.suffix.lower() != ".xlsx"):
        raise InputError([Problem("--format xlsx writes a workbook: give -o REPORT.xlsx")])
    pack = load_pack(args.assumptions or default_pack_dir())
    try:
        a, b = _load_either(args.a, pack), _load_either(args.b, pack)
    except OSError as exc:
        raise InputError([Problem(f"cannot be read: {exc.strerror or exc}",
                                  file=str(exc.filename or ""))]) from None
    names = (str(args.a), str(args.b))
    diff = diff_portfolios(a, b, pack, carbon_series=args.carbon, discount_schedule=args.schedule,
                           names=names)
    if args.format == "xlsx":
        from .io.workbook.changes_sheet import write_diff_report
        write_diff_report(diff, args.output, names)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        render = diff_table if args.format == "table" else diff_json
        _emit([render(diff, names)], args.output)
    return EXIT_OK if diff.equal else EXIT_FAILED


# ---------------------------------------------------------------------------
# appraisal select: the best set of projects within a public budget
# ---------------------------------------------------------------------------

# core argument -> the option a user typed, for messages
_SELECT_OPTIONS = {"budget_gbp": "--budget", "objective": "--objective",
                   "min_readiness": "--min-readiness", "must_include": "--include",
                   "must_exclude": "--exclude", "category_min": "--category-min",
                   "category_max": "--category-max", "sector_min": "--sector-min",
                   "sector_max": "--sector-max", "steps": "--steps"}


def parse_budget(text: str) -> float:
    """An amount of GBP as people write it: 20000000, 20m, 1.5bn, 250k, £20,000,000
    (the core's reader, as the window's budget field uses)."""
    from .core.quantities import parse_budget as read_budget
    try:
        return read_budget(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"cannot read the budget: {exc}") from None


def _count(text: str) -> tuple[str, int]:
    name, sep, number = text.partition("=")
    if not sep or not name.strip() or not number.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=N (e.g. public_transport=2)")
    return name.strip(), int(number)


def _readiness(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"the readiness score runs from 0 to 100, not {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"give a number of seconds above zero, not {text!r}")
    return value


# ---------------------------------------------------------------------------
# appraisal sensitivity / montecarlo: the Green Book's tests of uncertainty
# ---------------------------------------------------------------------------

def _add_uncertainty_parsers(sub) -> None:
    for name, text in (("sensitivity", "tornado ranges, switching values and scenarios by driver"),
                       ("montecarlo", "percentiles of NPSV and the risk of a negative NPSV")):
        p = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("portfolio", nargs="?", type=Path, help="portfolio file (JSON)")
        source.add_argument("--example", action="store_true",
                            help="use the bundled example portfolio")
        _add_pack_options(p)
        p.add_argument("--carbon", choices=("low", "central", "high"))
        p.add_argument("--schedule", type=_schedule_name, metavar="NAME")
        p.add_argument("--format", choices=("table", "json"), default="table")
        p.add_argument("-o", "--output", type=Path, metavar="FILE")
        if name == "montecarlo":
            p.add_argument("--draws", type=_positive_int, default=10_000, metavar="N",
                           help="number of draws (default: %(default)s)")
            p.add_argument("--seed", type=_seed, default=1, metavar="S",
                           help="random seed: the same seed gives the same figures (default: 1)")
        p.set_defaults(run=_cmd_uncertainty, analysis=name)


def _seed(text: str) -> int:
    """A Monte Carlo seed: numpy's generators take a whole number from 0 up; below 2^53 it
    is kept exactly in a JSON number and a spreadsheet cell, so the figures can be redrawn."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if not 0 <= value < 2**53:
        raise argparse.ArgumentTypeError(f"the seed must be a whole number from 0 to "
                                         f"{2**53 - 1:,}, not {text[:40]}")
    return value


def _schedule_name(text: str) -> str:
    """A discount schedule's name: empty text is a mistake, not "the portfolio's"."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give the name of a discount schedule of the pack "
                                         "(e.g. standard), or leave --schedule out for the "
                                         "portfolio's own")
    return text


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    from .core.montecarlo import MAX_DRAWS
    if value < 1 or value > MAX_DRAWS:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {MAX_DRAWS:,}")
    return value


def _cmd_uncertainty(args: argparse.Namespace) -> int:
    import json
    from .io import results_output
    pack, _, inputs = _load(args)
    if args.analysis == "sensitivity":
        from .core.sensitivity import sensitivity
        out: Tornado | SimulationSummary = sensitivity(inputs, pack, carbon_series=args.carbon,
                                                       discount_schedule=args.schedule)
        text = results_output.sensitivity_table if args.format == "table" else None
    else:
        from .core.montecarlo import simulate
        out = simulate(inputs, pack, draws=args.draws, seed=args.seed, carbon_series=args.carbon,
                       discount_schedule=args.schedule)
        text = results_output.montecarlo_table if args.format == "table" else None
    body = text(out) if text else json.dumps(out.to_dict(), indent=1, ensure_ascii=False,
                                             allow_nan=False) + "\n"
    _emit([body], args.output)
    return EXIT_OK


def _add_select_parser(sub) -> None:
    p = sub.add_parser(
        "select", help="the best set of projects within a public budget",
        description="Choose the set of projects that maximises an objective within a public "
                    "budget, exactly (mixed-integer programming), and show it beside the "
                    "greedy choice by BCR.",
        epilog="Exit status 2 when an option is wrong (an unknown project, category or "
               "sector) or when no set of projects meets the constraints within the budget "
               "(the reason is printed); nothing is written then.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("portfolio", nargs="?", type=Path, help="portfolio file (JSON)")
    source.add_argument("--example", action="store_true", help="use the bundled example portfolio")
    p.add_argument("--budget", type=parse_budget, required=True, metavar="GBP",
                   help="public money available, e.g. 20000000, 20m or £20,000,000")
    p.add_argument("--objective", choices=("npsv", "carbon", "jobs", "gap"), default="npsv",
                   help="what to maximise (default: %(default)s)")
    p.add_argument("--min-readiness", type=_readiness, metavar="N",
                   help="only projects with a readiness score of at least N (0 to 100)")
    p.add_argument("--shovel-ready-only", action="store_true", help="only shovel-ready projects")
    p.add_argument("--include", nargs="+", action="extend", default=[], metavar="ID",
                   help="projects that must be chosen")
    p.add_argument("--exclude", nargs="+", action="extend", default=[], metavar="ID",
                   help="projects that must not be chosen")
    for kind, label in (("category", "CAT"), ("sector", "SECTOR")):
        for bound in ("min", "max"):
            p.add_argument(f"--{kind}-{bound}", nargs="+", action="extend", type=_count,
                           default=[], metavar=f"{label}=N",
                           help=f"at {'least' if bound == 'min' else 'most'} N chosen projects "
                                f"of the {'category' if kind == 'category' else 'gap sector'}")
    _add_pack_options(p)
    p.add_argument("--carbon", choices=("low", "central", "high"))
    p.add_argument("--schedule", type=_schedule_name, metavar="NAME")
    p.add_argument("--curve", action="store_true",
                   help="also give the optimum against the budget, from nothing to funding "
                        "everything, with what each further £1m buys")
    p.add_argument("--steps", type=_whole, default=50, metavar="N",
                   help="at most N round steps for --curve, up to 1,000 (default: %(default)s)")
    p.add_argument("--time-limit", type=_seconds, default=60.0, metavar="SECONDS",
                   help="stop the solver after this long and report the best set found "
                        "(default: %(default)s)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write to FILE (atomically) instead of printing")
    p.set_defaults(run=_cmd_select)


def _cmd_select(args: argparse.Namespace) -> int:
    import json

    from .core import appraise_portfolio
    from .core.errors import InputError, Problem
    try:
        from .core.selection import MAX_STEPS, budget_curve, select_projects
    except ImportError as exc:   # scipy is missing (e.g. a bundle built without it)
        print(f"appraisal select: needs scipy, which cannot be imported ({exc})", file=sys.stderr)
        return EXIT_FAILED
    if not 1 <= args.steps <= MAX_STEPS:
        print(f"appraisal: error: --steps: {args.steps:,} is not between 1 and {MAX_STEPS:,}",
              file=sys.stderr)
        return EXIT_INPUT
    pack, _, inputs = _load(args)
    results = appraise_portfolio(inputs, pack, carbon_series=args.carbon,
                                 discount_schedule=args.schedule)
    constraints = {"min_readiness": args.min_readiness, "shovel_ready_only": args.shovel_ready_only,
                   "category_min": dict(args.category_min), "category_max": dict(args.category_max),
                   "sector_min": dict(args.sector_min), "sector_max": dict(args.sector_max),
                   "must_include": args.include, "must_exclude": args.exclude}
    try:
        selection = select_projects(results, args.budget, args.objective,
                                    time_limit_s=args.time_limit, **constraints)
        if not selection.feasible:
            print(f"appraisal: error: no set of projects meets the constraints within the "
                  f"budget: {selection.message}", file=sys.stderr)
            return EXIT_INPUT
        curve = (budget_curve(results, args.objective, args.steps, time_limit_s=args.time_limit,
                              **constraints) if args.curve else None)
    except InputError as exc:   # name the options the user typed, and the file
        source = "example portfolio" if args.example else str(args.portfolio)
        raise InputError([Problem(p.message, file=source, project=p.project,
                                  field=_SELECT_OPTIONS.get(p.field or "", p.field))
                          for p in exc.problems]) from None
    if args.format == "json":
        out = {"selection": selection.to_dict()}
        if curve is not None:
            out["curve"] = curve.to_records()
        text = json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    else:
        from .io.selection_output import selection_table
        text = selection_table(results, selection, curve)
    _emit([text], args.output)
    return EXIT_OK


# ---------------------------------------------------------------------------
# appraisal track: delivery against the appraisal (docs/delivery.md)
# ---------------------------------------------------------------------------

def _date(text: str):
    import datetime
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def _add_track_parser(sub) -> None:
    p = sub.add_parser(
        "track", help="delivery against the appraisal: spend, overrun, slippage, carbon, RAG",
        description="Compare each project's actuals (spend, public funding drawn, measured "
                    "energy, operating start) with its latest approved baseline, re-forecast the "
                    "appraisal with the actuals in place, and give a RAG status from the pack's "
                    "thresholds (docs/delivery.md).",
        epilog="Exit status 2 when the portfolio, its baselines or actuals, or an option is "
               "wrong (the message names the file, the project and the field).")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("portfolio", nargs="?", type=Path, help="portfolio file (JSON)")
    source.add_argument("--example", action="store_true", help="use the bundled example portfolio")
    _add_pack_options(p)
    p.add_argument("--as-of", type=_date, metavar="DATE",
                   help="count periods ending and returns dated on or before DATE (YYYY-MM-DD; "
                        "default: the date of the latest return)")
    p.add_argument("--calibration", action="store_true",
                   help="instead, pool completed projects: cost overrun and slippage against "
                        "the optimism-bias allowances, by category")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write to FILE (atomically) instead of printing")
    p.set_defaults(run=_cmd_track)


def _cmd_track(args: argparse.Namespace) -> int:
    from .core.delivery import calibrate, track
    from .io import delivery_output as out
    pack, doc, _ = _load(args)
    source = "example portfolio" if args.example else str(args.portfolio)
    if args.calibration:
        cal = calibrate(doc, pack, file=source)
        labels = {code: c.label for code, c in pack.categories.items()}
        text = {"table": lambda c: out.calibration_table(c, labels), "json": out.to_json,
                "csv": out.calibration_csv}[args.format](cal)
    else:
        report = track(doc, pack, as_of=args.as_of, file=source)
        text = {"table": out.to_table, "json": out.to_json, "csv": out.to_csv}[args.format](report)
    _emit([text], args.output)
    return EXIT_OK


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
    from .io.atomic import WriteError, prepare_cleanup
    prepare_cleanup()   # killed runs' temporary folders go; SIGTERM cleans up as Ctrl-C does
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_OK
        _check_output(args)
        return args.run(args)
    except InputError as exc:
        for problem in exc.problems[:50] or ["invalid input"]:
            _say(f"appraisal: error: {problem}")
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
    except WriteError as exc:   # a full disk, a permission, a read-only file: exit 1
        _say(f"appraisal: error: {exc}; nothing was written")
        return EXIT_FAILED
    except OSError as exc:
        target = f"cannot use {exc.filename}: " if exc.filename else ""
        _say(f"appraisal: error: {target}{exc.strerror or exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("appraisal: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("APPRAISAL_DEBUG"):
            raise
        _say(f"appraisal: internal error: {exc.__class__.__name__}: {exc}")
        print("appraisal: set APPRAISAL_DEBUG=1 to see the details", file=sys.stderr)
        return EXIT_FAILED
