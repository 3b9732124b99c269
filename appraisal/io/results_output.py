"""Results as text: a readable table, CSV and JSON (FORMAT.md section 3)."""
from __future__ import annotations

import csv
import io
import json
from itertools import chain
from typing import Any

from ..core.wording import provenance, shovel_ready_rule
from ..core.results import VFM_BASIS_LABELS, PortfolioResults

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
    """The rows of :func:`to_csv`, a line at a time."""
    records = results.iter_project_records()
    first = next(records, None)
    out = io.StringIO()
    keys = [k for k in (first if first else _empty_keys()) if k not in CSV_EXCLUDE]
    extra = ["warnings", "assumptions_id", "assumptions_vintage", "carbon_series",
             "discount_schedule", "appraisal_year", "price_base_year", "energy_series",
             "assumptions_not_official"]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(keys + extra)
    if first is None:
        yield out.getvalue()
        return
    for r in chain([first], records):
        w.writerow([_csv_cell(r[k]) for k in keys]
                   + [" | ".join(r["warnings"]), results.pack_id, results.pack_vintage,
                      results.carbon_series, results.discount_schedule, results.appraisal_year,
                      results.price_base_year, results.energy_series,
                      _csv_cell(results.pack_quality_note)])
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
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A spreadsheet would run text starting like this as a formula
        # (OWASP "CSV injection"); a leading apostrophe keeps it text.
        return "'" + v
    if isinstance(v, float):
        return repr(v)
    return v


def _money(v: float | None, scale: float = 1e6, places: int = 2) -> str:
    if v is None:
        return "-"
    x = round(v / scale, places) + 0.0   # + 0.0: no "-0.00" for a tiny loss
    return f"{x:,.{places}f}"


def _num(v: float | None, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def to_table(results: PortfolioResults) -> str:
    """A plain-text table for the terminal: projects, totals, gap, warnings."""
    d = results.to_dict()
    p = d["portfolio"]
    cols = [("ID", 10, "<"), ("Project", 30, "<"), ("PVC £m", 9, ">"), ("PVB £m", 9, ">"),
            ("NPSV £m", 9, ">"), ("BCR", 6, ">"), ("Funder", 6, ">"), ("VfM", 9, "<"),
            ("tCO2e", 10, ">"),
            ("£/tCO2e", 8, ">"), ("Net jobs", 8, ">"), ("Gap £m", 8, ">"), ("Ready", 5, ">")]

    def line(cells: list[str]) -> str:
        return "  ".join(f"{c[:w]:{a}{w}}" for c, (_, w, a) in zip(cells, cols)).rstrip()

    basis = VFM_BASIS_LABELS.get(p["vfm_basis"], p["vfm_basis"])
    lines = [f"{p['name']}",
             provenance(p["assumptions"]["id"], p["assumptions"]["vintage"],
                        carbon_series=p["carbon_series"], energy_series=p["energy_series"],
                        discount_schedule=p["discount_schedule"],
                        price_base_year=p["price_base_year"], appraisal_year=p["appraisal_year"])
             + f"; method version {p['method_version']}",
             f"BCR: the social BCR, all benefits over all costs. Funder: the funder BCR, "
             f"benefits net of private costs over public costs. VfM is on the {basis.split(' (')[0]}.",
             "", line([c[0] for c in cols]), line(["-" * c[1] for c in cols])]
    for r in d["projects"]:
        lines.append(line([
            r["id"], r["name"], _money(r["pv_costs_gbp"]), _money(r["pv_benefits_gbp"]),
            _money(r["npsv_gbp"]), _num(r["bcr"], ".2f"), _num(r["bcr_public"], ".2f"),
            (r["vfm_category"] or "-").upper(),
            _num(r["carbon_saved_tco2e"], ",.0f"), _num(r["cost_per_tco2e_gbp"], ",.0f"),
            _num(r["net_additional_jobs_fte"], ",.1f"), _money(r["gap_contribution_gbp"]),
            f"{r['readiness_score']:.0f}{'*' if r['shovel_ready'] else ''}"]))
    lines.append(line(["-" * c[1] for c in cols]))
    lines.append(line([
        "TOTAL", f"{p['project_count']} projects", _money(p["pv_costs_gbp"]),
        _money(p["pv_benefits_gbp"]), _money(p["npsv_gbp"]), _num(p["bcr"], ".2f"),
        _num(p["bcr_public"], ".2f"), (p["vfm_category"] or "-").upper(), _num(p["carbon_saved_tco2e"], ",.0f"), "",
        _num(p["net_additional_jobs_fte"], ",.1f"), _money(p["gap"]["total"]["contribution_gbp"]),
        f"{p['shovel_ready_projects']}*"]))
    lines += ["", f"* shovel-ready: {shovel_ready_rule()}", "",
              f"Carbon saved: {_num(p['carbon_saved_direct_tco2e'], ',.0f')} t direct, "
              f"{_num(p['carbon_saved_traded_tco2e'], ',.0f')} t traded (grid electricity); "
              f"embodied {_num(p['embodied_carbon_tco2e'], ',.0f')} t.",
              f"Exchequer: indirect taxes change by {_money(p['pv_indirect_tax_change_gbp'])} £m "
              "(present value; a transfer, not in the NPSV).", ""]
    window = p["gap"]["window"]
    lines.append("Contribution to the low-carbon investment gap"
                 + (f", {window[0]}-{window[1]}" if window else "")
                 + f" (£m, {p['price_base_year']} prices):")
    for _name, s in list(p["gap"]["sectors"].items()) + [("total", p["gap"]["total"])]:
        label = s.get("label", "All sectors")
        share = s["share_closed"]
        own = f" {s['window'][0]}-{s['window'][1]}" if not window and "window" in s else ""
        lines.append(f"  {label[:40]:<40}{own} {_money(s['contribution_gbp'], places=1):>10} of "
                     f"{_money(s['cumulative_gap_gbp'], places=0):>8} "
                     f"({'-' if share is None else f'{share:.4%}'} closed)")
    warned = [(r["id"], w) for r in d["projects"] for w in r["warnings"]]
    if warned:
        lines += ["", f"Warnings ({len(warned)}):"]
        lines += [f"  {pid}: {w}" for pid, w in warned]
    if p["assumptions"].get("has_illustrative_figures"):
        lines += ["", "Note: " + (p["assumptions"].get("quality_note") or "the assumption pack has "
                                  "rows that are not official")
                  + "; check them before a formal business case."]
    return "\n".join(lines) + "\n"


def sensitivity_table(out: dict) -> str:
    """The sensitivity analysis for the terminal: per project its largest swings
    and its switching values."""
    lines = ["Sensitivity analysis. "
             + provenance(out["assumptions"]["id"], out["assumptions"]["vintage"]), ""]
    lines.append("Portfolio NPSV at each driver's low and high (£m):")
    for r in out["portfolio"]["tornado"]:
        lines.append(f"  {r['label'][:34]:<34} {_money(r['npsv_gbp_low']):>9} {_money(r['npsv_gbp_high']):>9}")
    for p in out["projects"]:
        lines += ["", f"{p['id']}: {p['name']} (NPSV {_money(p['npsv_gbp'])} £m)",
                  "  largest swings (NPSV £m at low, high):"]
        for r in p["tornado"][:3]:
            lines.append(f"    {r['label'][:32]:<32} {_money(r['npsv_gbp_low']):>9} "
                         f"{_money(r['npsv_gbp_high']):>9}")
        lines.append("  switching values (NPSV falls to zero at):")
        for r in p["switching_values"]:
            if r["switching_value"] is None:
                what = r.get("note") or "not within reach"
            elif r.get("unit") == "years":
                what = f"{r['switching_value']:.0f} years ({r['switching_change']:+.0%})"
            elif r.get("unit") == "rate":
                what = f"an optimism bias of {r['switching_value']:.1%}"
            else:
                what = f"x {r['switching_value']:.3g} ({r['switching_change']:+.1%})"
            lines.append(f"    {r['driver']:<18} {what}")
    return "\n".join(lines) + "\n"


def montecarlo_table(out: dict) -> str:
    """The Monte Carlo percentiles for the terminal."""
    lines = [f"Monte Carlo: {out['draws']:,} draws, seed {out['seed']}. "
             + provenance(out["assumptions"]["id"], out["assumptions"]["vintage"],
                          carbon_series=out["carbon_series"],
                          discount_schedule=out["discount_schedule"]), out["note"], "",
             f"{'':12}{'central £m':>11}{'mean £m':>10}{'P10 £m':>10}{'P50 £m':>10}{'P90 £m':>10}"
             f"{'P(NPSV<0)':>11}"]
    for pid, s in [("PORTFOLIO", out["portfolio"])] + [(p["id"], p) for p in out["projects"]]:
        lines.append(f"{pid[:12]:<12}{_money(s['npsv_central_gbp']):>11}{_money(s['npsv_mean_gbp']):>10}{_money(s['npsv_p10_gbp']):>10}"
                     f"{_money(s['npsv_p50_gbp']):>10}{_money(s['npsv_p90_gbp']):>10}"
                     f"{_num(s['prob_npsv_negative'], '.1%'):>11}")
    return "\n".join(lines) + "\n"
