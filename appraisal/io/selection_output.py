"""The selection (``appraisal select``) for the terminal: the exact and the greedy
choice, their cost and worth, the difference in words, and the budget curve."""
from __future__ import annotations


def selection_table(results, selection, curve) -> str:
    """The choice as a board reads it: the sets, their cost and worth, the difference in words."""
    from ..core.selection import OBJECTIVES
    from ..core.wording import provenance
    measure, label, unit = OBJECTIVES[selection.objective]
    column = _SELECTION_COLUMN[selection.objective]
    # the greedy choice ranks by the BCR value for money is judged on (METHOD.md 3, v2)
    key = selection.greedy_ranked_by
    by_words = "the funder BCR" if key == "bcr_public" else "BCR"

    def listing(ids) -> list[str]:
        return _selection_listing(results, ids, key, measure, unit, column)

    lines = [f"Choosing a pipeline: {results.name}",
             f"Budget £{selection.budget_gbp:,.0f} of public money; objective: {label} [{unit}]",
             (f"{provenance(results.pack_id, results.pack_vintage)}; "
              f"constraints: {selection.constraints.describe()}"), ""]
    lines.append(f"Best choice (exact, by mixed-integer programming): {len(selection.selected)} "
                 f"project(s), public cost £{selection.public_cost_gbp:,.0f}, {label} "
                 f"{_selection_amount(selection.objective_value, unit)}")
    lines += listing(selection.selected)
    if selection.message:
        lines.append(f"  Note: {selection.message}")
    lines += ["", (f"Greedy choice (in order of {by_words} while the budget lasts): "
                   f"{len(selection.greedy_selected)} project(s), public cost "
                   f"£{selection.greedy_public_cost_gbp:,.0f}, {label} "
                   f"{_selection_amount(selection.greedy_objective_value, unit)}")]
    lines += listing(selection.greedy_selected)
    lines.append("")
    lines += _selection_verdict(selection, label, unit, by_words)
    if curve is not None:
        lines += _budget_curve_lines(curve, label, unit, column)
    return "\n".join(lines) + "\n"


# the objective's column header in the table of a chosen set
_SELECTION_COLUMN = {"npsv": "NPSV", "carbon": "Carbon saved", "jobs": "Net jobs",
                     "gap": "Gap contribution"}


def _selection_amount(x: float | None, unit: str) -> str:
    """An objective's value in its unit (pounds, tonnes, or one decimal), "-" when undefined."""
    from .escaping import no_negative_zero
    if x is None:
        return "-"
    return no_negative_zero({"GBP": f"£{x:,.0f}", "tCO2e": f"{x:,.0f} tCO2e"}.get(
        unit, f"{x:,.1f} {unit}"))


def _selection_listing(results, ids, key: str, measure: str, unit: str, column: str) -> list[str]:
    """The table of one chosen set, highest ``key`` BCR first as a board ranks them (no BCR
    last), with each project's category, public cost, objective value and BCR."""
    import numpy as np

    from .escaping import terminal_text
    if not ids:
        return ["  (no project)"]
    m = results.metrics
    row_of = {pid: i for i, pid in enumerate(results.ids)}
    ratio = m[key]
    header = "Funder BCR" if key == "bcr_public" else "BCR"
    lines = [(f"  {'ID':<12} {'Name':<36} {'Category':<22} {'Public cost':>14} "
              f"{column:>20} {header:>10}")]
    by_bcr = sorted(ids, key=lambda pid: -np.nan_to_num(ratio[row_of[pid]], nan=-np.inf))
    for pid in by_bcr:   # highest BCR first, as a board ranks them
        i = row_of[pid]
        cost = f"£{m['public_cost_gbp'][i]:,.0f}"
        bcr = "-" if ratio[i] != ratio[i] else f"{ratio[i]:.2f}"
        lines.append(f"  {terminal_text(pid):<12} {terminal_text(results.names[i])[:36]:<36} "
                     f"{results.categories[i][:22]:<22} "
                     f"{cost:>14} {_selection_amount(m[measure][i], unit):>20} {bcr:>10}")
    return lines


def _selection_verdict(selection, label: str, unit: str, by_words: str) -> list[str]:
    """The difference between the exact and the greedy choice in a sentence: as good, how
    much more and for what money, or why the greedy one scores higher (it ignores counts)."""
    diff = selection.difference
    best, greedy = selection.objective_value, selection.greedy_objective_value
    share = f" ({diff / abs(greedy):.1%} more)" if greedy else ""
    if diff is not None and abs(diff) <= 1e-9 * max(abs(best), 1.0):
        return [f"Funding in order of {by_words} does as well here: both give "
                f"{_selection_amount(best, unit)} of {label}."]
    if diff is not None and diff > 0:
        extra = selection.public_cost_gbp - selection.greedy_public_cost_gbp
        money = (f", for £{extra:,.0f} more public money" if extra > 0.5 else
                 f", and costs £{-extra:,.0f} less" if extra < -0.5 else "")
        return [f"The best choice gives {_selection_amount(diff, unit)} more {label} than funding "
                f"projects in order of {by_words}{share}{money}."]
    if diff is not None:
        return [f"Funding in order of {by_words} gives {_selection_amount(-diff, unit)} more "
                f"{label}, but it ignores the minimum and maximum counts and does not meet them."]
    return []


def _budget_curve_lines(curve, label: str, unit: str, column: str) -> list[str]:
    """The budget curve as a table: at each budget the best objective, the money spent, the
    count of projects and what the next step buys (per GBP 1m)."""
    best = "Best " + (column if column == "NPSV" else column.lower())
    budgets = [p.budget_gbp for p in curve.points]
    steps_of_1m = all(abs(b - a - 1e6) < 0.5 for a, b in zip(budgets[:-2], budgets[1:-1]))
    # with GBP 1m steps the rise is what the next GBP 1m buys; else an average per 1m
    marginal = "Next £1m buys" if steps_of_1m else "Per £1m, next step"
    lines = ["", f"What the budget buys: the best {label} at each budget, and what the next £1m buys",
             (f"  {'Budget':>16} {best:>24} {'Spent':>16} {'Projects':>8} "
              f"{marginal:>18}")]
    for p in curve.points:
        lines.append(f"  {f'£{p.budget_gbp:,.0f}':>16} {_selection_amount(p.objective_value, unit):>24} "
                     f"{'-' if p.public_cost_gbp is None else f'£{p.public_cost_gbp:,.0f}':>16} "
                     f"{len(p.selected):>8} {_selection_amount(p.marginal_per_gbp_1m, unit):>18}")
    return lines
