"""The inputs block of a project sheet: every input (yellow) beside the value
used (a formula where a default, a rebasing or a pack look-up applies).

A part of :class:`.project_sheet.ProjectSheet`: the methods use its
attributes (the worksheet, the project, the addresses found so far).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ...core.appraise import SECTORS, blended_upper_bound
from ...core.portfolio import ADDITIONALITY_FIELDS, READINESS_FLAGS
from ...core.results import fuel_name
from ...core.words import OB_TYPE_NAMES, SECTOR_NAMES, SPATIAL_LEVEL_NAMES, STAGE_NAMES
from .layout import (FACTOR, MONEY, NUM0, NUM1, NUM2, PCT, RATIO, YEAR, cached, cell, label_formula,
                     write_text, yes_no)

if TYPE_CHECKING:  # pragma: no cover
    from ...core.pack import AssumptionPack, Category
    from ...core.portfolio import BenefitStream, ProjectInputs
    from ...core.results import PortfolioResults
    from .input_register import InputRegister
    from .layout import Formats


def fuel_words(code: str) -> str:
    """A fuel as a row label reads it: 'Grid electricity', 'LPG'."""
    name = fuel_name(code)
    return name[:1].upper() + name[1:]


# input key of the block -> (the project field it holds, how its cell is read back);
# keys with a suffix (``q_natural_gas``, ``ren_cost_0``) are resolved by input_path
FIELD_OF_KEY = {
    "id": ("id", "text"), "name": ("name", "text"), "category": ("category", "text"),
    "area": ("area", "text"), "level": ("spatial_level", "text"),
    "price_year": ("price_year", "integer"), "opstart": ("operating_start", "integer"),
    "lifetime": ("lifetime_years", "integer"), "stage": ("business_case_stage", "choice"),
    "ob_given": ("optimism_bias", "number"), "ob_type": ("ob_project_type", "choice"),
    "ob_mit": ("ob_mitigation", "number"), "opex": ("opex_per_year", "number"),
    "peak_kw": ("added_peak_kw", "number"), "residual_in": ("residual_value", "number"),
    "asset_life": ("asset_life_years", "integer"), "share": ("public_funding_share", "number"),
    "promoter_public": ("promoter_public", "yesno"), "sector": ("energy_sector", "choice"),
    "deadweight": ("benefit_deadweight", "number"), "comfort": ("comfort_taking", "number"),
    "km": ("car_km_removed", "number"), "bill": ("bill_savings_to_promoter", "yesno"),
    "vat_rec": ("vat_recoverable", "yesno"), "vfm_adj": ("vfm_adjustment", "integer"),
    "vfm_reason": ("vfm_adjustment_reason", "text"), "jypm": ("job_years_per_million", "number"),
    "fte": ("operational_fte", "number"), "months": ("readiness.months_to_start", "number"),
}
PREFIXED_KEYS = [  # (key prefix, field path template, kind)
    ("ob_share_", "ob_project_type.{}", "number"), ("ren_cost_", "renewals.{}.cost", "number"),
    ("ren_every_", "renewals.{}.every_years", "integer"), ("q_", "energy_changes.{}", "number"),
    ("stream_", "other_benefits.{}.per_year", "number"),
    ("disc_", "other_benefits.{}.discounting", "text"), ("tariff_", "tariffs.{}", "number"),
    ("add_", "additionality.{}", "number"), ("ready_", "readiness.{}", "yesno"),
]


def input_path(key: str) -> tuple[tuple[str, ...], str] | None:
    """The project field (a path below the project) an input key holds, and its kind;
    None for a row that holds no input of its own (a derived value)."""
    if key in FIELD_OF_KEY:
        name, kind = FIELD_OF_KEY[key]
        return tuple(name.split(".")), kind
    for prefix, template, kind in PREFIXED_KEYS:
        if key.startswith(prefix) and key != "add_factor":
            return tuple(template.format(key[len(prefix):]).split(".")), kind
    return None


class InputsBlock:
    """METHOD.md's inputs of one project, section by section."""

    # set by ProjectSheet (which mixes this block in) before any method here runs
    ws: Any                    # the xlsxwriter worksheet
    fmt: Formats
    sheet: str
    p: ProjectInputs
    pack: AssumptionPack
    results: PortfolioResults
    register: InputRegister | None
    category: Category
    fuels: list[str]
    m: dict[str, Any]          # the project's metrics
    k: float                   # deflator, project price year -> price base
    start: int
    streams: list[BenefitStream]
    has_pf_map: bool
    row: int
    at: dict[str, str]
    inp: dict[str, str]
    deferred: list[Callable[[], None]]
    rng: Callable[[str], str]  # YearTable's

    def register_input(self, key: str, row: int, col: int, value) -> None:
        """Mark the input cell of ``key`` in the workbook's register (for reading back)."""
        found = input_path(key) if self.register is not None else None
        if found is None or self.register is None or (key == "share" and self.has_pf_map):   # "not used": no input
            return
        path, kind = found
        self.register.add(("projects", self.p.id) + path, self.sheet, row, col, value, kind)

    def put(self, key: str, label: str, value, num_fmt: str | None,
            used: str | Callable[[], str] | None = None, used_value=None, unit: str = "",
            note: str = "", used_fmt: str | None = None) -> None:
        """An input row: the input (column B, yellow), and where a default or a
        conversion applies, the value used (column C, a formula; ``{B}`` stands
        for the input cell; a callable is written once the year table is laid out)."""
        ws, fmt, row = self.ws, self.fmt, self.row
        write_text(ws, row, 0, label)
        if isinstance(value, str):
            ws.write_string(row, 1, value, fmt.input_text())
        elif value is None:
            ws.write_blank(row, 1, None, fmt.num(num_fmt or "General", input=True))
        else:
            ws.write_number(row, 1, float(value), fmt.num(num_fmt or "General", input=True))
        self.register_input(key, row, 1, value)
        self.inp[key] = self.at[key] = cell(row, 1)
        if used is not None:
            f = fmt.num(used_fmt or num_fmt or "General")
            b = self.inp[key]
            if callable(used):
                self.deferred.append(lambda: ws.write_formula(
                    row, 2, used().replace("{B}", b), f, cached(used_value)))
            else:
                ws.write_formula(row, 2, used.replace("{B}", b), f, cached(used_value))
            self.at[key] = cell(row, 2)
        write_text(ws, row, 3, unit, fmt.unit)
        if note:
            write_text(ws, row, 4, note, fmt.note)
        self.row += 1

    def derived(self, key: str, label: str, formula: str | Callable[[], str], value,
                num_fmt: str, unit: str = "", note: str = "") -> None:
        """A row with no input: only the value used (column C)."""
        self.put(key, label, None, num_fmt, formula, value, unit, note)
        self.ws.write_blank(self.row - 1, 1, None)

    def label_beside(self, key: str, col: int, formula: str, value: str, cell_format=None) -> None:
        """The words for the code in input ``key``'s row (a formula that follows an edited
        code), in an empty column of that row; the input cell keeps the code."""
        row = int(self.inp[key].split("$")[-1]) - 1
        self.ws.write_formula(row, col, formula, cell_format or self.fmt.label, value)

    def section(self, title: str) -> None:
        write_text(self.ws, self.row, 0, title, self.fmt.subtitle)
        self.row += 1

    def cat(self, name: str) -> str:
        """The category's value in the Assumptions sheet's column ``name``."""
        return f"INDEX({name},MATCH({self.inp['category']},Cat_Name,0))"

    def inputs(self) -> None:
        for c, label in enumerate(["Inputs", "Input", "Used", "Unit", "Note"]):
            write_text(self.ws, self.row, c, label, self.fmt.header)
        self.row += 1
        self.inputs_project()
        self.inputs_timeline()
        self.inputs_costs()
        self.inputs_energy()
        self.inputs_streams()
        self.inputs_financial()
        self.inputs_jobs()

    def inputs_project(self) -> None:
        p, results = self.p, self.results
        self.put("id", "Project ID", p.id, None)
        self.put("name", "Name", p.name, None)
        self.put("category", "Category", p.category, None, note="a category of the Assumptions sheet")
        code = self.inp["category"]
        self.label_beside("category", 2, f"=IFERROR(INDEX(Cat_Label,MATCH({code},Cat_Name,0)),{code})",
                          self.category.label)
        self.put("area", "Area", p.area, None)
        self.put("level", "Spatial level", p.spatial_level, None, note="sets the default additionality")
        self.label_beside("level", 2, label_formula(self.inp["level"], SPATIAL_LEVEL_NAMES),
                          SPATIAL_LEVEL_NAMES.get(p.spatial_level, p.spatial_level))
        price_year = p.price_year if p.price_year is not None else results.price_base_year
        self.put("price_year", "Price year of the money inputs", price_year, YEAR)
        self.put("k", "Rebase factor to the price base", None, FACTOR,
                 f"=INDEX(Defl_Index,MATCH(PriceBaseYear,Defl_Year,0))/"
                 f"INDEX(Defl_Index,MATCH({self.inp['price_year']},Defl_Year,0))", self.k,
                 note="GDP deflator: D(price base year) / D(price year), extrapolated past the table")

    def inputs_timeline(self) -> None:
        """METHOD.md 2 and 3: operation, optimism bias on capex and on duration (v2)."""
        p, pack, m = self.p, self.pack, self.m
        self.section("Timeline and optimism bias")
        self.put("opstart", "Operating start (promoter's timeline)", p.operating_start, YEAR,
                 lambda: (f"=IF(ISNUMBER({{B}}),{{B}},IF(COUNT({self.rng('capex_in')})=0,"
                          f"AppraisalYear,SUMPRODUCT(MAX(ISNUMBER({self.rng('capex_in')})*"
                          f"{self.rng('year')}))+1))"), self.start, "year",
                 "empty: the year after the last capex year")
        self.put("lifetime", "Lifetime", p.lifetime_years, NUM0, unit="years")
        self.put("stage", "Business case stage", p.business_case_stage or "", None,
                 note="soc, obc or fbc; empty: no duration optimism bias")
        stage_code = p.business_case_stage or ""
        self.label_beside("stage", 2, label_formula(self.inp["stage"], STAGE_NAMES),
                          STAGE_NAMES.get(stage_code, stage_code))
        ptype = p.ob_project_type or self.category.ob_project_type
        self.put("ob_given", "Optimism bias given by the project", p.optimism_bias, PCT,
                 note="empty: the project type's upper bound, less mitigation")
        if isinstance(p.ob_project_type, dict):
            shares = []
            for t, v in p.ob_project_type.items():
                self.put(f"ob_share_{t}", f"Optimism bias: share of {t.replace('_', ' ')}", v, PCT,
                         note="a mix of project types: the shares should add up to 100%")
                shares.append((self.inp[f"ob_share_{t}"], f'MATCH("{t}",OB_Type,0)'))
        else:
            assert isinstance(ptype, str)   # not a mix of shares (the branch above)
            self.put("ob_type", "Optimism bias project type", p.ob_project_type or "", None,
                     f'=IF({{B}}="",{self.cat("Cat_OBType")},{{B}})', ptype)
            self.label_beside("ob_type", 4, label_formula(self.at["ob_type"], OB_TYPE_NAMES,
                                                          "; empty: the category's type"),
                              OB_TYPE_NAMES.get(ptype, ptype) + "; empty: the category's type",
                              self.fmt.note)
            shares = [("1", f"MATCH({self.at['ob_type']},OB_Type,0)")]
        for key, col, label in (("ob_upper", "capex_upper", "capex"),
                                ("ob_dur_upper", "duration_upper", "works duration")):
            name = "OB_CapexUpper" if col == "capex_upper" else "OB_DurationUpper"
            self.derived(key, f"Optimism bias upper bound ({label})",
                         "=" + "+".join(f"{s}*INDEX({name},{match})" for s, match in shares),
                         blended_upper_bound(ptype, pack, col), PCT, note="from the Optimism bias table")
        stage, mit_given = self.inp["stage"], p.ob_mitigation
        by_stage = (f'IF({stage}="",0,IFERROR(INDEX(Stage_Mitigation,MATCH({stage},Stage_Name,0)),0))'
                    if pack.ob_stage_mitigation else "0")
        mit = mit_given if mit_given is not None else pack.ob_stage_mitigation.get(
            p.business_case_stage, 0.0) if p.business_case_stage else 0.0
        self.put("ob_mit", "Optimism bias mitigation", mit_given, PCT,
                 f"=IF(ISNUMBER({{B}}),{{B}},{by_stage})", mit, note="empty: the stage's mitigation")
        self.derived("ob", "Optimism bias used",
                     f"=IF(ISNUMBER({self.inp['ob_given']}),{self.inp['ob_given']},"
                     f"{self.at['ob_upper']}*(1-{self.at['ob_mit']}))", m["optimism_bias"], PCT,
                     note="uplift on incremental capex (METHOD.md 3)")
        self.derived("delay", "Duration optimism bias: operation delayed by",
                     lambda: (f'=IF({stage}="",0,INT({self.at["ob_dur_upper"]}*(1-{self.at["ob_mit"]})'
                              f'*SUMPRODUCT(ISNUMBER({self.rng("capex_in")})*({self.rng("capex_in")}'
                              f'<>0))+0.5))'), m["ob_delay_years"], NUM0, "years",
                     "upper bound x (1 - mitigation) x capex years, rounded; economic case only")
        self.derived("opstart_e", "Operating start (economic case)",
                     lambda: f"={self.at['opstart']}+{self.at['delay']}",
                     self.start + m["ob_delay_years"], YEAR, "year")

    def inputs_costs(self) -> None:
        p, pack, k = self.p, self.pack, self.k
        self.section("Costs, funding and residual value")
        self.put("opex", "Opex per operating year", p.opex_per_year, MONEY, "={B}*" + self.at["k"],
                 p.opex_per_year * k, "£", "input at its price year; used at base prices")
        if not p.renewals:
            write_text(self.ws, self.row, 0, "Renewals")
            write_text(self.ws, self.row, 4, "none (add them in the application)", self.fmt.note)
            self.row += 1
        for j, (label, cost, every) in enumerate(p.renewals):
            self.put(f"ren_cost_{j}", f"Renewal {j + 1}: {label}"[:120], cost, MONEY,
                     "={B}*" + self.at["k"], cost * k, "£", "capex for every purpose")
            self.put(f"ren_every_{j}", f"Renewal {j + 1}: every", every, NUM0, unit="years",
                     note="from the operating start, up to the last operating year")
        self.put("peak_kw", "Added peak electrical load", p.added_peak_kw, NUM1, unit="kW")
        self.derived("network", "Network reinforcement cost", f"={self.inp['peak_kw']}*NR_Rate",
                     p.added_peak_kw * pack.parameter("network_reinforcement_gbp_per_kw")
                     * pack.rebase_factor(pack.default_price_base_year, self.results.price_base_year),
                     MONEY, "£", "peak kW x the pack's £ per kW; in the first operating year, "
                                 "economic case only")
        self.put("residual_in", "Residual value", p.residual_value, MONEY, unit="£",
                 note="at the input price year; a benefit the year after operation ends")
        self.put("asset_life", "Asset life", p.asset_life_years, NUM0, unit="years",
                 note="instead of a residual value: straight line on the capex")
        self.derived("residual", "Residual value used", lambda: (
            f"=IF(ISNUMBER({self.inp['residual_in']}),{self.inp['residual_in']}*{self.at['k']},"
            f"IF(AND(ISNUMBER({self.inp['asset_life']}),{self.inp['asset_life']}>{self.at['lifetime']}),"
            f"SUM({self.rng('capex')})*({self.inp['asset_life']}-{self.at['lifetime']})/"
            f"{self.inp['asset_life']},0))"), self._residual(), MONEY, "£")
        share = p.public_funding_share
        if self.has_pf_map:
            self.put("share", "Public funding share of capex", None, PCT,
                     note="not used: public funding is given by year in the table below")
        else:
            self.put("share", "Public funding share of capex", share, PCT, "=IF(ISNUMBER({B}),{B},1)",
                     share if share is not None else 1.0,
                     note="empty: all capex publicly funded" if share is None else "")
        self.put("promoter_public", "Promoter is a public body bearing every cost",
                 yes_no(p.promoter_public), None, '=IF({B}="Yes",1,0)', int(p.promoter_public),
                 note="Yes: the funder BCR's public costs are all costs", used_fmt=NUM0)

    def _residual(self) -> float:
        p = self.p
        if p.residual_value is not None:
            return p.residual_value * self.k
        if p.asset_life_years is not None and p.asset_life_years > p.lifetime_years:
            return sum(p.capex.values()) * self.k * (p.asset_life_years - p.lifetime_years) \
                / p.asset_life_years
        return 0.0

    def inputs_energy(self) -> None:
        """METHOD.md 3 (v2): sector, deadweight, comfort taking, external effects."""
        p, c, m = self.p, self.category, self.m
        self.section("Energy, carbon and external effects")
        sector = p.energy_sector or c.energy_sector or ""
        own = self.cat("Cat_EnergySector")
        self.put("sector", "Energy sector", p.energy_sector or "", None,
                 f'=IF({{B}}="",IF({own}="","(none)",{own}),{{B}})', sector or "(none)")
        words = "; domestic, commercial, industrial or transport; empty: the category's"
        self.label_beside("sector", 4, label_formula(self.at["sector"], SECTOR_NAMES, words),
                          SECTOR_NAMES.get(sector, sector or "(none)") + words, self.fmt.note)
        self.derived("sc", "Energy sector: column of the year tables",
                     f"=MATCH({self.at['sector']},Sector_Names,0)", SECTORS.index(sector) + 1, NUM0)
        self.put("deadweight", "Benefit deadweight", p.benefit_deadweight, PCT,
                 f"=IF(ISNUMBER({{B}}),{{B}},{self.cat('Cat_Deadweight')})", m["benefit_deadweight"],
                 note="share of the benefits that would happen anyway; empty: the category's")
        self.derived("keep", "Share of benefits that is additional", f"=1-{self.at['deadweight']}",
                     1.0 - m["benefit_deadweight"], PCT)
        ct = (p.comfort_taking if p.comfort_taking is not None else c.comfort_taking or 0.0) \
            if c.comfort_taking is not None else 0.0
        self.comfort_used = ct
        flagged = self.cat("Cat_Comfort")
        self.put("comfort", "Comfort taking", p.comfort_taking, PCT,
                 f"=IF(ISNUMBER({flagged}),IF(ISNUMBER({{B}}),{{B}},{flagged}),0)", ct,
                 note="share of each fuel saving taken as warmth; only for categories the pack flags")
        self.derived("embodied", "Embodied carbon per £1m of capex", f"={self.cat('Cat_Embodied')}",
                     c.embodied_tco2e_per_million, NUM2, "tCO2e", "the category's")
        self.put("km", "Car-km removed per operating year", p.car_km_removed, NUM0,
                 "=N({B})", p.car_km_removed or 0.0, "car-km", "or by year in the table below")
        qty = {f: 0.0 for f in self.fuels}
        for f, q in p.energy_changes:
            qty[f] += q
        self.qty = qty
        for f in self.fuels:
            q = qty[f]
            self.put(f"q_{f}", f"Energy change: {fuel_words(f)}", q, NUM0, f"=IF({{B}}<0,{{B}}*(1-{self.at['comfort']}),{{B}})",
                     q * (1.0 - ct) if q < 0 else q, f"{self.pack.fuel_units[f]} a year",
                     "per operating year; negative = less used; used: after comfort taking")

    def inputs_streams(self) -> None:
        for j, st in enumerate(self.streams):
            kind = ("economic: a social benefit" if st.kind == "economic"
                    else "revenue: cash to the promoter (financial case only)")
            label = f"Benefit {j + 1}: {st.label}"[:120]
            if st.per_year is not None:
                self.put(f"stream_{j}", label, st.per_year, MONEY, unit="£ a year",
                         note=f"{kind}; per operating year, at the input price year")
            else:
                write_text(self.ws, self.row, 0, label)
                write_text(self.ws, self.row, 1, "by year", self.fmt.note)
                write_text(self.ws, self.row, 4, f"{kind}; amounts by year in the table below",
                           self.fmt.note)
                self.row += 1
            if st.kind == "economic":
                self.put(f"disc_{j}", f"Benefit {j + 1}: discounting", st.discounting, None,
                         note="standard, or health (the health schedule, METHOD.md 1.2)")

    def inputs_financial(self) -> None:
        p = self.p
        self.section("Financial case and value for money")
        self.put("bill", "Energy bill savings go to the promoter", yes_no(p.bill_savings_to_promoter),
                 None, '=IF({B}="Yes",1,0)', int(p.bill_savings_to_promoter), note="Yes or No",
                 used_fmt=NUM0)
        self.put("vat_rec", "The promoter recovers VAT", yes_no(p.vat_recoverable), None,
                 '=IF({B}="Yes",1,0)', int(p.vat_recoverable), note="Yes: bills are valued net of VAT",
                 used_fmt=NUM0)
        for f in self.fuels:
            self.put(f"tariff_{f}", f"Tariff paid: {fuel_words(f)}", p.tariffs.get(f), "£#,##0.0000",
                     unit=f"£/{self.pack.fuel_units[f]}",
                     note="incl. VAT, at the input price year; empty: the pack's retail price")
        self.put("vfm_adj", "Value-for-money adjustment", p.vfm_adjustment, NUM0, unit="bands",
                 note="-1, 0 or +1 for non-monetised impacts, with a reason")
        self.put("vfm_reason", "Reason for the adjustment", p.vfm_adjustment_reason, None)
        self.derived("psds", "PSDS-style carbon cost test applies", f"={self.cat('Cat_PSDS')}",
                     int(self.category.psds_test), NUM0, note="1: the category is flagged in the pack")

    def inputs_jobs(self) -> None:
        p, pack = self.p, self.pack
        self.section("Jobs and readiness")
        self.put("jypm", "Construction job-years per £1m of capex", p.job_years_per_million, NUM2,
                 f"=IF(ISNUMBER({{B}}),{{B}},{self.cat('Cat_JYPM')})",
                 p.job_years_per_million if p.job_years_per_million is not None
                 else self.category.job_years_per_million, "job-years", "empty: the category's default")
        self.put("fte", "Operational jobs", p.operational_fte, NUM2, unit="FTE")
        factors = []
        for f in ADDITIONALITY_FIELDS:
            v = p.additionality.get(f)
            used = v if v is not None else pack.additionality[p.spatial_level][f]
            factors.append(used)
            self.put(f"add_{f}", f"Additionality: {f}", v, RATIO if f == "multiplier" else PCT,
                     f"=IF(ISNUMBER({{B}}),{{B}},INDEX(Add_{f.capitalize()},MATCH({self.inp['level']},"
                     "Add_Level,0)))", used, note="empty: the spatial level's default")
        a = {f: self.at[f"add_{f}"] for f in ADDITIONALITY_FIELDS}
        self.derived("add_factor", "Net additionality factor",
                     f"=(1-{a['deadweight']})*(1-{a['leakage']})*(1-{a['displacement']})*"
                     f"(1-{a['substitution']})*{a['multiplier']}",
                     (1 - factors[0]) * (1 - factors[1]) * (1 - factors[2]) * (1 - factors[3]) * factors[4],
                     FACTOR, note="gross jobs x this = net additional jobs")
        for f in READINESS_FLAGS:
            self.put(f"ready_{f}", f"Readiness: {f.replace('_', ' ')}", yes_no(getattr(p.readiness, f)),
                     None, '=IF({B}="Yes",1,0)', int(getattr(p.readiness, f)), note="Yes or No",
                     used_fmt=NUM0)
        self.put("months", "Months to start", p.readiness.months_to_start, NUM1, unit="months")
