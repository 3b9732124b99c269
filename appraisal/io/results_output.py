"""Results as text: a readable table, CSV and JSON (FORMAT.md section 3)."""
from __future__ import annotations

import csv
import io
import json
from itertools import chain
from typing import Any

from ..core.wording import provenance, shovel_ready_rule
from ..core.results import VFM_BASIS_LABELS, PortfolioResults
from .escaping import elide, no_negative_zero, safe_text, terminal_text

CSV_EXCLUDE = ("warnings",)


def to_json(results: PortfolioResults) -> str:
    return "".join(iter_json(results))


def iter_json(results: PortfolioResults):
    """FORMAT.md 3's JSON object in pieces: the portfolio indented, then one
    project per line. Readable, and written as it is made: a 100,000-project
    result never sits in memory as one string, and each line goes through
    json's fast C encoder (``indent`` would switch to its Python one)."""
    portfolio = json.dumps(results.portfolio_record(), indent=2, ensure_ascii=False,
                           allow_nan=False)
    yield '{\n"portfolio": ' + portfolio + ',\n"projects": ['
    sep = "\n"
    for record in results.iter_project_records():
        yield sep + json.dumps(record, ensure_ascii=False, allow_nan=False)
        sep = ",\n"
    yield "\n]}\n"


def to_csv(results: PortfolioResults) -> str:
    """One row per project with every JSON key; warnings joined with ' | '.

    Each row also names the assumption pack and the choices in force, so a
    row copied elsewhere stays traceable.
    """
    return "".join(iter_csv(results))


def iter_csv(results: PortfolioResults):
    """The rows of :func:`to_csv`, a line at a time.

    Every text cell (the project's fields, its warnings, the pack's id and
    vintage, the options) goes through :func:`~appraisal.io.escaping.safe_text`:
    one line, no control character, a leading apostrophe where a spreadsheet
    would read a formula; numbers are written as numbers.
    """
    records = results.iter_project_records()
    first = next(records, None)
    out = io.StringIO()
    keys = [k for k in (first if first else _empty_keys()) if k not in CSV_EXCLUDE]
    extra = ["warnings", "assumptions_id", "assumptions_vintage", "carbon_series",
             "discount_schedule", "appraisal_year", "price_base_year", "energy_series",
             "assumptions_not_official"]
    w = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(keys + extra)
    if first is None:
        yield out.getvalue()
        return
    context = [_csv_cell(v) for v in (
        results.pack_id, results.pack_vintage, results.carbon_series, results.discount_schedule,
        results.appraisal_year, results.price_base_year, results.energy_series,
        results.pack_quality_note)]
    for r in chain([first], records):
        w.writerow([_csv_cell(r[k]) for k in keys] + [safe_text(" | ".join(r["warnings"]))]
                   + context)
        if out.tell() > 1 << 20:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _empty_keys() -> list[str]:
    return ["id", "name", "category"]


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return repr(v + 0.0)   # + 0.0: no "-0.0"
    if isinstance(v, int):
        return v
    return safe_text(v)


def _money(v: float | None, scale: float = 1e6, places: int = 2) -> str:
    if v is None:
        return "-"
    x = round(v / scale, places) + 0.0   # + 0.0: no "-0.00" for a tiny loss
    return no_negative_zero(f"{x:,.{places}f}")


def _num(v: float | None, fmt: str) -> str:
    return "-" if v is None else no_negative_zero(format(v, fmt))


def _text(v: Any, limit: int = 200) -> str:
    """A name or ID for the terminal: escape sequences removed, a very long one cut."""
    return terminal_text(elide(str(v), limit))


# (header, width, alignment, text): a text column is cut to its width with "…";
# a number column widens to its longest figure, so no digit is ever lost
Column = tuple[str, int, str, bool]


def _column_widths(cols: list[Column], rows: list[list[str]]) -> list[int]:
    return [width if text else max([width] + [len(r[k]) for r in rows])
            for k, (_, width, _, text) in enumerate(cols)]


def _table_lines(cols: list[Column], rows: list[list[str]], *, rule_before_last: bool = False,
                 sep: str = "  ", rule: bool = True) -> list[str]:
    """Header, rule and rows, each cell padded (numbers never cut)."""
    widths = _column_widths(cols, rows)

    def line(cells: list[str]) -> str:
        out = []
        for c, (_, _, align, text), w in zip(cells, cols, widths):
            if text and len(c) > w:
                c = c[:w - 1] + "…"
            out.append(f"{c:{align}{w}}")
        return sep.join(out).rstrip()

    ruler = line(["-" * w for w in widths])
    lines = [line([c[0] for c in cols])] + ([ruler] if rule else []) + [line(r) for r in rows]
    if rule_before_last and rows:
        lines.insert(len(lines) - 1, ruler)
    return lines


TABLE_COLUMNS: list[Column] = [
    ("ID", 10, "<", True), ("Project", 30, "<", True), ("PVC £m", 9, ">", False),
    ("PVB £m", 9, ">", False), ("NPSV £m", 9, ">", False), ("BCR", 6, ">", False),
    ("Funder", 6, ">", False), ("VfM", 9, "<", False), ("tCO2e", 10, ">", False),
    ("£/tCO2e", 8, ">", False), ("Net jobs", 8, ">", False), ("Gap £m", 8, ">", False),
    ("Ready", 5, ">", False)]


def _project_row(r: dict) -> list[str]:
    return [_text(r["id"]), _text(r["name"]), _money(r["pv_costs_gbp"]),
            _money(r["pv_benefits_gbp"]), _money(r["npsv_gbp"]), _num(r["bcr"], ".2f"),
            _num(r["bcr_public"], ".2f"), (r["vfm_category"] or "-").upper(),
            _num(r["carbon_saved_tco2e"], ",.0f"), _num(r["cost_per_tco2e_gbp"], ",.0f"),
            _num(r["net_additional_jobs_fte"], ",.1f"), _money(r["gap_contribution_gbp"]),
            f"{r['readiness_score']:.0f}{'*' if r['shovel_ready'] else ''}"]


def _total_row(p: dict) -> list[str]:
    return ["TOTAL", f"{p['project_count']} projects", _money(p["pv_costs_gbp"]),
            _money(p["pv_benefits_gbp"]), _money(p["npsv_gbp"]), _num(p["bcr"], ".2f"),
            _num(p["bcr_public"], ".2f"), (p["vfm_category"] or "-").upper(),
            _num(p["carbon_saved_tco2e"], ",.0f"), "", _num(p["net_additional_jobs_fte"], ",.1f"),
            _money(p["gap"]["total"]["contribution_gbp"]), f"{p['shovel_ready_projects']}*"]


def to_table(results: PortfolioResults) -> str:
    """A plain-text table for the terminal: projects, totals, gap, warnings.

    Number columns widen to their longest figure (no digit is ever cut);
    names and IDs are cut to their column and stripped of escape sequences."""
    d = results.to_dict()
    p = d["portfolio"]
    basis = VFM_BASIS_LABELS.get(p["vfm_basis"], p["vfm_basis"])
    lines = [_text(p["name"]),
             _text(provenance(p["assumptions"]["id"], p["assumptions"]["vintage"],
                              carbon_series=p["carbon_series"], energy_series=p["energy_series"],
                              discount_schedule=p["discount_schedule"],
                              price_base_year=p["price_base_year"],
                              appraisal_year=p["appraisal_year"]), 400)
             + f"; method version {p['method_version']}",
             f"BCR: the social BCR, all benefits over all costs. Funder: the funder BCR, "
             f"benefits net of private costs over public costs. VfM is on the {basis.split(' (')[0]}.",
             ""]
    rows = [_project_row(r) for r in d["projects"]] + [_total_row(p)]
    lines += _table_lines(TABLE_COLUMNS, rows, rule_before_last=True)
    lines += ["", f"* shovel-ready: {shovel_ready_rule()}", "",
              f"Carbon saved: {_num(p['carbon_saved_direct_tco2e'], ',.0f')} t direct, "
              f"{_num(p['carbon_saved_traded_tco2e'], ',.0f')} t traded (grid electricity); "
              f"embodied {_num(p['embodied_carbon_tco2e'], ',.0f')} t.",
              f"Exchequer: indirect taxes change by {_money(p['pv_indirect_tax_change_gbp'])} £m "
              "(present value; a transfer, not in the NPSV).", ""]
    lines += _gap_lines(p)
    warned = [(r["id"], w) for r in d["projects"] for w in r["warnings"]]
    if warned:
        lines += ["", f"Warnings ({len(warned)}):"]
        lines += [f"  {_text(pid, 60)}: {_text(w, 1000)}" for pid, w in warned]
    if p["assumptions"].get("has_illustrative_figures"):
        # the pack's own summary of its caveated tables: shown whole (a pack may list many)
        lines += ["", "Note: " + _text(p["assumptions"].get("quality_note")
                                       or "the assumption pack has rows that are not official", 4000)
                  + "; check them before a formal business case."]
    return "\n".join(lines) + "\n"


def _pack(assumptions: dict) -> str:
    """'id (vintage)' of the pack, for the terminal."""
    return f"{_text(assumptions['id'], 80)} ({_text(assumptions['vintage'], 40)})"


def _gap_lines(p: dict) -> list[str]:
    window = p["gap"]["window"]
    lines = ["Contribution to the low-carbon investment gap"
             + (f", {window[0]}-{window[1]}" if window else "")
             + f" (£m, {p['price_base_year']} prices):"]
    for _, s in list(p["gap"]["sectors"].items()) + [("total", p["gap"]["total"])]:
        label = _text(s.get("label", "All sectors"))
        share = s["share_closed"]
        own = f" {s['window'][0]}-{s['window'][1]}" if not window and "window" in s else ""
        lines.append(f"  {label[:40]:<40}{own} {_money(s['contribution_gbp'], places=1):>10} of "
                     f"{_money(s['cumulative_gap_gbp'], places=0):>8} "
                     f"({'-' if share is None else _num(share, '.4%')} closed)")
    return lines


def _fmt(v: float, spec: str) -> str:
    return no_negative_zero(format(v, spec))


def _switching_words(r) -> str:
    """A switching value (:class:`~appraisal.core.sensitivity.Tornado`'s row) in words."""
    if r.switching_value is None:
        return _text(r.note or "not within reach")
    if r.unit == "years":
        return f"{_fmt(r.switching_value, '.0f')} years ({_fmt(r.switching_change, '+.0%')})"
    if r.unit == "rate":
        return f"an optimism bias of {_fmt(r.switching_value, '.1%')}"
    return f"x {_fmt(r.switching_value, '.3g')} ({_fmt(r.switching_change, '+.1%')})"


def sensitivity_table(out) -> str:
    """The sensitivity analysis (a :class:`~appraisal.core.sensitivity.Tornado`) for the
    terminal: per project its largest swings and its switching values."""
    lines = ["Sensitivity analysis. " + _text(provenance(out.pack_id, out.pack_vintage), 400), ""]
    lines.append("Portfolio NPSV at each driver's low and high (£m):")
    for r in out.portfolio_tornado:
        lines.append(f"  {_text(r.label)[:34]:<34} {_money(r.npsv_gbp_low):>9} "
                     f"{_money(r.npsv_gbp_high):>9}")
    for p in out.projects:
        lines += ["", f"{_text(p.id, 60)}: {_text(p.name)} (NPSV {_money(p.npsv_gbp)} £m)",
                  "  largest swings (NPSV £m at low, high):"]
        for r in p.tornado[:3]:
            lines.append(f"    {_text(r.label)[:32]:<32} {_money(r.npsv_gbp_low):>9} "
                         f"{_money(r.npsv_gbp_high):>9}")
        lines.append("  switching values (NPSV falls to zero at):")
        for r in p.switching_values:
            lines.append(f"    {_text(r.driver):<18} {_switching_words(r)}")
    return "\n".join(lines) + "\n"


MONTE_CARLO_COLUMNS: list[Column] = [
    ("", 12, "<", True), ("central £m", 10, ">", False), ("mean £m", 9, ">", False),
    ("P10 £m", 9, ">", False), ("P50 £m", 9, ">", False), ("P90 £m", 9, ">", False),
    ("P(NPSV<0)", 10, ">", False)]


def montecarlo_table(out) -> str:
    """The Monte Carlo percentiles (a :class:`~appraisal.core.montecarlo.SimulationSummary`)
    for the terminal (columns widen to their figures)."""
    lines = [f"Monte Carlo: {out.draws:,} draws, seed {out.seed}. "
             + _text(provenance(out.pack_id, out.pack_vintage, carbon_series=out.carbon_series,
                                discount_schedule=out.discount_schedule), 400),
             _text(out.note, 2000), ""]
    rows = [[_text(pid), _money(s.npsv_central_gbp), _money(s.npsv_mean_gbp),
             _money(s.npsv_p10_gbp), _money(s.npsv_p50_gbp), _money(s.npsv_p90_gbp),
             _num(s.prob_npsv_negative, ".1%")]
            for pid, s in [("PORTFOLIO", out.portfolio)] + [(p.id, p) for p in out.projects]]
    lines += _table_lines(MONTE_CARLO_COLUMNS, rows, sep=" ", rule=False)
    return "\n".join(lines) + "\n"
