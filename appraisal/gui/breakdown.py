"""The figures of method version 2 in plain words, for every view that shows them.

The results panel, the dashboard and the PDF summary read a project's (or the
pipeline's) value for money with its basis, what makes up its NPSV (each
external effect on its own line), the Exchequer line, carbon by kind, jobs
apart and the carbon cost test from here, so that they say the same thing in
the same words (METHOD.md 3 to 6; FORMAT.md 4). Nothing here imports Qt.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from ..core.results import VFM_BASIS_LABELS, vfm_category
from ..core.wording import vfm_bands_text
from . import formatting as fmt

if TYPE_CHECKING:  # pragma: no cover
    from ..core.results import PortfolioResults

# the short name of each basis, as a sentence uses it ("MEDIUM on the funder BCR")
BASIS_NAMES = {"public": "funder BCR", "social": "social BCR"}
# the result key of the BCR each basis names (METHOD.md 3, "Value for money, v2")
BASIS_KEYS = {"public": "bcr_public", "social": "bcr"}

TIPS = {
    "bcr": "Social BCR: all benefits over all costs (PV of benefits / PV of costs), the Green "
           "Book's benefit-cost ratio",
    "bcr_public": "Funder BCR: benefits net of private costs, over the public (funder's) costs, as "
                  "MHCLG and DfT define it for their funds",
    "exchequer": "Change in indirect tax receipts (VAT and fuel duty) from the change in fuel use: "
                 "a transfer to or from the Exchequer, shown beside the NPSV and not in it "
                 "(Green Book: transfers are not social costs or benefits)",
    "psds": "Public Sector Decarbonisation Scheme style test: public cost per lifetime direct "
            "(non-traded) tonne saved, against the pack's threshold. A test of the grant's "
            "carbon cost, not of the project's value for money",
    "vfm": "Value-for-money band of the BCR named by the portfolio's basis (DfT and MHCLG bands: "
           f"{vfm_bands_text()}). A guide for decision makers, never a pass or fail test",
}


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


# -- the values of one project or of the pipeline -----------------------------------------
# every present value that makes up PVB and PVC (appraise.py: PVB = carbon + energy + comfort
# + air + road + other - embodied + residual; PVC = capex with OB + opex + network)
PIPELINE_SUMS = ("pv_carbon_benefit_gbp", "pv_energy_benefit_gbp", "pv_comfort_gbp",
                 "pv_air_quality_gbp", "pv_road_externalities_gbp", "pv_other_economic_gbp",
                 "pv_residual_value_gbp", "pv_embodied_carbon_cost_gbp", "pv_opex_gbp",
                 "pv_network_reinforcement_gbp", "pv_indirect_tax_change_gbp",
                 "embodied_carbon_tco2e", "construction_job_years", "net_construction_jobs_fte",
                 "net_operational_jobs_fte", "carbon_saved_direct_tco2e",
                 "carbon_saved_traded_tco2e")


def project_values(results: "PortfolioResults", i: int) -> dict[str, float | None]:
    """Every measure of project ``i`` (result index), None where it is undefined."""
    return {k: _num(v[i]) for k, v in results.metrics.items() if getattr(v, "ndim", 1) == 1}


def pipeline_values(results: "PortfolioResults") -> dict[str, float | None]:
    """The pipeline's totals (METHOD.md 8 and 10.20) and the sums of every PV part."""
    out: dict[str, float | None] = {k: _num(v) for k, v in results.totals().items()}
    for k in PIPELINE_SUMS:
        if k in results.metrics:
            out[k] = _num(results.metrics[k].sum()) if len(results.ids) else 0.0
    return out


# -- value for money ----------------------------------------------------------------------
@dataclass(frozen=True)
class ValueForMoney:
    """The value-for-money band of a project or the pipeline, on a named basis."""

    band: str | None              # after any adjustment for non-monetised impacts
    unadjusted: str | None        # before it
    basis: str                    # "public" (funder BCR) or "social"
    adjustment: int = 0           # -1, 0, +1 band
    reason: str = ""

    @property
    def basis_name(self) -> str:
        return BASIS_NAMES.get(self.basis, self.basis)

    @property
    def badge(self) -> str:
        return fmt.vfm_badge(self.band)

    @property
    def moved(self) -> bool:
        return self.band is not None and self.band != self.unadjusted

    def short(self) -> str:
        """'MEDIUM on the funder BCR', or why there is no band."""
        if self.band is None:
            return f"not defined: no {self.basis_name}"
        return f"{self.badge} on the {self.basis_name}"

    def adjustment_text(self) -> str:
        """'LOW before a move up one band for non-monetised impacts: <reason>', or ''."""
        if not self.adjustment or self.unadjusted is None:
            return ""
        way = "up" if self.adjustment > 0 else "down"
        if not self.moved:
            head = f"a move {way} one band for non-monetised impacts stops at the end of the scale"
        else:
            head = (f"{fmt.vfm_badge(self.unadjusted)} before a move {way} one band for "
                    "non-monetised impacts")
        reason = self.reason.strip().rstrip(".")
        return head + (f": {reason}" if reason else "")

    def sentence(self) -> str:
        """The band, its basis in words, and the adjustment with its reason."""
        if self.band is None:
            why = ("there are no public costs to divide by" if self.basis == "public"
                   else "there are no costs to divide by")
            return f"Value for money: not defined on the {self.basis_name} ({why})."
        text = f"Value for money: {self.badge} on the {VFM_BASIS_LABELS.get(self.basis, self.basis)}"
        extra = self.adjustment_text()
        return text + (f"; {extra}." if extra else ".")


def project_vfm(results: "PortfolioResults", i: int, reason: str = "") -> ValueForMoney:
    """Project ``i``'s band as the core's records give it (``vfm_category`` of the BCR on the
    portfolio's basis, moved by ``vfm_adjustment``)."""
    basis = results.vfm_basis
    bcr = _num(results.metrics[BASIS_KEYS.get(basis, "bcr")][i])
    adjust = int(_num(results.metrics["vfm_adjustment"][i]) or 0) \
        if "vfm_adjustment" in results.metrics else 0
    return ValueForMoney(vfm_category(bcr, adjust), vfm_category(bcr), basis, adjust, reason)


def pipeline_vfm(results: "PortfolioResults") -> ValueForMoney:
    """The pipeline's band: the BCR of the totals on the portfolio's basis (no adjustment)."""
    t = results.totals()
    bcr = _num(t.get(BASIS_KEYS.get(results.vfm_basis, "bcr")))
    band = vfm_category(bcr)
    return ValueForMoney(band, band, results.vfm_basis)


# -- lines of figures ---------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One figure in words: a label, its value, and what it means."""

    key: str
    label: str
    value: float | None
    unit: str = "gbp"         # gbp, tco2e, fte, job_years, years, share
    level: int = 1            # 0: a total; 1: a part of one
    tip: str = ""

    def text(self, short: bool = True) -> str:
        v = self.value
        if self.unit == "gbp":
            return fmt.money(v, short)
        if self.unit == "tco2e":
            return fmt.number(v, 0, "tCO2e")
        if self.unit == "fte":
            return fmt.number(v, 1, "FTE")
        if self.unit == "job_years":
            return fmt.number(v, 1, "job-years")
        if self.unit == "years":
            return fmt.DASH if v is None else f"{v:.0f} year{'s' * (round(v) != 1)}"
        if self.unit == "share":
            return fmt.percent(v, 0)
        return fmt.number(v)


def benefit_lines(v: Mapping[str, float | None]) -> list[Line]:
    """What makes up the PV of benefits, each external effect on its own line."""
    embodied = v.get("pv_embodied_carbon_cost_gbp")
    return [
        Line("pv_carbon_benefit_gbp", "Carbon saved, at the DESNZ carbon values",
             v.get("pv_carbon_benefit_gbp"),
             tip="Tonnes saved each year times that year's carbon value (traded tonnes net of the "
                 "carbon price already in energy costs, where the pack gives one)"),
        Line("pv_energy_benefit_gbp", "Energy saved, at resource cost (taxes excluded)",
             v.get("pv_energy_benefit_gbp"),
             tip="Fuel saved valued at its long-run resource cost, without VAT, duty or levies: "
                 "the cost to the country, not the bill"),
        Line("pv_comfort_gbp", "Warmth taken as comfort instead of lower bills",
             v.get("pv_comfort_gbp"),
             tip="Comfort taking: the share of the energy saving households take as warmer homes, "
                 "valued at the retail price"),
        Line("pv_air_quality_gbp", "Cleaner air (air-quality damage avoided)",
             v.get("pv_air_quality_gbp"),
             tip="Damage costs of the pollutants from the fuel no longer burnt (pack table "
                 "air_quality; zero where the pack has none)"),
        Line("pv_road_externalities_gbp", "Fewer car-km (congestion, accidents, noise)",
             v.get("pv_road_externalities_gbp"),
             tip="Car-km removed times the marginal external costs per car-km (congestion, "
                 "accidents, noise, infrastructure, local air quality; pack table "
                 "marginal_external_costs)"),
        Line("pv_other_economic_gbp", "Other economic benefits the project lists",
             v.get("pv_other_economic_gbp"),
             tip="The project's own benefit streams of kind 'economic' (health streams at the "
                 "health discount rate)"),
        Line("pv_residual_value_gbp", "Value left in the assets at the end",
             v.get("pv_residual_value_gbp"),
             tip="Residual value: the project's own figure, or straight-line over the asset's life, "
                 "in the year after the last operating year"),
        Line("pv_embodied_carbon_cost_gbp", "Less: carbon embodied in construction"
             + (f" ({fmt.number(v['embodied_carbon_tco2e'], 0)} tCO2e)"
                if v.get("embodied_carbon_tco2e") else ""),
             None if embodied is None else -embodied,
             tip="Tonnes emitted making and building the assets (capex times the category's "
                 "tCO2e per £m), valued at the carbon values: a cost netted off benefits"),
        Line("pv_benefits_gbp", "PV of benefits", v.get("pv_benefits_gbp"), level=0),
    ]


def cost_lines(v: Mapping[str, float | None]) -> list[Line]:
    """What makes up the PV of costs, and who bears it."""
    pvc, opex, network = (v.get(k) for k in ("pv_costs_gbp", "pv_opex_gbp",
                                             "pv_network_reinforcement_gbp"))
    capex = None if pvc is None else pvc - (opex or 0.0) - (network or 0.0)
    return [
        Line("pv_capex_with_ob_gbp", "Capex and renewals, with optimism bias", capex,
             tip="Capex net of what would be spent anyway (counterfactual), with renewals, "
                 "uplifted by optimism bias"),
        Line("pv_opex_gbp", "Operating costs", opex),
        Line("pv_network_reinforcement_gbp", "Grid reinforcement for the added peak load", network,
             tip="Added peak kW times the pack's network reinforcement cost per kW, in the first "
                 "operating year (no optimism bias, not publicly funded)"),
        Line("pv_costs_gbp", "PV of costs", pvc, level=0),
        Line("pv_costs_public_gbp", "of which public (the funder's)", v.get("pv_costs_public_gbp"),
             tip="The public share of each year's capex with optimism bias, or every cost where a "
                 "public body is the promoter"),
        Line("pv_costs_private_gbp", "of which private", v.get("pv_costs_private_gbp")),
    ]


def exchequer_line(v: Mapping[str, float | None]) -> Line:
    return Line("pv_indirect_tax_change_gbp",
                "Exchequer: change in VAT and duty receipts (a transfer, not in the NPSV)",
                v.get("pv_indirect_tax_change_gbp"), level=0, tip=TIPS["exchequer"])


def carbon_lines(v: Mapping[str, float | None]) -> list[Line]:
    return [
        Line("carbon_saved_tco2e", "Carbon saved over the life", v.get("carbon_saved_tco2e"),
             "tco2e", 0, "Tonnes of CO2e saved over the operating life, undiscounted, after "
                         "deadweight"),
        Line("carbon_saved_direct_tco2e", "direct (fuels burnt on site or in vehicles)",
             v.get("carbon_saved_direct_tco2e"), "tco2e",
             tip="Tonnes outside the emissions trading scheme: the ones the PSDS-style test counts"),
        Line("carbon_saved_traded_tco2e", "traded (grid electricity, in the UK ETS)",
             v.get("carbon_saved_traded_tco2e"), "tco2e",
             tip="Tonnes from fuels the pack marks traded (grid electricity); negative where the "
                 "project uses more grid electricity, as a heat pump or charger does"),
        Line("embodied_carbon_tco2e", "Carbon embodied in construction (not netted)",
             v.get("embodied_carbon_tco2e"), "tco2e", 0,
             "Tonnes emitted making and building the assets; reported apart, not taken off the "
             "carbon saved"),
    ]


def job_lines(v: Mapping[str, float | None]) -> list[Line]:
    return [
        Line("net_additional_jobs_fte", "Net additional jobs", v.get("net_additional_jobs_fte"),
             "fte", 0, "Gross jobs after deadweight, leakage, displacement and substitution, "
                       "times the multiplier (HCA Additionality Guide)"),
        Line("net_construction_jobs_fte", "construction (permanent-equivalent)",
             v.get("net_construction_jobs_fte"), "fte",
             tip="Construction job-years over the job-years per permanent job, net"),
        Line("net_operational_jobs_fte", "operation", v.get("net_operational_jobs_fte"), "fte",
             tip="Permanent operational jobs, net"),
        Line("construction_job_years", "Construction job-years (gross)",
             v.get("construction_job_years"), "job_years", 0,
             "Capex in £m times the category's job-years per £m, before optimism bias"),
    ]


def delay_line(v: Mapping[str, float | None]) -> Line | None:
    """The optimism-bias delay, only where there is one (METHOD.md 3, duration OB)."""
    d = v.get("ob_delay_years")
    if not d:
        return None
    return Line("ob_delay_years", "Start delayed by duration optimism bias (economic case)", d,
                "years", 0, "Operation and its flows start this many years later in the economic "
                            "case, from the business-case stage and the duration upper bound")


def deadweight_line(v: Mapping[str, float | None]) -> Line | None:
    d = v.get("benefit_deadweight")
    if not d:
        return None
    return Line("benefit_deadweight", "Benefits that would happen anyway (deadweight)", d,
                "share", 0, "This share of carbon, energy, external and other benefits, and of "
                            "the gap contribution, is left out")


@dataclass(frozen=True)
class CarbonCostTest:
    """The PSDS-style carbon cost test of a project (METHOD.md 5; 10.17)."""

    passed: bool | None          # None: not applicable to the project's category
    cost_per_direct_t: float | None
    threshold: float

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "not applicable"}[self.passed]

    def detail(self) -> str:
        limit = f"£{self.threshold:,.0f}"
        if self.passed is None:
            return f"not applied to this category (threshold {limit} per direct tonne)"
        if self.cost_per_direct_t is None:
            return f"no direct tonnes saved (threshold {limit})"
        cost = f"£{self.cost_per_direct_t:,.0f}"
        return (f"{cost} public per direct tonne, " +
                (f"at or below {limit}" if self.passed else f"above {limit}"))


def carbon_cost_test(v: Mapping[str, float | None], threshold: float) -> CarbonCostTest:
    p = v.get("psds_test_passed")
    return CarbonCostTest(None if p is None else bool(p), v.get("public_cost_per_direct_tco2e_gbp"),
                          threshold)


def pack_note(results: "PortfolioResults") -> str:
    """The pack's line on its rows that are not official (or '' when every row is), its
    tables named by title ("GDP deflator 36/36", not "gdp_deflator.csv 36/36")."""
    note = fmt.plain((results.pack_quality_note or "").strip())   # tables by title, not file
    if note:
        return note[0].upper() + note[1:]
    return ("Some rows of the pack are marked illustrative or recalled." if results.pack_flagged
            else "")


def short_pack_note(pack) -> str:
    """' 430 of 560 rows of the pack are not official ...: see Assumptions.' (or '')."""
    flagged = sum(len(t.flagged_rows()) for t in pack.tables.values())
    if not flagged:
        return ""
    rows = sum(len(t.rows) for t in pack.tables.values())
    return (f" {flagged:,} of the pack's {rows:,} rows are not official (secondary copy, derived, "
            "recalled or illustrative): see Assumptions.")
