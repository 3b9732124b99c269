"""The workbook's analysis sheets: ``Sensitivity``, ``Monte Carlo`` and ``Selection``.

Unlike the rest of the workbook these hold values, not formulas: they are the
outputs of a simulation and an optimisation, written as the application
computed them at export, each sheet saying so, with native charts.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...core.montecarlo import simulate
from ...core.pack import AssumptionPack
from ...core.portfolio import PortfolioInputs
from ...core.results import PortfolioResults
from ...core.sensitivity import DRIVER_BY_NAME, sensitivity
from .layout import MONEY, NOTE_FONT, NUM0, NUM2, PCT, RATIO, Formats, page_setup, write_text

if TYPE_CHECKING:   # scipy is imported only when a selection is asked for
    from ...core.montecarlo import Outcome, SimulationSummary
    from ...core.sensitivity import SwitchingValue, Tornado, TornadoRow
    from ...core.selection import BudgetCurve, Selection

SENSITIVITY, MONTE_CARLO, SELECTION = "Sensitivity", "Monte Carlo", "Selection"
ANALYSIS_SHEETS = (SENSITIVITY, MONTE_CARLO, SELECTION)

FACTOR_X = '0.00"×"'          # a factor on the central value
MONEY_M = '£#,##0,,"m"'       # chart axes: millions of pounds
LOW_COLOUR, HIGH_COLOUR = "#C55A11", "#2E75B6"
GRID = {"visible": True, "line": {"color": "#D9D9D9"}}
CENTRE = "centre"             # a column of short text (Yes, No), centred


def write_analysis(wb, fmt: Formats, inputs: PortfolioInputs, pack: AssumptionPack,
                   results: PortfolioResults, *, draws: int, seed: int,
                   budget_gbp: float | None = None, objective: str = "npsv",
                   carbon_series: str | None = None,
                   discount_schedule: str | None = None) -> dict[str, Any]:
    """Run the sensitivity analysis, the Monte Carlo simulation and (when a
    budget is given) the selection, and add their sheets to ``wb``.

    Returns the figures written: ``sensitivity`` and ``montecarlo`` (the
    :class:`Tornado` and :class:`SimulationSummary`), and ``selection`` and
    ``curve`` (None without a budget).
    """
    sens = sensitivity(inputs, pack, carbon_series=carbon_series,
                       discount_schedule=discount_schedule, results=results)
    mc = simulate(inputs, pack, draws=draws, seed=seed, carbon_series=carbon_series,
                  discount_schedule=discount_schedule)
    selection = curve = None
    if budget_gbp is not None:
        from ...core.selection import budget_curve, select_projects
        selection = select_projects(results, budget_gbp, objective)
        curve = budget_curve(results, objective)
    write_sensitivity(wb, fmt, sens, results)
    write_monte_carlo(wb, fmt, mc, results)
    if selection is not None and curve is not None:
        write_selection(wb, fmt, selection, curve, results)
    return {"sensitivity": sens, "montecarlo": mc, "selection": selection, "curve": curve}


# ---------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------

def _number(ws, row: int, col: int, value: Any, f) -> None:
    """A figure, or a blank cell where it is not defined."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        ws.write_blank(row, col, None, f)
    else:
        ws.write_number(row, col, value, f)


def _heading(ws, fmt: Formats, title: str, values_note: str, results: PortfolioResults,
             pack_id: str, pack_vintage: str) -> None:
    """Rows 0-2: the title, that the sheet holds values, and what they rest on."""
    write_text(ws, 0, 0, f"{title}: {results.name}", fmt.title)
    write_text(ws, 1, 0, "Values, not formulas: " + values_note + " Changing an input elsewhere "
                         "in this workbook does not change them; export again to update them.",
               fmt.warn)
    write_text(ws, 2, 0, f"Assumptions {pack_id} ({pack_vintage}); appraisal year "
                         f"{results.appraisal_year}; money in £ at {results.price_base_year} "
                         f"prices; carbon values {results.carbon_series}; discounting "
                         f"{results.discount_schedule}.", fmt.note)


def _headers(ws, fmt: Formats, row: int, col: int, labels: list[str], height: int = 32) -> None:
    for c, label in enumerate(labels):
        write_text(ws, row, col + c, label, fmt.header)
    ws.set_row(row, height)


def _print_setup(ws, fmt: Formats, repeat_to: int) -> None:
    page_setup(ws, fmt.page, landscape=True, repeat_rows=(0, repeat_to))


def _reason_table(wb, ws, fmt: Formats, row: int, columns: list[tuple[str, str, str | None]],
                  rows: list[dict], reason_col: int, last_col: int, widths: list[int]) -> int:
    """A table of drivers with a long reason in merged cells, from ``row``:
    ``columns`` are (header, key, number format, or None for text, CENTRE for
    short centred text). Returns the last row."""
    _headers(ws, fmt, row, 0, [h for h, _, _ in columns])
    ws.merge_range(row, reason_col, row, last_col, "", fmt.header)
    write_text(ws, row, reason_col, "Reason", fmt.header)
    top = {}
    # characters of a proportional font per unit of column width, measured on LibreOffice's PDF
    chars_per_line = int(sum(widths[reason_col:last_col + 1]) * 1.25)
    for d in rows:
        row += 1
        for c, (_, key, num) in enumerate(columns):
            v = d[key]
            if num is None:
                write_text(ws, row, c, v, fmt.wrap)
                continue
            if num not in top:
                top[num] = wb.add_format({"align": "center", "valign": "top"} if num == CENTRE
                                         else {"num_format": num, "valign": "top"})
            if isinstance(v, str):
                write_text(ws, row, c, v, top[num])
            else:
                ws.write_number(row, c, v, top[num])
        ws.merge_range(row, reason_col, row, last_col, "", fmt.wrap)
        write_text(ws, row, reason_col, d["reason"], fmt.wrap)
        # neither Excel nor LibreOffice fits a row's height to merged cells
        ws.set_row(row, 15 * max(1, -(-len(d["reason"]) // chars_per_line)))
    return row


def _short_gbp(step: float, extra: int = 1) -> tuple[float, str, int]:
    """How to show amounts about ``step`` apart in few characters: (divisor,
    suffix, decimals), e.g. (1e6, "m", 1) for steps of GBP 2m; ``extra``
    decimals beyond the step's own tell apart amounts that are not round."""
    divisor, suffix = (1e6, "m") if step >= 1e4 else (1e3, "k")
    decimals = min(3, max(0, math.ceil(-math.log10(step / divisor)) + extra)) if step > 0 else 0
    return divisor, suffix, decimals


def _short_gbp_format(step: float, extra: int = 1) -> str:
    """An Excel number format showing amounts about ``step`` apart in £m or £k."""
    divisor, suffix, decimals = _short_gbp(step, extra)
    return f'£#,##0{"." + "0" * decimals if decimals else ""}{"," * (2 if divisor == 1e6 else 1)}"{suffix}"'


def _short_gbp_text(x: float, step: float) -> str:
    divisor, suffix, decimals = _short_gbp(step)
    text = f"{abs(x) / divisor:,.{decimals}f}"
    sign = "-" if x < 0 and any(ch not in "0.," for ch in text) else ""
    return f"{sign}£{text}{suffix}"


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


# ---------------------------------------------------------------------------
# Sensitivity
# ---------------------------------------------------------------------------

# (header, width) of the tornado tables; every block on the sheet shares them
TORNADO_COLUMNS = [
    ("Driver", 18), ("Label", 30), ("Low", 9), ("High", 9),
    ("NPSV at low (£)", 15), ("NPSV at high (£)", 15), ("NPSV swing (£)", 15),
    ("BCR at low", 8), ("BCR at high", 8),
    ("Net jobs at low (FTE)", 10), ("Net jobs at high (FTE)", 10),
    ("Carbon saved at low (tCO2e)", 12), ("Carbon saved at high (tCO2e)", 12),
    ("Switching value (NPSV = 0)", 13), ("Change to switch", 11), ("Reachable", 20),
]
OUTPUT_COLUMNS = [("npsv_gbp", 4, MONEY), ("bcr", 7, RATIO), ("net_additional_jobs_fte", 9, NUM2),
                  ("carbon_saved_tco2e", 11, NUM0)]
SWITCH_FORMAT = {"rate": PCT, "years": '0" years"'}     # otherwise a factor
CHANGE = '+0.0%;-0.0%;0.0%'
SENS_HEADER_ROW = 4


def _factor(ws, fmt: Formats, row: int, col: int, value: float | str | None) -> None:
    """A driver's low or high: a factor on the central value, or a text such as
    "low series" (carbon values) or "by project"."""
    if isinstance(value, str):
        write_text(ws, row, col, value)
    else:
        _number(ws, row, col, value, fmt.num(FACTOR_X))


def _portfolio_ranges(sens: Tornado) -> dict[str, dict[str, float | str | None]]:
    """Per driver, the low and high the portfolio's tornado used: the one every
    project used, or "by project" where projects set their own ranges."""
    out: dict[str, dict[str, float | str | None]] = {}
    for d in sens.drivers:
        out[d.driver] = {}
        for side in ("low", "high"):
            given = getattr(d, side)
            if d.kind == "series":
                out[d.driver][side] = f"{given} series"
                continue
            used = {getattr(t, side) for p in sens.projects for t in p.tornado
                    if t.driver == d.driver}
            out[d.driver][side] = (given if not used or used == {given} else
                                      next(iter(used)) if len(used) == 1 else "by project")
    return out


def _tornado_rows(ws, fmt: Formats, first: int, rows: tuple[TornadoRow, ...],
                  ranges: dict[str, dict] | None, switching: dict[str, SwitchingValue] | None,
                  reach: tuple = (None, None)) -> int:
    """The tornado rows from ``first``, each with its own low and high or, where
    the rows have none (the portfolio's), those of ``ranges``; with
    ``switching`` (by driver) its columns too. Returns the row after the last."""
    r = first
    for t in rows:
        write_text(ws, r, 0, t.driver)
        write_text(ws, r, 1, t.label)
        for col, side in ((2, "low"), (3, "high")):
            setting = getattr(t, side)
            _factor(ws, fmt, r, col, setting if setting is not None else (ranges or {}).get(
                t.driver, {}).get(side))
        for key, col, num in OUTPUT_COLUMNS:
            _number(ws, r, col, t.at(key, "low"), fmt.num(num))
            _number(ws, r, col + 1, t.at(key, "high"), fmt.num(num))
        _number(ws, r, 6, t.npsv_swing_gbp, fmt.num(MONEY, bold=True))
        if switching is not None:
            s = switching[t.driver]
            if s.reachable:
                _number(ws, r, 13, s.switching_value,
                        fmt.num(SWITCH_FORMAT.get(s.unit or "", FACTOR_X)))
                _number(ws, r, 14, s.switching_change, fmt.num(CHANGE))
                write_text(ws, r, 15, "Reachable", reach[0])
            elif s.note:      # a driver that does not move NPSV
                write_text(ws, r, 15, s.note[:1].upper() + s.note[1:], reach[1])
            else:
                write_text(ws, r, 15, "Not within reach", reach[1])
        r += 1
    return r


def _central(ws, fmt: Formats, row: int, central: dict[str, Any]) -> None:
    """The central case: every driver at its central value."""
    write_text(ws, row, 1, "Central case", fmt.bold)
    for key, col, num in OUTPUT_COLUMNS:
        _number(ws, row, col, central.get(key), fmt.num(num, bold=True))


def _nice_bounds(values: list[float]) -> tuple[float, float] | None:
    """Round axis bounds around ``values`` (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    lo, hi = min(values), max(values)
    if not hi > lo:
        return None
    raw = (hi - lo) / 6
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(k * power for k in (1.0, 2.0, 2.5, 5.0, 10.0) if k * power >= raw)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def write_sensitivity(wb, fmt: Formats, sens: Tornado, results: PortfolioResults) -> None:
    """The ``Sensitivity`` sheet: the portfolio's tornado with its chart, a block per
    project (tornado rows and switching values) and the drivers with their reasons."""
    ws = wb.add_worksheet(SENSITIVITY)
    pack_id, vintage = sens.pack_id, sens.pack_vintage
    _heading(ws, fmt, "Sensitivity analysis", "each driver is moved to its low and its high "
             "with every other input central, and the figures re-appraised by the application.",
             results, pack_id, vintage)
    write_text(ws, 3, 0, "Rows are sorted by NPSV swing, largest first. The switching value is the "
                         "driver's value at which the project's NPSV is zero, and the change is "
                         "from the central value; 'not within reach' means no value does it. Why "
                         "each range: see the drivers at the foot of the sheet.", fmt.note)
    h = SENS_HEADER_ROW
    _headers(ws, fmt, h, 0, [label for label, _ in TORNADO_COLUMNS], height=45)
    r, reach = _sensitivity_portfolio(wb, ws, fmt, sens, results, h + 1)
    r = _sensitivity_projects(ws, fmt, sens, results, r, reach)
    _sensitivity_drivers(wb, ws, fmt, sens, r)
    for c, (_, width) in enumerate(TORNADO_COLUMNS):
        ws.set_column(c, c, width)
    ws.freeze_panes(h + 1, 2)
    _print_setup(ws, fmt, h)


def _sensitivity_portfolio(wb, ws, fmt: Formats, sens: Tornado, results: PortfolioResults,
                           r: int) -> tuple[int, tuple[Any, Any]]:
    """The portfolio's block from row ``r``: central figures, tornado rows and the tornado
    chart below them. Returns the row after the chart and the (reachable, not within reach)
    formats of the switching values, which the project blocks share."""
    write_text(ws, r, 0, "Portfolio", fmt.subtitle)
    write_text(ws, r, 1, "All projects", fmt.subtitle)
    totals = results.totals()
    _central(ws, fmt, r + 1, {"npsv_gbp": sens.portfolio_central["npsv_gbp"], "bcr": totals.get("bcr"),
                              **{k: totals.get(k) for k in ("net_additional_jobs_fte",
                                                            "carbon_saved_tco2e")}})
    first = r + 2
    reach = (wb.add_format({"indent": 1}),
             wb.add_format({"indent": 1, "italic": True, "font_color": NOTE_FONT}))
    r = _tornado_rows(ws, fmt, first, sens.portfolio_tornado, _portfolio_ranges(sens), None)
    last = r - 1
    write_text(ws, r, 1, "Switching values are per project, below.", fmt.note)
    chart_row = r + 2
    chart_rows = 20
    if last >= first:
        _tornado_chart(wb, ws, sens, first, last, chart_row, chart_rows)
    return chart_row + chart_rows + 1, reach


def _tornado_chart(wb, ws, sens: Tornado, first: int, last: int, chart_row: int,
                   chart_rows: int) -> None:
    """The portfolio's tornado: bars from the central NPSV to each driver's low and high,
    read from rows ``first`` to ``last``, placed at ``chart_row``."""
    chart = wb.add_chart({"type": "bar"})
    cats = [SENSITIVITY, first, 1, last, 1]
    chart.add_series({"name": "NPSV with the driver at its low",
                      "categories": cats, "values": [SENSITIVITY, first, 4, last, 4],
                      "fill": {"color": LOW_COLOUR}, "overlap": 100, "gap": 40})
    chart.add_series({"name": "NPSV with the driver at its high",
                      "categories": cats, "values": [SENSITIVITY, first, 5, last, 5],
                      "fill": {"color": HIGH_COLOUR}})
    central = sens.portfolio_central["npsv_gbp"]
    assert central is not None   # an NPSV is a sum: always defined
    chart.set_title({"name": f"Portfolio NPSV: each driver at its low and high (bars from "
                             f"the central £{central / 1e6:,.1f}m)",
                     "name_font": {"size": 11}})
    # the bars start at the central NPSV: a tornado
    axis = {"num_format": MONEY_M, "crossing": central, "major_gridlines": GRID}
    bounds = _nice_bounds([central] + [t.at("npsv_gbp", side)  # type: ignore[misc]  # NPSV: always defined
                           for t in sens.portfolio_tornado for side in ("low", "high")])
    if bounds:
        axis.update(min=bounds[0], max=bounds[1])
    chart.set_x_axis(axis)
    chart.set_y_axis({"reverse": True, "label_position": "low"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": 20 * chart_rows})
    ws.insert_chart(chart_row, 1, chart, {"object_position": 1})


def _sensitivity_projects(ws, fmt: Formats, sens: Tornado, results: PortfolioResults, r: int,
                          reach: tuple[Any, Any]) -> int:
    """A block per project from row ``r``, in the order of ``results.ids``: central figures,
    tornado rows with switching values, and the lower discount rate test. Returns the row
    after the last block."""
    for i, p in enumerate(sens.projects):
        write_text(ws, r, 0, p.id, fmt.subtitle)
        write_text(ws, r, 1, p.name, fmt.subtitle)
        _central(ws, fmt, r + 1, {"npsv_gbp": p.npsv_gbp, "bcr": p.bcr,
                                  **{k: float(results.metrics[k][i])
                                     for k in ("net_additional_jobs_fte", "carbon_saved_tco2e")}})
        switching = {s.driver: s for s in p.switching_values}
        r = _tornado_rows(ws, fmt, r + 2, p.tornado, None, switching, reach)
        reduced = p.scenarios.get("reduced_discount_schedule")
        if reduced:
            write_text(ws, r, 1, "Lower discount rate test")
            _number(ws, r, 4, reduced.npsv_gbp, fmt.num(MONEY))
            _number(ws, r, 7, reduced.bcr, fmt.num(RATIO))
            write_text(ws, r, 9, f"NPSV and BCR with the reduced schedule: {reduced.why}",
                       fmt.note)
            r += 1
        r += 1
    return r


def _sensitivity_drivers(wb, ws, fmt: Formats, sens: Tornado, r: int) -> None:
    """The drivers from row ``r``: low, high, who set the range, and why (on a new printed
    page)."""
    write_text(ws, r, 0, "The drivers: their low and high, and why", fmt.subtitle)
    r += 1
    widths = [w for _, w in TORNADO_COLUMNS]
    rows = [{**d.to_dict(), **{side: f"{getattr(d, side)} series" for side in ("low", "high")
                               if d.kind == "series"},
             "set_by": {"portfolio": "Portfolio file"}.get(d.set_by, "Default")}
            for d in sens.drivers]
    ws.set_h_pagebreaks([r - 1])      # printed, the table starts a page rather than splitting
    _reason_table(wb, ws, fmt, r, [("Driver", "driver", None), ("Label", "label", None),
                                   ("Low", "low", FACTOR_X), ("High", "high", FACTOR_X),
                                   ("Range set by", "set_by", CENTRE)],
                  rows, 5, len(widths) - 1, widths)
    write_text(ws, r + len(rows) + 1, 0, "A project whose file sets its own range for a driver "
                                         "shows it in the Low and High of its block.", fmt.note)


# ---------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------

# (output, group header, number format)
MC_GROUPS = [("npsv_gbp", "NPSV (£)", MONEY), ("bcr", "BCR", RATIO),
             ("carbon_saved_tco2e", "Carbon saved (tCO2e)", NUM0),
             ("net_additional_jobs_fte", "Net additional jobs (FTE)", NUM2)]
MC_STATS = [("mean", "Mean"), ("p10", "P10"), ("p50", "P50"), ("p90", "P90")]
MC_PROB_COL = 2 + 1 + len(MC_GROUPS) * len(MC_STATS)     # after ID, name, central NPSV, groups
MC_WIDTHS = [17, 40] + [14] * 5 + [8] * 4 + [11] * 4 + [9] * 4 + [12]
SEED_ROW = 3
MC_TABLE_ROW = 6


def _mc_row(ws, fmt: Formats, r: int, summary: Outcome, central: float | None, total: bool) -> None:
    _number(ws, r, 2, central, fmt.num(MONEY, total=total))
    c = 3
    for output, _, num in MC_GROUPS:
        for stat, _ in MC_STATS:
            _number(ws, r, c, summary.statistic(output, stat), fmt.num(num, total=total))
            c += 1
    _number(ws, r, c, summary.prob_npsv_negative, fmt.num(PCT, total=total))


def write_monte_carlo(wb, fmt: Formats, mc: SimulationSummary, results: PortfolioResults) -> None:
    """The ``Monte Carlo`` sheet: seed and draws, percentiles per project and for
    the portfolio, the portfolio's NPSV histogram with its chart, and the
    distributions drawn from."""
    ws = wb.add_worksheet(MONTE_CARLO)
    pack_id, vintage = mc.pack_id, mc.pack_vintage
    _heading(ws, fmt, "Monte Carlo simulation", f"{mc.draws:,} futures drawn with seed {mc.seed} by "
             "the application; the same seed and number of draws give the same figures.",
             results, pack_id, vintage)
    _mc_seed(wb, ws, fmt, mc)
    r = _mc_percentiles(ws, fmt, mc, results)
    r = _mc_histogram(wb, ws, fmt, mc, r + 2)
    _mc_distributions(wb, ws, fmt, mc, r)
    for c, width in enumerate(MC_WIDTHS):
        ws.set_column(c, c, width)
    ws.freeze_panes(SEED_ROW + 1, 0)
    _print_setup(ws, fmt, SEED_ROW)


def _mc_seed(wb, ws, fmt: Formats, mc: SimulationSummary) -> None:
    """The seed and the number of draws, large and named (``MC_Seed``, ``MC_Draws``), so the
    run can be repeated."""
    key = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E79",
                         "bg_color": "#DDEBF7", "border": 2, "border_color": "#1F4E79",
                         "align": "center", "num_format": "0"})
    key_draws = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E79",
                               "bg_color": "#DDEBF7", "border": 2, "border_color": "#1F4E79",
                               "align": "center", "num_format": "#,##0"})
    write_text(ws, SEED_ROW, 0, "Random seed", fmt.subtitle)
    ws.write_number(SEED_ROW, 1, mc.seed, key)
    write_text(ws, SEED_ROW, 2, "Draws", fmt.subtitle)
    ws.write_number(SEED_ROW, 3, mc.draws, key_draws)
    ws.set_row(SEED_ROW, 24)
    write_text(ws, SEED_ROW, 5, mc.note, fmt.note)
    wb.define_name("MC_Seed", f"='{MONTE_CARLO}'!$B${SEED_ROW + 1}")
    wb.define_name("MC_Draws", f"='{MONTE_CARLO}'!$D${SEED_ROW + 1}")


def _mc_percentiles(ws, fmt: Formats, mc: SimulationSummary, results: PortfolioResults) -> int:
    """The table of mean and percentiles per output, a row per project and the portfolio's
    total row; returns the row of the total."""
    h = MC_TABLE_ROW
    write_text(ws, h - 1, 0, "NPSV, BCR, carbon saved and net additional jobs across the draws: "
                             "mean and percentiles (P10: one draw in ten is lower)", fmt.subtitle)
    for c, label in ((0, "Project ID"), (1, "Name"), (2, "Central NPSV (£)"),
                     (MC_PROB_COL, "Probability NPSV is negative")):
        ws.merge_range(h, c, h + 1, c, "", fmt.header)
        write_text(ws, h, c, label, fmt.header)
    c = 3
    for _, group, _ in MC_GROUPS:
        ws.merge_range(h, c, h, c + len(MC_STATS) - 1, "", fmt.header)
        write_text(ws, h, c, group, fmt.header)
        for k, (_, stat) in enumerate(MC_STATS):
            write_text(ws, h + 1, c + k, stat, fmt.header)
        c += len(MC_STATS)
    ws.set_row(h, 30)
    r = h + 2
    central = results.metrics["npsv_gbp"]
    for i, p in enumerate(mc.projects):
        write_text(ws, r, 0, p.id or "")
        write_text(ws, r, 1, results.names[i])
        _mc_row(ws, fmt, r, p, float(central[i]), total=False)
        r += 1
    f = fmt.num("General", total=True)
    ws.write_string(r, 0, "Portfolio", f)
    ws.write_string(r, 1, "All projects", f)
    _mc_row(ws, fmt, r, mc.portfolio, results.totals().get("npsv_gbp"), total=True)
    return r


def _mc_histogram(wb, ws, fmt: Formats, mc: SimulationSummary, r: int) -> int:
    """The histogram of the portfolio's NPSV from row ``r``, with its column chart beside it;
    returns the row after the table or the chart, whichever is lower."""
    draws, seed = mc.draws, mc.seed
    counts, edges = mc.portfolio.histogram_counts, mc.portfolio.histogram_edges_gbp
    write_text(ws, r, 0, f"Portfolio NPSV: histogram of the {draws:,} draws", fmt.subtitle)
    r += 1
    _headers(ws, fmt, r, 0, ["Bin", "NPSV range", "From (£)", "To (£)", "Midpoint (£)", "Draws",
                             "Share of draws"])
    first = r + 1
    centred = wb.add_format({"align": "center"})
    for k, n in enumerate(counts):
        r += 1
        lo, hi = edges[k], edges[k + 1]
        ws.write_number(r, 0, k + 1, centred)
        write_text(ws, r, 1, f"{_short_gbp_text(lo, hi - lo)} to {_short_gbp_text(hi, hi - lo)}")
        ws.write_number(r, 2, lo, fmt.num(MONEY))
        ws.write_number(r, 3, hi, fmt.num(MONEY))
        ws.write_number(r, 4, (lo + hi) / 2, fmt.num(MONEY))
        ws.write_number(r, 5, n, fmt.num(NUM0))
        ws.write_number(r, 6, n / draws, fmt.num(PCT))
    last = r
    if counts:
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": "Draws", "categories": [MONTE_CARLO, first, 4, last, 4],
                          "values": [MONTE_CARLO, first, 5, last, 5],
                          "fill": {"color": HIGH_COLOUR}, "border": {"color": "white"}, "gap": 8})
        chart.set_title({"name": f"Portfolio NPSV across {draws:,} draws (seed {seed})",
                         "name_font": {"size": 11}})
        width = edges[1] - edges[0] if len(edges) > 1 else 0.0
        chart.set_x_axis({"name": "NPSV, midpoint of the bin", "num_format": _short_gbp_format(width),
                          "num_font": {"rotation": -45}, "interval_unit": 2})
        chart.set_y_axis({"name": "Draws", "major_gridlines": GRID})
        chart.set_legend({"none": True})
        chart.set_size({"width": 760, "height": 440})
        ws.insert_chart(first - 1, 8, chart, {"object_position": 1})
    return max(last, first + 22) + 2


def _mc_distributions(wb, ws, fmt: Formats, mc: SimulationSummary, r: int) -> None:
    """The distributions drawn from, from row ``r``: shape, low, mode and high as factors on
    the central value, and why."""
    write_text(ws, r, 0, "The distributions drawn from (a factor on each central value)",
               fmt.subtitle)
    r += 1
    rows = [{**d, "label": DRIVER_BY_NAME[d["driver"]].label if d["driver"] in DRIVER_BY_NAME
             else "", "shape": "PERT" if d["shape"] == "pert" else d["shape"],
             "common": _yes_no(d["common_to_all_projects"])} for d in mc.distributions]
    _reason_table(wb, ws, fmt, r, [("Driver", "driver", None), ("Label", "label", None),
                                   ("Shape", "shape", None), ("Low", "low", FACTOR_X),
                                   ("Mode", "mode", FACTOR_X), ("High", "high", FACTOR_X),
                                   ("Common to all projects", "common", CENTRE)],
                  rows, 7, len(MC_WIDTHS) - 1, MC_WIDTHS)


# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------

UNIT_FORMAT = {"GBP": MONEY, "tCO2e": NUM0, "FTE": NUM2}
UNIT_SYMBOL = {"GBP": "£"}
# one side of the chosen sets: (header, width); the greedy side repeats it
SET_COLUMNS = [("Project ID", 12), ("Name", 40), ("Public cost (£)", 15), ("{objective}", 15),
               ("BCR", 8), ("{other}", 10)]
GREEDY_COL = len(SET_COLUMNS) + 1      # a narrow spacer between the two sets
SETTINGS_ROW = 4


def _objective_header(objective: str) -> tuple[str, str, str, str]:
    """(metric, header with unit, the same in a sentence, number format) of an objective."""
    from ...core.selection import OBJECTIVES
    metric, label, unit = OBJECTIVES[objective]
    in_sentence = f"{label} ({UNIT_SYMBOL.get(unit, unit)})"
    return (metric, in_sentence[:1].upper() + in_sentence[1:], in_sentence,
            UNIT_FORMAT.get(unit, NUM2))


def _constraints_text(c) -> str:
    return c.describe()


def _set_table(ws, fmt: Formats, row: int, col: int, ids: tuple[str, ...], other: set[str],
               results: PortfolioResults, metric: str, num: str, cost: float | None,
               value: float | None, centred) -> int:
    """One chosen set from ``row``, highest BCR first as a board ranks them,
    with its total; returns the row of the total."""
    m = results.metrics
    index = {pid: i for i, pid in enumerate(results.ids)}

    def bcr(pid: str) -> float:
        b = float(m["bcr"][index[pid]])
        return b if math.isfinite(b) else -math.inf

    r = row
    for pid in sorted(ids, key=lambda pid: -bcr(pid)):
        i = index[pid]
        write_text(ws, r, col, pid)
        write_text(ws, r, col + 1, results.names[i])
        _number(ws, r, col + 2, float(m["public_cost_gbp"][i]), fmt.num(MONEY))
        _number(ws, r, col + 3, float(m[metric][i]), fmt.num(num))
        _number(ws, r, col + 4, float(m["bcr"][i]), fmt.num(RATIO))
        write_text(ws, r, col + 5, _yes_no(pid in other), centred)
        r += 1
    f = fmt.num("General", total=True)
    ws.write_string(r, col, "Total", f)
    ws.write_string(r, col + 1, f"{len(ids)} project{'s' if len(ids) != 1 else ''}", f)
    _number(ws, r, col + 2, cost, fmt.num(MONEY, total=True))
    _number(ws, r, col + 3, value, fmt.num(num, total=True))
    ws.write_blank(r, col + 4, None, f)
    ws.write_blank(r, col + 5, None, f)
    return r


def write_selection(wb, fmt: Formats, selection: Selection, curve: BudgetCurve,
                    results: PortfolioResults) -> None:
    """The ``Selection`` sheet: the budget, objective and constraints; the exact
    choice beside the greedy choice by BCR, and the difference; the budget curve
    with its chart."""
    ws = wb.add_worksheet(SELECTION)
    pack_id, vintage = selection.assumptions["id"], selection.assumptions["vintage"]
    metric, objective_header, objective_words, num = _objective_header(selection.objective)
    _heading(ws, fmt, "Choosing a pipeline within a budget", "the choice is an optimisation "
             "(mixed-integer programming) run by the application at export.", results, pack_id,
             vintage)
    r = _selection_settings(ws, fmt, selection, objective_header)
    r, objective_total_row = _selection_sets(wb, ws, fmt, selection, results, r + 1)
    r, first, last = _curve_table(ws, fmt, curve, num, objective_words, r + 1)
    if last >= first:
        _curve_chart(wb, ws, selection, curve, objective_header, objective_words, first, last,
                     objective_total_row)
    widths = [w for _, w in SET_COLUMNS]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
        ws.set_column(GREEDY_COL + c, GREEDY_COL + c, width)
    ws.set_column(GREEDY_COL - 1, GREEDY_COL - 1, 3)
    ws.freeze_panes(3, 0)
    _print_setup(ws, fmt, 2)


def _selection_settings(ws, fmt: Formats, selection: Selection, objective_header: str) -> int:
    """The budget (at row ``SETTINGS_ROW``, which the chart reads), objective, constraints
    and solver status; returns the row after them."""
    r = SETTINGS_ROW
    status = selection.status + (f": {selection.message}" if selection.message else "")
    for label, value, f in (("Budget (public money)", selection.budget_gbp, fmt.num(MONEY, bold=True)),
                            ("Objective (maximised)", objective_header, fmt.bold),
                            ("Constraints", _constraints_text(selection.constraints), None),
                            ("Solver status", status, None)):
        write_text(ws, r, 0, label, fmt.bold)
        if isinstance(value, str):
            write_text(ws, r, 2, value, f)
        else:
            ws.write_number(r, 2, value, f)
        r += 1
    return r


def _selection_sets(wb, ws, fmt: Formats, selection: Selection, results: PortfolioResults,
                    r: int) -> tuple[int, int]:
    """From row ``r``: the exact choice beside the greedy one, the difference between them,
    and which projects are in one only. Returns the row after them and the row of the exact
    choice's total (the chart marks it)."""
    metric, objective_header, _, num = _objective_header(selection.objective)
    write_text(ws, r, 0, "Best choice (exact, by mixed-integer programming)", fmt.subtitle)
    write_text(ws, r, GREEDY_COL, "Greedy choice (highest BCR first while the budget lasts)",
               fmt.subtitle)
    r += 1
    head = [h.format(objective=objective_header, other="In greedy choice")
            for h, _ in SET_COLUMNS]
    _headers(ws, fmt, r, 0, head)
    _headers(ws, fmt, r, GREEDY_COL, [h.format(objective=objective_header,
                                                other="In best choice") for h, _ in SET_COLUMNS])
    exact, greedy = set(selection.selected), set(selection.greedy_selected)
    centred = wb.add_format({"align": "center"})
    total_exact = _set_table(ws, fmt, r + 1, 0, selection.selected, greedy, results, metric, num,
                             selection.public_cost_gbp, selection.objective_value, centred)
    total_greedy = _set_table(ws, fmt, r + 1, GREEDY_COL, selection.greedy_selected, exact,
                              results, metric, num, selection.greedy_public_cost_gbp,
                              selection.greedy_objective_value, centred)
    r = max(total_exact, total_greedy) + 1
    write_text(ws, r, 0, "Difference", fmt.bold)
    write_text(ws, r, 1, "best choice less greedy choice", fmt.bold)
    cost_diff = (None if selection.public_cost_gbp is None or selection.greedy_public_cost_gbp
                 is None else selection.public_cost_gbp - selection.greedy_public_cost_gbp)
    _number(ws, r, 2, cost_diff, fmt.num(MONEY, bold=True))
    _number(ws, r, 3, selection.difference, fmt.num(num, bold=True))
    r += 1
    only_exact = [p for p in selection.selected if p not in greedy]
    only_greedy = [p for p in selection.greedy_selected if p not in exact]
    if selection.feasible:
        write_text(ws, r, 0, "Only in the best choice: " + (", ".join(only_exact) or "none")
                   + ". Only in the greedy choice: " + (", ".join(only_greedy) or "none") + ".",
                   fmt.note)
        r += 1
        if selection.greedy_meets_constraints is False:
            write_text(ws, r, 0, "The greedy choice ignores the minimum and maximum counts and "
                                 "does not meet them.", fmt.note)
            r += 1
    return r, total_exact


def _curve_table(ws, fmt: Formats, curve: BudgetCurve, num: str, objective_words: str,
                 r: int) -> tuple[int, int, int]:
    """The budget curve from row ``r``: the best objective, its cost, the marginal value of
    the next £1m and the count of projects at each budget. Returns the last row written and
    the first and last rows of the points (the chart reads them)."""
    write_text(ws, r, 0, f"What the budget buys: the best {objective_words} at each budget, "
                         f"and what the next £1m buys", fmt.subtitle)
    r += 1
    unit = UNIT_SYMBOL.get(curve.objective_unit, curve.objective_unit)
    _headers(ws, fmt, r, 0, ["Budget (£)", f"Best {objective_words}", "Public cost of the set (£)",
                             f"Marginal value per £1m ({unit})", "Projects chosen"])
    first = r + 1
    for p in curve.points:
        r += 1
        ws.write_number(r, 0, p.budget_gbp, fmt.num(MONEY))
        _number(ws, r, 1, p.objective_value, fmt.num(num))
        _number(ws, r, 2, p.public_cost_gbp, fmt.num(MONEY))
        _number(ws, r, 3, p.marginal_per_gbp_1m, fmt.num(num))
        ws.write_number(r, 4, len(p.selected), fmt.num(NUM0))
    last = r
    if curve.status != "optimal":
        r += 1
        write_text(ws, r, 0, f"Solver status along the curve: {curve.status}", fmt.note)
    return r, first, last


def _curve_chart(wb, ws, selection: Selection, curve: BudgetCurve, objective_header: str,
                 objective_words: str, first: int, last: int, objective_total_row: int) -> None:
    """The budget curve's chart beside its table (rows ``first`` to ``last``), with this
    budget's choice marked (the budget cell against the exact choice's total)."""
    budget_cell_row = SETTINGS_ROW
    chart = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    chart.add_series({"name": f"Best {objective_words}",
                      "categories": [SELECTION, first, 0, last, 0],
                      "values": [SELECTION, first, 1, last, 1],
                      "line": {"color": HIGH_COLOUR, "width": 1.5},
                      "marker": {"type": "circle", "size": 4,
                                 "fill": {"color": HIGH_COLOUR}, "border": {"color": HIGH_COLOUR}}})
    if selection.feasible:
        chart.add_series({"name": "This budget's choice",
                          "categories": [SELECTION, budget_cell_row, 2, budget_cell_row, 2],
                          "values": [SELECTION, objective_total_row, 3, objective_total_row, 3],
                          "line": {"none": True},
                          "marker": {"type": "diamond", "size": 10,
                                     "fill": {"color": LOW_COLOUR},
                                     "border": {"color": LOW_COLOUR}}})
    chart.set_title({"name": f"Best {objective_words} against the budget",
                     "name_font": {"size": 11}})
    y_format = MONEY_M if curve.objective_unit == "GBP" else "#,##0"
    x_max = max(curve.points[-1].budget_gbp, selection.budget_gbp)
    x_axis = {"name": "Budget (public money)", "num_format": _short_gbp_format(x_max / 5, extra=0),
              "min": 0, "major_gridlines": GRID}
    if x_max > 0:    # to the budget that funds everything, or the one chosen if more
        x_axis["max"] = x_max
    chart.set_x_axis(x_axis)
    chart.set_y_axis({"name": objective_header, "num_format": y_format, "major_gridlines": GRID})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 420})
    ws.insert_chart(first - 1, GREEDY_COL, chart, {"object_position": 1})


__all__ = ["ANALYSIS_SHEETS", "MONTE_CARLO", "SELECTION", "SENSITIVITY", "write_analysis",
           "write_monte_carlo", "write_selection", "write_sensitivity"]
