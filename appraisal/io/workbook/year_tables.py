"""The year tables at the foot of the ``Assumptions`` sheet: the pack's step
tables on the workbook's years, rebased to the price base, one table per
measure with a column for each fuel and energy sector (METHOD.md 3 and 10.9).

Which rows serve a fuel in a sector is the core's choice (``_pick``), made at
export; the tables' formulas read those rows' cells, so an edited price, rate
or flag recalculates. The project sheets read them through the names
``YT_<measure>_<fuel>`` and ``TR_<fuel>``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...core.appraise import SECTORS
from ...core.pack import CARBON_SERIES, FuelRows, _pick
from .layout import FACTOR, NUM2, NUM5, PCT, YEAR, cell, col_range, write_text

if TYPE_CHECKING:   # the sheet's writer and its row blocks (no import cycle at run time)
    from .assumptions import Block, YearAxis, _Writer

NUM0_ = "0"
# the sector year tables' columns, in the core's order; "(none)" is a category
# without an energy sector (a version 1 pack)
SECTOR_NAMES = tuple(s or "(none)" for s in SECTORS)
# year tables by fuel and sector: code -> title (names YT_<code>_<fuel>)
SECTOR_TABLES = {
    "EF": "Emission factor, appraisal basis (kgCO2e per unit; the reporting rows where the "
          "sector has no appraisal rows)",
    "RES": "Energy price at resource cost (£ per unit, base prices): the economic case",
    "RET": "Retail energy price incl. VAT (£ per unit, base prices): bills and comfort taking",
    "VAT": "VAT rate inside the retail price",
    "DUTY": "Duty inside the retail price (£ per unit, base prices)",
    "TAX": "Indirect tax per unit = duty + retail price x VAT / (1 + VAT) (£): the Exchequer line",
    "AQ": "Air-quality damage cost (£ per unit of fuel, base prices; 0 where the pack has no row)",
}


def _key_of(mapping: dict[tuple, FuelRows], rows: FuelRows | None) -> tuple | None:
    return None if rows is None else next(k for k, v in mapping.items() if v is rows)


def ef_block(w: _Writer, fuel: str, sector: str) -> Block | None:
    """METHOD.md 10.9: the emission-factor rows the core uses for ``fuel`` in ``sector``."""
    keys = w.pack.factor_rows.get(fuel, {})
    rows, _ = _pick(keys, ("appraisal", "reporting"), sector, None)
    key = _key_of(keys, rows)
    return None if key is None else w.blocks["emission_factors.csv"][(fuel, *key)]


def price_block(w: _Writer, fuel: str, basis: str, sector: str, series: str) -> Block | None:
    rows, _ = w.pack.price_rows_for(fuel, basis, sector, series)
    key = _key_of(w.pack.price_rows.get(fuel, {}), rows)
    return None if key is None else w.blocks["energy_prices.csv"][(fuel, *key)]


def aq_block(w: _Writer, fuel: str, sector: str) -> Block | None:
    blocks = w.blocks["air_quality.csv"]
    return blocks.get((fuel, sector)) or blocks.get((fuel, ""))


def write_traded_flags(w: _Writer) -> None:
    """The traded flag of the emission-factor rows each sector uses (METHOD.md 10.9)."""
    ws, fmt = w.ws, w.fmt
    w.title("Traded fuels by sector", "derived: the 'traded' cell of the emission-factor rows "
                                      "each sector uses (1 = traded)")
    w.header(["fuel", *SECTOR_NAMES], provenance=False)
    for fuel in w.pack.fuels():
        write_text(ws, w.row, 0, fuel)
        for s, sector in enumerate(SECTORS, 1):
            b = ef_block(w, fuel, sector)
            if b is None or "traded" not in b.cols:
                ws.write_number(w.row, s, 0, fmt.num(NUM0_))
            else:
                ws.write_formula(w.row, s, f"={cell(b.first, b.cols['traded'])}", fmt.num(NUM0_),
                                 int(w.pack.factor_on(fuel, np.zeros(1), sector)[2]))
        w.name(f"TR_{fuel}", f"{cell(w.row, 1)}:{cell(w.row, len(SECTORS))}")
        w.row += 1


def write_year_tables(w: _Writer, axis: YearAxis) -> None:
    """METHOD.md 3: the step look-ups on the workbook's years, rebased to the price
    base: first the carbon values and other series by year, then one table per
    measure with a column for every fuel and sector (names ``YT_<measure>_<fuel>``)."""
    ws, fmt, pack = w.ws, w.fmt, w.pack
    years = axis.years
    w.title("Year tables", "derived: the row of the latest year at or before each year (the "
                           "first row before it; the last row holds after it), rebased to the "
                           "price base")
    labels = ["year", "carbon value (£/tCO2e)", "traded carbon price (£/tCO2e)",
              "marginal external cost (£/car-km)", "GDP deflator", "real to nominal factor"]
    for c, label in enumerate(labels):
        write_text(ws, w.row, c, label, fmt.header)
    ws.set_row(w.row, 45)
    w.row += 1
    first = w.row
    tcp = w.blocks["traded_carbon_price.csv"].get(())
    mec = list(w.blocks["marginal_external_costs.csv"].values())
    for k, y in enumerate(years):
        r = w.row
        y_ref = cell(r, 0)
        ws.write_number(r, 0, int(y), fmt.num(YEAR))
        ws.write_formula(r, 1, f"=INDEX(CV_Values,IF({y_ref}<MIN(CV_Year),1,MATCH({y_ref},CV_Year,1)),"
                               f"MATCH(CarbonSeries,CV_Header,0))*CV_Rebase", fmt.num(NUM2),
                         float(axis.cv[k]))
        ws.write_formula(r, 2, f"={tcp.step(y_ref)}" if tcp else "=0", fmt.num(NUM2), float(axis.tcp[k]))
        ws.write_formula(r, 3, "=" + ("+".join(b.step(y_ref) for b in mec) or "0"), fmt.num(NUM5),
                         float(axis.mec[k]))
        ws.write_formula(r, 4, f"=INDEX(Defl_Index,MATCH({y_ref},Defl_Year,0))", fmt.num(NUM5),
                         pack.deflator[int(y)] if pack.deflator.covers(int(y)) else "")
        ws.write_formula(r, 5, f'=IF(FinancialBasis="nominal",{cell(r, 4)}/INDEX(Defl_Index,'
                               f'MATCH(PriceBaseYear,Defl_Year,0)),1)', fmt.num(FACTOR),
                         float(axis.nominal[k]))
        w.row += 1
    last = w.row - 1
    for col, nm in ((0, "YT_Year"), (1, "YT_CV"), (2, "YT_TCP"), (3, "YT_MEC"), (5, "YT_Nominal")):
        w.name(nm, col_range(col, first, last))
    tops: dict[str, int] = {}
    for code, title in SECTOR_TABLES.items():
        tops[code] = _sector_table(w, code, title, years, tops)


def _sector_table(w: _Writer, code: str, title: str, years: np.ndarray, tops: dict[str, int]) -> int:
    """One measure by year (rows) for every fuel and sector (columns); returns its first row."""
    ws, fmt, pack = w.ws, w.fmt, w.pack
    fuels = pack.fuels()
    S = len(SECTORS)
    w.title(f"Year table {code}", title)
    write_text(ws, w.row, 0, "fuel", fmt.header)
    for j, fuel in enumerate(fuels):
        ws.merge_range(w.row, 1 + j * S, w.row, S + j * S, f"{fuel} ({pack.fuel_units[fuel]})",
                       fmt.header)
    w.row += 1
    write_text(ws, w.row, 0, "year \\ sector", fmt.header)
    for j in range(len(fuels)):
        for s, name in enumerate(SECTOR_NAMES):
            write_text(ws, w.row, 1 + j * S + s, name, fmt.header)
    w.row += 1
    first = w.row
    values = _sector_values(w, code, years)
    for k, y in enumerate(years):
        r = w.row
        ws.write_number(r, 0, int(y), fmt.num(YEAR))
        for j, fuel in enumerate(fuels):
            for s, sector in enumerate(SECTORS):
                c = 1 + j * S + s
                text = _sector_formula(w, code, fuel, sector, cell(r, 0), tops, r - first, c)
                ws.write_formula(r, c, text, fmt.num(PCT if code == "VAT" else NUM5),
                                 float(values[(fuel, sector)][k]))
        w.row += 1
    for j, fuel in enumerate(fuels):
        w.name(f"YT_{code}_{fuel}", f"{cell(first, 1 + j * S)}:{cell(w.row - 1, S + j * S)}")
    return first


def _sector_formula(w: _Writer, code: str, fuel: str, sector: str, y_ref: str,
                    tops: dict[str, int], k: int, c: int) -> str:
    if code == "EF":
        b = ef_block(w, fuel, sector)
        return f"={b.step(y_ref)}" if b else "=0"
    if code == "AQ":
        b = aq_block(w, fuel, sector)
        return f"={b.step(y_ref)}" if b else "=0"
    if code == "TAX":   # the same cell of the duty, retail and VAT tables
        duty, ret, vat = (cell(tops[x] + k, c) for x in ("DUTY", "RET", "VAT"))
        return f"={duty}+{ret}*{vat}/(1+{vat})"
    basis = "resource" if code == "RES" else "retail"
    steps = []
    for series in CARBON_SERIES:
        b = price_block(w, fuel, basis, sector, series)
        col = None if b is None else {"VAT": b.cols["vat_rate"],
                                      "DUTY": b.cols["duty_gbp_per_unit@base"]}.get(code, b.value_col)
        steps.append("0" if b is None else b.step(y_ref, col))
    if len(set(steps)) == 1:
        return f"={steps[0]}"
    return f"=CHOOSE(MATCH(EnergySeries,Series_List,0),{','.join(steps)})"


def _sector_values(w: _Writer, code: str, years: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """The application's own values of a sector table (the cached values)."""
    pack, opts = w.pack, w.opts
    B, series = opts.price_base_year, opts.energy_series
    out = {}
    for fuel in pack.fuels():
        for sector in SECTORS:
            if code == "EF":
                v = pack.factor_on(fuel, years, sector)[0]
            elif code == "AQ":
                v = pack.air_quality_on(fuel, years, B, sector)
            else:
                res = pack.price_on(fuel, years, B, basis="resource", sector=sector, series=series)
                ret = pack.price_on(fuel, years, B, basis="retail", sector=sector, series=series)
                v = {"RES": res[0], "RET": ret[0], "VAT": ret[2], "DUTY": ret[3],
                     "TAX": ret[3] + ret[0] * ret[2] / (1.0 + ret[2])}[code]
            out[(fuel, sector)] = v
    return out
