"""The year-by-year table of a project sheet: one row per term of METHOD.md
(version 2), the years across, each cell a formula on the inputs block and on
the Assumptions sheet's names, with the application's figure as its cached value.

A part of :class:`.project_sheet.ProjectSheet`: the methods use its
attributes (the worksheet, the project, its results and series).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from xlsxwriter.utility import xl_col_to_name

from .project_inputs import fuel_words
from .layout import FACTOR, MONEY, NUM0, NUM2, NUM5, PCT, YEAR, write_text

if TYPE_CHECKING:  # pragma: no cover
    from ...core.pack import AssumptionPack, Category
    from ...core.portfolio import BenefitStream, ProjectInputs
    from ...core.results import PortfolioResults
    from .assumptions import YearAxis
    from .input_register import InputRegister
    from .layout import Formats

BOLD_ITEMS = ("costs", "benefits", "cash")
# year-table input rows -> the project field (a year map) their cells hold; a benefit
# stream's profile row ``stream_j`` holds other_benefits[j].profile
YEAR_INPUT_FIELDS = {"capex_in": ("capex",), "cf_in": ("counterfactual_capex",),
                     "km_in": ("car_km_removed",), "pf_in": ("public_funding",)}


class _Refs(dict):
    """Cell references for formula templates: ``{capex}`` is the capex row in the
    current year's column, ``{p_capex}`` the previous year's; other keys are
    absolute input cells."""

    def __init__(self, rows: dict[str, int], fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.rows = rows
        self.col = self.prev = ""

    def __missing__(self, key: str) -> str:
        if key.startswith("p_"):
            return f"{self.prev}{self.rows[key[2:]] + 1}"
        return f"{self.col}{self.rows[key] + 1}"


class YearTable:
    """The rows, their formula templates and their cached values."""

    # set by ProjectSheet (which mixes this table in) and by InputsBlock before it runs
    ws: Any                    # the xlsxwriter worksheet
    fmt: Formats
    sheet: str
    p: ProjectInputs
    pack: AssumptionPack
    results: PortfolioResults
    register: InputRegister | None
    axis: YearAxis
    category: Category
    fuels: list[str]
    A: int                     # the appraisal year
    k: float                   # deflator, project price year -> price base
    start: int
    years: np.ndarray
    ny: int
    s0: int
    s: dict[str, np.ndarray]   # the project's series over the table's years
    streams: list[BenefitStream]
    has_pf_map: bool
    row: int
    rows: dict[str, int]
    at: dict[str, str]
    inp: dict[str, str]
    res: dict[str, str]
    qty: dict[str, float]
    comfort_used: float

    def rng(self, key: str) -> str:
        r = self.rows[key]
        return f"${xl_col_to_name(1)}${r + 1}:${xl_col_to_name(self.ny)}${r + 1}"

    def items(self) -> list[tuple[str, str, str]]:
        """The rows of the year table: (key, label, number format)."""
        pack = self.pack
        out = [("year", "Year", YEAR), ("t", "t (years from the appraisal year)", NUM0),
               ("yt", "Row of the Assumptions year tables", NUM0),
               ("operating", "In operation, economic case (1 = yes)", NUM0),
               ("operating_fin", "In operation, promoter's timeline (1 = yes)", NUM0),
               ("rate", "Discount rate r(t)", "0.00%"),
               ("df", "Discount factor DF(t) = DF(t-1) / (1 + r(t))", FACTOR),
               ("dfh", "Discount factor, health schedule", FACTOR),
               ("capex_in", "Capex (£ at the input price year)", MONEY), ("capex", "Capex", MONEY),
               ("renewals", "Renewals (economic timeline)", MONEY),
               ("cf_in", "Counterfactual capex (£ at the input price year)", MONEY),
               ("cf", "Counterfactual capex", MONEY),
               ("capex_inc", "Incremental capex: capex + renewals - counterfactual", MONEY),
               ("ob", "Optimism bias", MONEY), ("opex", "Opex", MONEY),
               ("network", "Network reinforcement", MONEY), ("costs", "Costs", MONEY)]
        out += [(f"q_{f}", f"Energy change after comfort taking: {fuel_words(f)} ({pack.fuel_units[f]})", NUM0)
                for f in self.fuels]
        out += [("carbon_traded", "Carbon saved, traded fuels (tCO2e, after deadweight)", NUM2),
                ("carbon_direct", "Carbon saved, direct (tCO2e, after deadweight)", NUM2),
                ("carbon_saved", "Carbon saved (tCO2e)", NUM2),
                ("cv", "Carbon value (£ per tCO2e)", NUM2),
                ("tcp", "Carbon price inside traded fuels' costs (£ per tCO2e)", NUM2),
                ("carbon_benefit", "Carbon benefit", MONEY),
                ("energy_saving", "Energy saving at resource cost", MONEY),
                ("comfort", "Comfort taken (at retail prices)", MONEY),
                ("air_quality", "Air-quality benefit", MONEY),
                ("km_in", "Car-km removed by year (input)", NUM0), ("km", "Car-km removed", NUM0),
                ("mec", "Marginal external cost (£ per car-km)", NUM5),
                ("road", "Road externalities avoided", MONEY),
                ("embodied_t", "Embodied carbon (tCO2e)", NUM2),
                ("embodied", "Embodied carbon cost", MONEY)]
        out += [(f"stream_{j}", f"Benefit {j + 1}: {st.label} (£, input prices)"[:120], MONEY)
                for j, st in enumerate(self.streams)]
        out += [("other", "Other economic benefits, standard discounting", MONEY),
                ("health", "Other economic benefits, health discounting", MONEY),
                ("residual", "Residual value", MONEY), ("benefits", "Benefits", MONEY),
                ("dcosts", "Discounted costs", MONEY), ("dbenefits", "Discounted benefits", MONEY),
                ("dnet", "Discounted net benefit", MONEY),
                ("cum_dnet", "Cumulative discounted net benefit (from year 0)", MONEY),
                ("tax", "Exchequer: indirect tax change (duty and VAT)", MONEY),
                ("renewals_fin", "Renewals (promoter's timeline)", MONEY),
                ("capex_fin", "Capex funded by the promoter, with optimism bias", MONEY),
                ("opex_fin", "Opex (promoter's timeline)", MONEY),
                ("revenue", "Revenue (financial case)", MONEY),
                ("bill", "Energy bill saving to the promoter", MONEY),
                ("cash_real", "Financial cash flow, real", MONEY),
                ("nominal", "Real to nominal factor", FACTOR),
                ("cash", "Financial cash flow (promoter)", MONEY),
                ("cum_cash", "Cumulative cash flow (from year 0)", MONEY)]
        if self.has_pf_map:
            out.append(("pf_in", "Public funding (£ at the input price year)", MONEY))
        out += [("pf", "Public funding", MONEY), ("ps", "Public share of capex", PCT),
                ("dpublic", "Discounted costs borne by the public sector", MONEY),
                ("window", "In the investment-gap window (1 = yes)", NUM0)]
        return out

    def fuel_sum(self, term: Callable[[str], str]) -> str:
        """``(term(fuel 1) + term(fuel 2) + ...)`` over every fuel of the pack."""
        return "(" + "+".join(term(f) for f in self.fuels) + ")"

    @staticmethod
    def lookup(code: str, fuel: str) -> str:
        """The year table ``code`` for ``fuel`` in this year and the project's sector."""
        return f"INDEX(YT_{code}_{fuel},{{yt}},{{sc}})"

    def renewal_terms(self, start: str) -> str:
        """METHOD.md 2 and 10.3: each renewal's cost in years ``start + k * every``
        (k >= 1) up to and including the last operating year."""
        off = f"({{year}}-{{{start}}})"
        terms = [f"IF(AND({off}>0,MOD({off},{{ren_every_{j}}})=0,{off}<={{lifetime}}-1),"
                 f"{{ren_cost_{j}}},0)" for j in range(len(self.p.renewals))]
        return "=" + ("+".join(terms) or "0")

    def templates(self) -> dict[str, str]:
        """Each year row's formula, METHOD.md sections 2 to 6 in order."""
        return {**self.cost_templates(), **self.benefit_templates(), **self.financial_templates()}

    def cost_templates(self) -> dict[str, str]:
        return {
            "t": "={year}-AppraisalYear",
            "yt": "=MATCH({year},YT_Year,0)",
            "operating": "=IF(AND({year}>={opstart_e},{year}<{opstart_e}+{lifetime}),1,0)",
            "operating_fin": "=IF(AND({year}>={opstart},{year}<{opstart}+{lifetime}),1,0)",
            "rate": "=IF({t}<=0,0,INDEX(DT_Rate,{t}+1))",
            # chained year to year; a column whose previous year is before year 0
            # starts from the Assumptions sheet's chain (so moving AppraisalYear works)
            "df": "=IF({t}<0,0,IF({p_t}>=0,{p_df}/(1+{rate}),INDEX(DT_DF,{t}+1)))",
            "dfh": "=IF({t}<0,0,INDEX(DT_DFH,{t}+1))",
            "capex": "=N({capex_in})*{k}",
            "renewals": self.renewal_terms("opstart_e"),
            "cf": "=N({cf_in})*{k}",
            "capex_inc": "={capex}+{renewals}-{cf}",
            "ob": "={capex_inc}*{ob_used}",
            "opex": "={operating}*{opex_used}",
            "network": "=IF(AND({year}={opstart_e},{lifetime}>0),{nr_used},0)",
            "costs": "={capex_inc}+{ob}+{opex}+{network}",
        }

    def benefit_templates(self) -> dict[str, str]:
        L = self.lookup
        streams = list(enumerate(self.streams))
        other = [f'IF({{disc_{j}}}="health",0,1)*N({{stream_{j}}})' for j, st in streams
                 if st.kind == "economic"]
        health = [f'IF({{disc_{j}}}="health",1,0)*N({{stream_{j}}})' for j, st in streams
                  if st.kind == "economic"]
        out = {f"q_{f}": f"={{operating}}*{{qeff_{f}}}" for f in self.fuels}
        out.update({
            "carbon_traded": "=-{keep}*" + self.fuel_sum(
                lambda f: f"{{q_{f}}}*{L('EF', f)}*INDEX(TR_{f},1,{{sc}})") + "/1000",
            "carbon_direct": "=-{keep}*" + self.fuel_sum(
                lambda f: f"{{q_{f}}}*{L('EF', f)}*(1-INDEX(TR_{f},1,{{sc}}))") + "/1000",
            "carbon_saved": "={carbon_traded}+{carbon_direct}",
            "cv": "=INDEX(YT_CV,{yt})",
            "tcp": "=INDEX(YT_TCP,{yt})",
            "carbon_benefit": "={carbon_direct}*{cv}+{carbon_traded}*({cv}-{tcp})",
            "energy_saving": "=-{keep}*" + self.fuel_sum(lambda f: f"{{q_{f}}}*{L('RES', f)}"),
            "comfort": "={keep}*{operating}*" + self.fuel_sum(
                lambda f: f"({{qeff_{f}}}-{{qin_{f}}})*{L('RET', f)}"),
            "air_quality": "=-{keep}*" + self.fuel_sum(lambda f: f"{{q_{f}}}*{L('AQ', f)}"),
            "km": "={operating}*{km_used}+N({km_in})",
            "mec": "=INDEX(YT_MEC,{yt})",
            "road": "={km}*{mec}*{keep}",
            "embodied_t": "=({capex}+{renewals})/1000000*{emb_used}",
            "embodied": "={embodied_t}*{cv}",
            "other": "={keep}*{k}*(" + ("+".join(other) or "0") + ")",
            "health": "={keep}*{k}*(" + ("+".join(health) or "0") + ")",
            "residual": "=IF({year}={opstart_e}+{lifetime},{residual_used},0)",
            "benefits": ("={carbon_benefit}+{energy_saving}+{comfort}+{air_quality}+{road}+{other}"
                         "+{health}-{embodied}+{residual}"),
            "dcosts": "={costs}*{df}",
            "dbenefits": "=({benefits}-{health})*{df}+{health}*{dfh}",
            "dnet": "={dbenefits}-{dcosts}",
            "cum_dnet": "=IF({t}<0,0,IF({t}=0,{dnet},{p_cum_dnet}+{dnet}))",
            # METHOD.md 3 (v2): duty and VAT the Exchequer gains (negative: loses); a transfer
            "tax": "=" + self.fuel_sum(lambda f: f"{{q_{f}}}*{L('TAX', f)}"),
        })
        for j, st in streams:
            if st.per_year is not None:
                op = "operating_fin" if st.kind == "revenue" else "operating"
                out[f"stream_{j}"] = f"={{{op}}}*{{stream_in_{j}}}"
        return out

    def financial_templates(self) -> dict[str, str]:
        L = self.lookup
        rev = [f"N({{stream_{j}}})" for j, st in enumerate(self.streams) if st.kind == "revenue"]
        sector = self.res["gap_sector"]
        gap = f"MATCH({sector},Gap_Sector,0)"
        # METHOD.md 4 (v2): the pack's retail price or the project's tariff, net of VAT
        # where the promoter recovers it
        tariff = (lambda f: f"{{qeff_{f}}}*IF(ISNUMBER({{tariff_{f}}}),{{tariff_{f}}}*{{k}},"
                            f"{L('RET', f)})/IF({{vat_rec}}=1,1+{L('VAT', f)},1)")
        return {
            "renewals_fin": self.renewal_terms("opstart"),
            "capex_fin": "=({capex}+{renewals_fin})*(1+{ob_used}*FinancialOBShare)",
            "opex_fin": "={operating_fin}*{opex_used}",
            "revenue": "={k}*(" + ("+".join(rev) or "0") + ")",
            "bill": "=-{bill_used}*{operating_fin}*" + self.fuel_sum(tariff),
            "cash_real": "=-{capex_fin}-{opex_fin}+{revenue}+{bill}",
            "nominal": "=INDEX(YT_Nominal,{yt})",
            "cash": "={cash_real}*{nominal}",
            "cum_cash": "=IF({t}<0,0,IF({t}=0,{cash},{p_cum_cash}+{cash}))",
            "pf": "=N({pf_in})*{k}" if self.has_pf_map else "=({capex}+{renewals_fin})*{share_used}",
            # METHOD.md 3 and 10.7: the public share of each year's gross capex
            "ps": ("=IF({capex}+{renewals}<>0,{pf}/({capex}+{renewals}),0)" if self.has_pf_map
                   else "={share_used}"),
            "dpublic": "={ps}*({capex_inc}+{ob})*{df}",
            "window": (f'=IF({sector}="",0,IF(AND({{year}}>=INDEX(Gap_First,{gap}),'
                       f'{{year}}<=INDEX(Gap_Last,{gap})),1,0))'),
        }

    def fixed_refs(self) -> dict[str, str]:
        at, inp = self.at, self.inp
        fixed = {"opstart": at["opstart"], "opstart_e": at["opstart_e"], "lifetime": at["lifetime"],
                 "k": at["k"], "ob_used": at["ob"], "opex_used": at["opex"], "bill_used": at["bill"],
                 "share_used": at["share"], "keep": at["keep"], "sc": at["sc"],
                 "nr_used": at["network"], "residual_used": at["residual"], "emb_used": at["embodied"],
                 "km_used": at["km"], "vat_rec": at["vat_rec"]}
        for f in self.fuels:
            fixed.update({f"qeff_{f}": at[f"q_{f}"], f"qin_{f}": inp[f"q_{f}"],
                          f"tariff_{f}": inp[f"tariff_{f}"]})
        for j in range(len(self.p.renewals)):
            fixed.update({f"ren_cost_{j}": at[f"ren_cost_{j}"], f"ren_every_{j}": inp[f"ren_every_{j}"]})
        for j, st in enumerate(self.streams):
            if st.per_year is not None:
                fixed[f"stream_in_{j}"] = inp[f"stream_{j}"]
            if st.kind == "economic":
                fixed[f"disc_{j}"] = inp[f"disc_{j}"]
        return fixed

    def renewals_on(self, start: int) -> np.ndarray:
        """Renewal costs by year from operating start ``start`` [GBP, base prices]."""
        out = np.zeros(self.ny)
        offset = self.years - start
        for _, cost, every in self.p.renewals:
            due = (offset > 0) & (offset % every == 0) & (offset <= self.p.lifetime_years - 1)
            out += due * cost * self.k
        return out

    def caches(self) -> dict[str, np.ndarray]:
        """The application's own figures for every year row (the cached values)."""
        s, ax, p = self.s, self.axis, self.p
        sl = slice(self.s0, self.s0 + self.ny)
        t = self.years - self.A
        after = t >= 0
        op_e, op_f = s["operating"], s["operating_financial"]
        capex_e = s["capex"] + s["renewals"]
        capex_inc = capex_e - s["counterfactual_capex"]
        ren_f = self.renewals_on(self.start)
        dnet = s["discounted_benefits"] - s["discounted_costs"]
        cash = s["financial_cash_flow"]
        opex_fin = op_f * p.opex_per_year * self.k
        cash_real = -s["capex_financial"] - opex_fin + s["revenue"] + s["bill_savings"]
        if self.has_pf_map:
            with np.errstate(divide="ignore", invalid="ignore"):
                ps = np.where(capex_e != 0, s["public_funding"] / np.where(capex_e != 0, capex_e, 1), 0)
        else:
            ps = np.full(self.ny, 1.0 if p.public_funding_share is None else p.public_funding_share)
        km_map = p.car_km_removed_by_year or {}
        sector = self.category.gap_sector
        lo, hi = self.results.gap_windows.get(sector, (0, -1)) if sector else (0, -1)
        out = {
            "t": t, "yt": np.arange(self.s0 + 1, self.s0 + self.ny + 1), "operating": op_e,
            "operating_fin": op_f, "rate": ax.rate[sl], "df": ax.df[sl], "dfh": ax.df_health[sl],
            "capex": s["capex"], "renewals": s["renewals"], "cf": s["counterfactual_capex"],
            "capex_inc": capex_inc, "ob": s["optimism_bias"], "opex": s["opex"],
            "network": s["network_reinforcement"], "costs": s["costs"],
            "carbon_traded": s["carbon_saved_traded"], "carbon_direct": s["carbon_saved_direct"],
            "carbon_saved": s["carbon_saved"], "cv": ax.cv[sl], "tcp": ax.tcp[sl],
            "carbon_benefit": s["carbon_benefit"], "energy_saving": s["energy_saving"],
            "comfort": s["comfort"], "air_quality": s["air_quality"],
            "km": op_e * (p.car_km_removed or 0.0) + np.array([km_map.get(int(y), 0.0) for y in self.years]),
            "mec": ax.mec[sl], "road": s["road_externalities"],
            "embodied_t": s["embodied_carbon_tco2e"], "embodied": s["embodied_carbon"],
            "other": s["other_benefits"] - s["health_benefits"], "health": s["health_benefits"],
            "residual": s["residual_value"], "benefits": s["benefits"],
            "dcosts": s["discounted_costs"], "dbenefits": s["discounted_benefits"], "dnet": dnet,
            "cum_dnet": np.where(after, np.cumsum(np.where(after, dnet, 0.0)), 0.0),
            "tax": s["indirect_tax"], "renewals_fin": ren_f, "capex_fin": s["capex_financial"],
            "opex_fin": opex_fin, "revenue": s["revenue"], "bill": s["bill_savings"],
            "cash_real": cash_real, "nominal": ax.nominal[sl], "cash": cash,
            "cum_cash": np.where(after, np.cumsum(np.where(after, cash, 0.0)), 0.0),
            "pf": s["public_funding"], "ps": ps,
            "dpublic": ps * (capex_inc + s["optimism_bias"]) * ax.df[sl],
            "window": ((self.years >= lo) & (self.years <= hi)).astype(float),
        }
        for f in self.fuels:
            q = self.qty[f]
            out[f"q_{f}"] = op_e * (q * (1.0 - self.comfort_used) if q < 0 else q)
        for j, st in enumerate(self.streams):
            if st.per_year is not None:
                out[f"stream_{j}"] = (op_f if st.kind == "revenue" else op_e) * st.per_year
        return out

    def year_table(self) -> None:
        ws, fmt = self.ws, self.fmt
        ty = self.row + 2
        write_text(ws, ty - 1, 0, "Year by year (money in £ at base prices unless marked)",
                   fmt.subtitle)
        items = self.items()
        self.rows = {key: ty + n for n, (key, *_) in enumerate(items)}
        for key, label, _ in items:
            write_text(ws, self.rows[key], 0, label, fmt.header if key == "year"
                       else fmt.bold if key in BOLD_ITEMS else fmt.label)
        p = self.p
        inputs_by_year = {"capex_in": p.capex, "cf_in": p.counterfactual_capex or {},
                          "km_in": p.car_km_removed_by_year or {}, "pf_in": p.public_funding or {}}
        for j, st in enumerate(self.streams):
            if st.per_year is None:
                inputs_by_year[f"stream_{j}"] = st.profile or {}
        templates, cache = self.templates(), self.caches()
        self.year_cache = cache
        first_column = {"df": "=IF({t}<0,0,INDEX(DT_DF,{t}+1))", "cum_dnet": "=IF({t}<0,0,{dnet})",
                        "cum_cash": "=IF({t}<0,0,{cash})"}
        refs = _Refs(self.rows, self.fixed_refs())
        formats = {key: fmt.num(num_fmt, bold=key in BOLD_ITEMS) for key, _, num_fmt in items}
        input_fmt = {key: fmt.num(num_fmt, input=True) for key, _, num_fmt in items}
        for n, y in enumerate(self.years):
            c = 1 + n
            refs.col, refs.prev = xl_col_to_name(c), xl_col_to_name(c - 1)
            ws.write_number(self.rows["year"], c, int(y), fmt.header)
            for key, _, _ in items[1:]:
                r = self.rows[key]
                if key in inputs_by_year:
                    v = inputs_by_year[key].get(int(y))
                    if self.register is not None:
                        self.register.add(("projects", p.id) + YEAR_INPUT_FIELDS.get(
                            key, ("other_benefits", key[len("stream_"):], "profile")) + (str(int(y)),),
                            self.sheet, r, c, v)
                    if v is None:
                        ws.write_blank(r, c, None, input_fmt[key])
                    else:
                        ws.write_number(r, c, v, input_fmt[key])
                    continue
                template = first_column.get(key, templates[key]) if n == 0 else templates[key]
                ws.write_formula(r, c, template.format_map(refs), formats[key], float(cache[key][n]))
