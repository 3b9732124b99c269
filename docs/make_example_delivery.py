"""Give the example portfolio its illustrative delivery record (docs/example-portfolio.md).

    python docs/make_example_delivery.py

Records the approved baselines of GRN-007, PV-009 and RET-010 from the
appraisal of the bundled example with the bundled pack (2 December 2026),
a proposed change request for RET-010, and monitoring returns for 2027 and
2028 as they might stand at the end of January 2029. Amounts are cash (the
2025-price figure grown with the pack's deflator), as a promoter reports them.
Any delivery fields already in the file are replaced; nothing else changes.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio  # noqa: E402
from appraisal.core.delivery import DELIVERY_FIELDS, add_actual, record_baseline  # noqa: E402
from appraisal.io.portfolio_file import load_portfolio, save_portfolio  # noqa: E402
from appraisal.resources import default_pack_dir, example_portfolio  # noqa: E402

BOARD = "the combined authority's investment board (illustrative)"
RET_010_REVISED = {"2027": 1600000, "2028": 2400000}


def main() -> None:
    pack = load_pack(default_pack_dir())
    path = example_portfolio()
    doc = load_portfolio(path)
    for p in doc.projects:
        for k in DELIVERY_FIELDS:
            p.pop(k, None)
    results = appraise_portfolio(parse_portfolio(doc.data, pack), pack)

    def cash(real: float, year: int) -> float:   # 2025 prices -> cash of the year
        return round(real * pack.rebase_factor(2025, year), 2)

    for pid, stage, words in (("GRN-007", "obc", "Outline"), ("PV-009", "fbc", "Full"),
                              ("RET-010", "obc", "Outline")):
        record_baseline(doc, pid, results, pack, stage,
                        f"{words} business case approved by {BOARD}", "2026-12-02")
    _change_request(doc, pack)

    def add(pid: str, **entry) -> None:
        add_actual(doc, pid, {"quarter": None, **entry}, pack)

    add("GRN-007", year=2027, date="2028-01-25",
        source="2027 monitoring return (Walsall Council): capital outturn from the ledger",
        capex_gbp=cash(1300000, 2027), public_funding_gbp=cash(1170000, 2027),
        works_start="2027-02-01", operating_start="2028-01-02")
    add("GRN-007", year=2028, date="2029-01-24",
        source="2028 monitoring return (Walsall Council): grounds maintenance contract",
        opex_gbp=cash(45000, 2028), jobs_fte=2)
    add("PV-009", year=2027, date="2028-01-28",
        source="2027 monitoring return (City of Wolverhampton Council)",
        capex_gbp=cash(2000000, 2027), public_funding_gbp=cash(600000, 2027),
        works_start="2027-03-01", operating_start="2027-12-15")
    for q, day in zip((1, 2, 3, 4), ("2028-04-20", "2028-07-20", "2028-10-20", "2029-01-20")):
        add("PV-009", year=2028, quarter=q, date=day,
            source="Quarterly return: generation meters on the 25 roofs (half the inverters "
                   "tripped on grid voltage until a DNO fix)",
            energy_change={"grid_electricity": -212500})
    add("PV-009", year=2028, date="2029-01-28", source="2028 monitoring return: O&M contract",
        opex_gbp=cash(18000, 2028), jobs_fte=0.5)
    add("RET-010", year=2027, date="2028-01-30",
        source="2027 monitoring return (Dudley Council): tender prices above the estimate; "
               "works began in the summer holiday",
        capex_gbp=cash(1600000, 2027), public_funding_gbp=cash(1500000, 2027),
        works_start="2027-07-20")
    add("RET-010", year=2028, date="2029-01-31",
        source="2028 monitoring return (Dudley Council): heat pumps commissioned in 6 of 8 "
               "schools, the last two in the February 2029 half-term",
        capex_gbp=cash(2400000, 2028), public_funding_gbp=cash(940000, 2028), jobs_fte=14)
    parse_portfolio(doc.data, pack)   # what is written must open
    save_portfolio(doc, path)
    print(f"wrote {path}")


def _change_request(doc, pack) -> None:
    """RET-010's proposed re-baseline: the revised capex appraised, not yet approved."""
    revised = doc.copy()
    project = next(p for p in revised.projects if p["id"] == "RET-010")
    project["capex"] = dict(RET_010_REVISED)
    results = appraise_portfolio(parse_portfolio(revised.data, pack), pack)
    baseline = record_baseline(revised, "RET-010", results, pack, "change_request",
                               "Change request: tender prices 30% above the estimate and a late "
                               "start on site; awaiting the board (illustrative)", "2029-01-31",
                               approved=False)
    target = next(p for p in doc.projects if p["id"] == "RET-010")
    target.setdefault("baselines", []).append(baseline.to_dict())


if __name__ == "__main__":
    main()
