"""Results of an appraisal: per-project measures, portfolio totals, warnings.

Measures are held as numpy arrays (one value per project, NaN where a figure
is undefined) so that large portfolios stay cheap; :meth:`PortfolioResults.to_dict`
turns them into the JSON object of FORMAT.md section 3, where every undefined
figure is ``None`` and never NaN or infinity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .appraise import Options
    from .pack import AssumptionPack
    from .portfolio import PortfolioInputs

METHOD_VERSION = 2
TINY_PVC_GBP = 10_000.0   # below this a BCR is flagged as fragile
# METHOD.md 3 (v2): lower bounds of the value-for-money bands, best first; below
# the last, "very poor" (DfT Value for Money Framework; MHCLG Appraisal Guide)
VFM_BANDS = ((4.0, "very high"), (2.0, "high"), (1.5, "medium"), (1.0, "low"), (0.0, "poor"))
VFM_LOWEST = "very poor"
VFM_ORDER = (VFM_LOWEST,) + tuple(label for _, label in reversed(VFM_BANDS))
VFM_BASIS_LABELS = {"public": "funder BCR (benefits net of private costs, over public costs)",
                    "social": "social BCR (all benefits over all costs)"}


# fuels in the words of a message (the JSON keeps the codes of FORMAT.md 1)
FUEL_NAMES = {"grid_electricity": "grid electricity", "natural_gas": "natural gas",
              "heating_oil": "heating oil", "lpg": "LPG", "petrol": "petrol", "diesel": "diesel"}


def fuel_name(code: str) -> str:
    return FUEL_NAMES.get(code, code.replace("_", " "))


def vfm_category(bcr: float | None, adjustment: int = 0) -> str | None:
    """Value-for-money category of a BCR (METHOD.md 3), moved ``adjustment`` bands
    (-1, 0, +1) for non-monetised impacts and stopping at the ends of the scale."""
    if bcr is None or not math.isfinite(bcr):
        return None
    label = next((lb for lower, lb in VFM_BANDS if bcr >= lower), VFM_LOWEST)
    k = VFM_ORDER.index(label) + int(adjustment)
    return VFM_ORDER[min(max(k, 0), len(VFM_ORDER) - 1)]


def _ratio(num: np.ndarray, den: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    ok = den != 0 if where is None else where
    out = np.full(np.shape(num), np.nan)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        np.divide(num, den, out=out, where=ok)
    out[~np.isfinite(out)] = np.nan   # e.g. a sub-penny PVC: undefined, never infinite
    return out


def _clean(x: Any) -> Any:
    """A float for JSON: None for NaN or infinity."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# v2 result keys that are sums over projects at portfolio level (METHOD.md 10.20)
SUMMED_KEYS = ("carbon_saved_traded_tco2e", "carbon_saved_direct_tco2e", "pv_carbon_benefit_gbp",
               "pv_energy_benefit_gbp", "pv_comfort_gbp", "pv_air_quality_gbp",
               "pv_road_externalities_gbp", "pv_embodied_carbon_cost_gbp",
               "pv_network_reinforcement_gbp", "pv_residual_value_gbp", "pv_indirect_tax_change_gbp",
               "pv_other_benefits_gbp", "embodied_carbon_tco2e", "construction_job_years",
               "net_construction_jobs_fte",
               "net_operational_jobs_fte")
# v2 project result keys (FORMAT.md 4), read straight from the metrics
V2_KEYS = ("pv_costs_public_gbp", "pv_costs_private_gbp", "carbon_saved_traded_tco2e",
           "carbon_saved_direct_tco2e", "pv_energy_benefit_gbp", "pv_comfort_gbp",
           "pv_air_quality_gbp", "pv_road_externalities_gbp", "pv_embodied_carbon_cost_gbp",
           "pv_network_reinforcement_gbp", "pv_residual_value_gbp", "pv_indirect_tax_change_gbp",
           "benefit_deadweight", "embodied_carbon_tco2e", "net_construction_jobs_fte",
           "net_operational_jobs_fte", "public_cost_per_direct_tco2e_gbp")


@dataclass
class ProjectSeries:
    """Year-by-year arrays of a block of projects, shape (projects, years)."""

    arrays: dict[str, np.ndarray]

    @classmethod
    def block(cls, **arrays: np.ndarray) -> "ProjectSeries":
        return cls(arrays)


@dataclass
class PortfolioResults:
    """Everything an appraisal computed, with the choices it was made under."""

    name: str
    appraisal_year: int
    price_base_year: int
    carbon_series: str
    discount_schedule: str
    financial_discount_rate: float
    pack_id: str
    pack_name: str
    pack_vintage: str
    pack_flagged: bool
    ids: list[str]
    names: list[str]
    categories: list[str]
    areas: list[str]
    gap_sector_of_category: dict[str, str | None]
    fuels: list[str]
    fuel_table_last_year: dict[str, int | None]
    price_table_last_year: dict[str, int | None]
    carbon_last_year: int | None
    public_carbon_cost_threshold: float
    gap_sectors: dict[str, Any]           # sector -> GapSector
    deflator: dict[int, float]
    years: np.ndarray | None
    gap_windows: dict[str, tuple[int, int]] = field(default_factory=dict)  # sector -> years used
    energy_series: str = "central"
    vfm_basis: str = "public"
    financial_ob_share: float = 1.0
    financial_basis: str = "real"
    pack_quality_note: str = ""
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    category_labels: dict[str, str] = field(default_factory=dict)   # category -> the pack's label
    flags: dict[str, np.ndarray] = field(default_factory=dict)
    series: list[ProjectSeries] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)   # found while flattening
    _warnings: list[list[str]] | None = None

    # -- building: by appraise_portfolio only (private) -------------------------
    @classmethod
    def _empty(cls, inputs: "PortfolioInputs", pack: "AssumptionPack", opts: "Options",
              years: np.ndarray | None, gap_windows: dict[str, tuple[int, int]] | None = None
              ) -> "PortfolioResults":
        fuels = pack.fuels()
        if gap_windows is None:
            gw = int(pack.parameter("gap_window_years"))
            gap_windows = {k: g.window(opts.appraisal_year, gw) for k, g in pack.investment_gap.items()}
        return cls(
            name=inputs.name, appraisal_year=opts.appraisal_year,
            price_base_year=opts.price_base_year, carbon_series=opts.carbon_series,
            discount_schedule=opts.discount_schedule,
            financial_discount_rate=opts.financial_discount_rate, pack_id=pack.id,
            pack_name=pack.name, pack_vintage=pack.vintage, pack_flagged=pack.is_flagged(),
            ids=[p.id for p in inputs.projects], names=[p.name for p in inputs.projects],
            categories=[p.category for p in inputs.projects],
            areas=[p.area for p in inputs.projects],
            gap_sector_of_category={c: v.gap_sector for c, v in pack.categories.items()},
            category_labels={c: v.label for c, v in pack.categories.items()},
            fuels=fuels,
            fuel_table_last_year={f: pack.emission_factors[f].last_year for f in fuels},
            price_table_last_year={f: pack.energy_prices[f].last_year for f in fuels},
            carbon_last_year=pack.carbon_values[opts.carbon_series].last_year,
            public_carbon_cost_threshold=pack.parameters["public_carbon_cost_threshold"],
            gap_sectors=dict(pack.investment_gap), deflator=pack.deflator, years=years,
            gap_windows=dict(gap_windows), energy_series=opts.energy_series,
            vfm_basis=opts.vfm_basis, financial_ob_share=opts.financial_ob_share,
            financial_basis=opts.financial_basis, pack_quality_note=pack.flagged_summary())

    def _store(self, sl: slice, values: dict[str, np.ndarray], flags: dict[str, np.ndarray]) -> None:
        n = len(self.ids)
        for key, v in values.items():
            # + 0.0 turns -0.0 (from negating a zero) into 0.0: "-0" reads as a tiny loss
            self.metrics.setdefault(key, np.full(n, np.nan))[sl] = v + 0.0
        for key, v in flags.items():
            if key not in self.flags:
                self.flags[key] = np.zeros((n,) + v.shape[1:], bool)
            self.flags[key][sl] = v

    def _finish(self, notes: dict[int, list[str]], sectors: list[str]) -> None:
        """Derive the ratios; the warnings are worded when first read."""
        m = self.metrics
        pvc, pvb, npsv = m["pv_costs_gbp"], m["pv_benefits_gbp"], m["npsv_gbp"]
        carbon = m["carbon_saved_tco2e"]
        saves = carbon > 0
        m["bcr"] = _ratio(pvb, pvc)
        # METHOD.md 3 (v2): the funder BCR nets private costs off benefits
        m["bcr_public"] = _ratio(pvb - m["pv_costs_private_gbp"], m["pv_costs_public_gbp"])
        direct = m["carbon_saved_direct_tco2e"]
        m["public_cost_per_direct_tco2e_gbp"] = _ratio(m["public_cost_gbp"], direct, direct > 0)
        applies = m["psds_applies"] > 0
        passed = np.nan_to_num(m["public_cost_per_direct_tco2e_gbp"], nan=np.inf) \
            <= self.public_carbon_cost_threshold
        m["psds_test_passed"] = np.where(applies, passed.astype(float), np.nan)
        m["switching_benefits_fall"] = _ratio(npsv, pvb)
        m["switching_costs_rise"] = _ratio(npsv, pvc)
        m["cost_per_tco2e_gbp"] = _ratio(pvc - m["pv_other_benefits_gbp"], carbon, saves)
        m["public_cost_per_tco2e_gbp"] = _ratio(m["public_cost_gbp"], carbon, saves)
        m["cost_per_net_job_gbp"] = _ratio(m["public_cost_gbp"], m["net_additional_jobs_fte"],
                                           m["net_additional_jobs_fte"] > 0)
        m["viability_gap_gbp"] = np.maximum(0.0, -m["financial_npv_gbp"]) + 0.0  # no -0.0
        months = m["months_to_start"]
        from .appraise import SHOVEL_READY_MAX_MONTHS, SHOVEL_READY_MIN_SCORE
        self.metrics["shovel_ready"] = ((m["readiness_score"] >= SHOVEL_READY_MIN_SCORE)
                                        & (np.nan_to_num(months, nan=np.inf)
                                           <= SHOVEL_READY_MAX_MONTHS)).astype(float)
        self.notes = notes

    @property
    def warnings(self) -> list[list[str]]:
        """Per project, what users must be told about its figures (METHOD.md 9)."""
        if self._warnings is None:
            self._warnings = [list(self.notes.get(i, ())) for i in range(len(self.ids))]
            if self.ids:
                self._warn()
        return self._warnings

    def _warn(self) -> None:
        m, fl, A = self.metrics, self.flags, self.appraisal_year
        out = self._warnings
        assert out is not None   # made by the warnings property, which calls this

        def each(mask: np.ndarray, text: Callable[[int], str]) -> None:
            for i in np.nonzero(mask)[0]:  # only the projects that need saying something
                out[i].append(text(int(i)))

        def say(mask: np.ndarray, text: str) -> None:   # the same words for every project
            each(mask, lambda i: text)

        each(m["sunk_costs_gbp"] > 0, lambda i: (
            f"£{m['sunk_costs_gbp'][i]:,.0f} of capex and opex falls before the appraisal year {A}: "
            "it is sunk, reported but left out of present values and the IRR (METHOD.md 1.3)"))
        for j, code in enumerate(self.fuels):
            fuel = fuel_name(code)
            last = self.fuel_table_last_year[code]
            say(fl["ef_extrap"][:, j], (
                f"emission factors for {fuel} end in {last}: later years hold the {last} value "
                "(extrapolated)"))
            last = self.price_table_last_year[code]
            say(fl["price_extrap"][:, j], (
                f"energy prices for {fuel} end in {last}: later years hold the {last} value "
                "(extrapolated)"))
        for j, code in enumerate(self.fuels):
            fuel = fuel_name(code)
            say(fl["ef_fallback"][:, j], (
                f"{fuel} has no appraisal-basis emission factor for the project's sector: the "
                "reporting factor is used"))
            say(fl["price_fallback"][:, j], (
                f"{fuel} has no resource-cost price for the project's sector: the retail price "
                "(with taxes) stands in"))
        each(fl["cv_extrap"], lambda i: (
            f"carbon values end in {self.carbon_last_year}: later years hold the "
            f"{self.carbon_last_year} value (extrapolated)"))
        each((m["pv_costs_gbp"] > 0) & (m["pv_costs_gbp"] < TINY_PVC_GBP), lambda i: (
            f"the BCR rests on a present value of costs of only £{m['pv_costs_gbp'][i]:,.0f}: "
            "read it with care"))
        each(m["pv_costs_gbp"] == 0, lambda i: "the present value of costs is zero: no BCR")
        each(m["carbon_saved_tco2e"] < 0, lambda i: (
            f"the project adds {-m['carbon_saved_tco2e'][i]:,.1f} tCO2e over its life: "
            "no cost per tonne"))
        threshold = self.public_carbon_cost_threshold
        each(np.nan_to_num(m["public_cost_per_tco2e_gbp"], nan=-1) > threshold, lambda i: (
            f"public cost per tonne saved (£{m['public_cost_per_tco2e_gbp'][i]:,.0f}) is above the "
            f"pack's threshold of £{threshold:,.0f}"))
        each(m["public_cost_gbp"] > m["capex_gbp"] * (1 + 1e-9) + 0.005, lambda i: (
            f"public funding (£{m['public_cost_gbp'][i]:,.0f}) exceeds capex "
            f"(£{m['capex_gbp'][i]:,.0f})"))
        each(fl["early_benefits"], lambda i: (
            f"benefits in years before the appraisal year {A} are not counted"))
        gap_window = self.gap_windows
        sector_of = [self.gap_sector_of_category.get(c) for c in self.categories]
        each((m["public_cost_gbp"] > 0) & (m["gap_public_in_window_gbp"] == 0)
             & np.array([s is not None for s in sector_of], dtype=bool), lambda i: (
            f"none of its public funding falls in the investment gap's window "
            f"({gap_window[sector_of[i] or ''][0]}-{gap_window[sector_of[i] or ''][1]}): it contributes "
            "nothing "
            "to closing that gap"))
        each(fl["early_revenue"], lambda i: (
            f"revenue in years before the appraisal year {A} is not counted in the financial case"))
        each((m["public_cost_gbp"] > 0) & (np.nan_to_num(m["financial_npv_gbp"], nan=-1) >= 0),
             lambda i: (
            f"the promoter's financial NPV is positive (£{m['financial_npv_gbp'][i]:,.0f}) and "
            "public funding is given: the grant may be deadweight (METHOD.md 4)"))
        threshold = self.public_carbon_cost_threshold
        each(m["psds_test_passed"] == 0, lambda i: (
            "the public cost per lifetime direct tonne "
            + (f"(£{m['public_cost_per_direct_tco2e_gbp'][i]:,.0f}) " if
               math.isfinite(m['public_cost_per_direct_tco2e_gbp'][i]) else "(no direct tonnes) ")
            + f"fails the £{threshold:,.0f} carbon cost test"))
        each(m["vfm_adjustment"] != 0, lambda i: (
            "the value-for-money band is moved for non-monetised impacts "
            f"({'up' if m['vfm_adjustment'][i] > 0 else 'down'} one band)"))
        each(fl["multi_sign"], lambda i: (
            "the promoter's cash flows change sign more than once: the IRR may not be unique "
            "(the rate closest to zero is shown)"))

    # -- reading ------------------------------------------------------------
    def project_series(self, i: int) -> dict[str, np.ndarray]:
        """Year-by-year arrays of project ``i`` (needs ``keep_series=True``)."""
        if self.years is None:
            raise ValueError("the appraisal was run without keep_series")
        for block in self.series:
            rows = next(iter(block.arrays.values())).shape[0]
            if i < rows:
                return {k: v[i] for k, v in block.arrays.items()}
            i -= rows
        raise IndexError(i)

    def totals(self) -> dict[str, Any]:
        """METHOD.md 8 and 10.20: portfolio sums and ratios of the sums."""
        m = self.metrics
        pvc, pvb = float(m["pv_costs_gbp"].sum()), float(m["pv_benefits_gbp"].sum())
        pub, priv = float(m["pv_costs_public_gbp"].sum()), float(m["pv_costs_private_gbp"].sum())
        return {
            "pv_costs_gbp": pvc, "pv_benefits_gbp": pvb, "npsv_gbp": pvb - pvc,
            "bcr": pvb / pvc if pvc else None,
            "bcr_public": (pvb - priv) / pub if pub else None,
            "pv_costs_public_gbp": pub, "pv_costs_private_gbp": priv,
            **{k: float(m[k].sum()) for k in SUMMED_KEYS},
            "carbon_saved_tco2e": float(m["carbon_saved_tco2e"].sum()),
            "gross_jobs_fte": float(m["gross_jobs_fte"].sum()),
            "net_additional_jobs_fte": float(m["net_additional_jobs_fte"].sum()),
            "public_cost_gbp": float(m["public_cost_gbp"].sum()),
            "sunk_costs_gbp": float(m["sunk_costs_gbp"].sum()),
            "shovel_ready_projects": int(m["shovel_ready"].sum()),
        }

    def gap(self) -> dict[str, Any]:
        """METHOD.md 6: contribution against the gap, per sector and in total."""
        m = self.metrics
        sector_of = np.array([self.gap_sector_of_category.get(c) or "" for c in self.categories])
        out: dict[str, Any] = {}
        windows = set(self.gap_windows.values())
        total_contrib = total_cum = total_mob = total_pub = total_annual = 0.0
        total_years = 0
        for name, g in self.gap_sectors.items():
            first, last = self.gap_windows[name]
            n_years = last - first + 1
            mask = sector_of == name
            contrib = float(m["gap_contribution_gbp"][mask].sum()) if self.ids else 0.0
            mobilised = float(m["investment_mobilised_gbp"][mask].sum()) if self.ids else 0.0
            public = float(m["gap_public_in_window_gbp"][mask].sum()) if self.ids else 0.0
            cum = g.annual_gap_gbp * n_years * self.deflator[self.price_base_year] / self.deflator[g.price_year]
            out[name] = {"label": g.label, "window": [first, last],
                         "contribution_gbp": contrib, "cumulative_gap_gbp": cum,
                         "share_closed": contrib / cum if cum else None,
                         "annual_gap_gbp": cum / n_years,
                         "annual_average_contribution_gbp": contrib / n_years,
                         "investment_mobilised_gbp": mobilised,
                         "leverage": (mobilised - public) / public if public else None}
            total_contrib += contrib
            total_cum += cum
            total_mob += mobilised
            total_pub += public
            total_annual += cum / n_years
            total_years = n_years
        # METHOD.md 10.18: one window (and an annual average) only when every sector shares it
        window = list(next(iter(windows))) if len(windows) == 1 else None
        n_total = total_years if window else 0
        total = {"contribution_gbp": total_contrib, "cumulative_gap_gbp": total_cum,
                 "share_closed": total_contrib / total_cum if total_cum else None,
                 "annual_gap_gbp": total_annual if self.gap_sectors else None,
                 "annual_average_contribution_gbp": total_contrib / n_total if n_total else None,
                 "investment_mobilised_gbp": float(m["investment_mobilised_gbp"].sum()),
                 "leverage": (total_mob - total_pub) / total_pub if total_pub else None}
        return {"window": window, "price_base_year": self.price_base_year,
                "sectors": out, "total": total}

    def project_records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per project, in portfolio order (FORMAT.md 3)."""
        return list(self.iter_project_records())

    def iter_project_records(self, chunk: int = 4096) -> Iterator[dict[str, Any]]:
        """The records of :meth:`project_records`, made a chunk at a time so that
        a very large portfolio is never held twice in memory."""
        m = self.metrics
        warnings = self.warnings
        for lo in range(0, len(self.ids), chunk):
            sl = slice(lo, lo + chunk)

            def col(key: str, sl: slice = sl) -> list[Any]:
                return [None if (v != v or v in (math.inf, -math.inf)) else v
                        for v in m[key][sl].tolist()]

            def year_col(key: str, sl: slice = sl) -> list[int | None]:
                return [None if v != v else int(v) for v in m[key][sl].tolist()]

            cols = {k: col(k) for k in ("pv_costs_gbp", "pv_benefits_gbp", "npsv_gbp", "bcr",
                                        "bcr_public")}
            basis = cols["bcr_public"] if self.vfm_basis == "public" else cols["bcr"]
            adjust = m["vfm_adjustment"][sl].tolist()
            cols["vfm_category"] = [vfm_category(b, a) for b, a in zip(basis, adjust)]
            cols["vfm_category_unadjusted"] = [vfm_category(b) for b in basis]
            cols["vfm_basis"] = [self.vfm_basis] * len(basis)
            for k in ("pv_carbon_benefit_gbp", "carbon_saved_tco2e", "cost_per_tco2e_gbp",
                      "optimism_bias", "switching_benefits_fall", "switching_costs_rise",
                      "financial_npv_gbp", "financial_irr"):
                cols[k] = col(k)
            cols["payback_year"] = year_col("payback_year")
            cols["discounted_payback_year"] = year_col("discounted_payback_year")
            for k in ("viability_gap_gbp", "construction_job_years", "gross_jobs_fte",
                      "net_additional_jobs_fte", "public_cost_gbp", "cost_per_net_job_gbp",
                      "public_cost_per_tco2e_gbp"):
                cols[k] = col(k)
            cols["gap_sector"] = [self.gap_sector_of_category.get(c) for c in self.categories[sl]]
            for k in ("gap_contribution_gbp", "sunk_costs_gbp", "readiness_score"):
                cols[k] = col(k)
            cols["shovel_ready"] = [bool(v) for v in m["shovel_ready"][sl].tolist()]
            for k in ("capex_gbp", "investment_mobilised_gbp", "pv_other_benefits_gbp", *V2_KEYS):
                cols[k] = col(k)
            cols["ob_delay_years"] = year_col("ob_delay_years")
            cols["psds_test_passed"] = [None if v != v else bool(v)
                                        for v in m["psds_test_passed"][sl].tolist()]
            cols["method_version"] = [METHOD_VERSION] * len(basis)
            keys = list(cols)
            head = zip(self.ids[sl], self.names[sl], self.categories[sl], self.areas[sl])
            rows = zip(*(cols[k] for k in keys))
            for h, r, w in zip(head, rows, warnings[sl]):
                yield {"id": h[0], "name": h[1], "category": h[2], "area": h[3],
                       **dict(zip(keys, r)), "warnings": list(w)}

    def portfolio_record(self) -> dict[str, Any]:
        """The ``portfolio`` object of FORMAT.md section 3."""
        portfolio = {
            "name": self.name, "appraisal_year": self.appraisal_year,
            "price_base_year": self.price_base_year,
            "assumptions": {"id": self.pack_id, "vintage": self.pack_vintage, "name": self.pack_name,
                            "has_illustrative_figures": self.pack_flagged},
            "carbon_series": self.carbon_series, "discount_schedule": self.discount_schedule,
            "financial_discount_rate": self.financial_discount_rate,
            "energy_series": self.energy_series, "vfm_basis": self.vfm_basis,
            "financial_ob_share": self.financial_ob_share, "financial_basis": self.financial_basis,
            "method_version": METHOD_VERSION, "project_count": len(self.ids),
            **{k: _clean(v) if isinstance(v, float) else v for k, v in self.totals().items()},
            "gap": self.gap(),
        }
        portfolio["assumptions"]["quality_note"] = self.pack_quality_note
        basis = portfolio["bcr_public"] if self.vfm_basis == "public" else portfolio["bcr"]
        portfolio["vfm_category"] = vfm_category(basis)
        return portfolio

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of FORMAT.md section 3 (keys there are never renamed)."""
        return {"portfolio": self.portfolio_record(), "projects": self.project_records()}
