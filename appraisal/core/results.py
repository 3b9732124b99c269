"""Results of an appraisal: per-project measures, portfolio totals, warnings.

Measures are held as numpy arrays (one value per project, NaN where a figure
is undefined) so that large portfolios stay cheap; :meth:`PortfolioResults.to_dict`
turns them into the JSON object of FORMAT.md section 3, where every undefined
figure is ``None`` and never NaN or infinity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .appraise import Options
    from .pack import AssumptionPack
    from .portfolio import PortfolioInputs

METHOD_VERSION = 1
TINY_PVC_GBP = 10_000.0   # below this a BCR is flagged as fragile
VFM_BANDS = ((4.0, "very high"), (2.0, "high"), (1.5, "medium"), (1.0, "low"))


def vfm_category(bcr: float | None) -> str | None:
    """Value-for-money category of a BCR (METHOD.md 3; DfT Value for Money Framework)."""
    if bcr is None or not math.isfinite(bcr):
        return None
    for lower, label in VFM_BANDS:
        if bcr >= lower:
            return label
    return "poor"


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
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    category_labels: dict[str, str] = field(default_factory=dict)   # category -> the pack's label
    flags: dict[str, np.ndarray] = field(default_factory=dict)
    series: list[ProjectSeries] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)   # found while flattening
    _warnings: list[list[str]] | None = None

    @classmethod
    def empty(cls, inputs: "PortfolioInputs", pack: "AssumptionPack", opts: "Options",
              years: np.ndarray | None) -> "PortfolioResults":
        fuels = pack.fuels()
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
            gap_sectors=dict(pack.investment_gap), deflator=dict(pack.deflator), years=years)

    # -- filling in -------------------------------------------------------
    def store(self, sl: slice, values: dict[str, np.ndarray], flags: dict[str, np.ndarray]) -> None:
        n = len(self.ids)
        for key, v in values.items():
            # + 0.0 turns -0.0 (from negating a zero) into 0.0: "-0" reads as a tiny loss
            self.metrics.setdefault(key, np.full(n, np.nan))[sl] = v + 0.0
        for key, v in flags.items():
            if key not in self.flags:
                self.flags[key] = np.zeros((n,) + v.shape[1:], bool)
            self.flags[key][sl] = v

    def finish(self, notes: dict[int, list[str]], sectors: list[str]) -> None:
        """Derive the ratios; the warnings are worded when first read."""
        m = self.metrics
        pvc, pvb, npsv = m["pv_costs_gbp"], m["pv_benefits_gbp"], m["npsv_gbp"]
        carbon = m["carbon_saved_tco2e"]
        saves = carbon > 0
        m["bcr"] = _ratio(pvb, pvc)
        m["switching_benefits_fall"] = _ratio(npsv, pvb)
        m["switching_costs_rise"] = _ratio(npsv, pvc)
        m["cost_per_tco2e_gbp"] = _ratio(pvc - m["pv_other_benefits_gbp"], carbon, saves)
        m["public_cost_per_tco2e_gbp"] = _ratio(m["public_cost_gbp"], carbon, saves)
        m["cost_per_net_job_gbp"] = _ratio(m["public_cost_gbp"], m["net_additional_jobs_fte"],
                                           m["net_additional_jobs_fte"] > 0)
        m["viability_gap_gbp"] = np.maximum(0.0, -m["financial_npv_gbp"]) + 0.0  # no -0.0
        months = m["months_to_start"]
        self.metrics["shovel_ready"] = ((m["readiness_score"] >= 80)
                                        & (np.nan_to_num(months, nan=np.inf) <= 12)).astype(float)
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

        def each(mask: np.ndarray, text) -> None:
            for i in np.nonzero(mask)[0]:  # only the projects that need saying something
                self._warnings[i].append(text(i))

        each(m["sunk_costs_gbp"] > 0, lambda i: (
            f"£{m['sunk_costs_gbp'][i]:,.0f} of capex and opex falls before the appraisal year {A}: "
            "it is sunk, reported but left out of present values and the IRR (METHOD.md 1.3)"))
        for j, fuel in enumerate(self.fuels):
            last = self.fuel_table_last_year[fuel]
            each(fl["ef_extrap"][:, j], lambda i, f=fuel, y=last: (
                f"emission factors for {f} end in {y}: later years hold the {y} value (extrapolated)"))
            last = self.price_table_last_year[fuel]
            each(fl["price_extrap"][:, j], lambda i, f=fuel, y=last: (
                f"energy prices for {f} end in {y}: later years hold the {y} value (extrapolated)"))
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
        gap_window = {name: (g.first_year, g.last_year) for name, g in self.gap_sectors.items()}
        sector_of = [self.gap_sector_of_category.get(c) for c in self.categories]
        each((m["public_cost_gbp"] > 0) & (m["gap_contribution_gbp"] == 0)
             & np.array([s is not None for s in sector_of], dtype=bool), lambda i: (
            f"none of its public funding falls in the investment gap's window "
            f"({gap_window[sector_of[i]][0]}-{gap_window[sector_of[i]][1]}): it contributes nothing "
            "to closing that gap"))
        each(fl["early_revenue"], lambda i: (
            f"revenue in years before the appraisal year {A} is not counted in the financial case"))
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
        m = self.metrics
        pvc, pvb = float(m["pv_costs_gbp"].sum()), float(m["pv_benefits_gbp"].sum())
        return {
            "pv_costs_gbp": pvc, "pv_benefits_gbp": pvb, "npsv_gbp": pvb - pvc,
            "bcr": pvb / pvc if pvc else None,
            "carbon_saved_tco2e": float(m["carbon_saved_tco2e"].sum()),
            "gross_jobs_fte": float(m["gross_jobs_fte"].sum()),
            "net_additional_jobs_fte": float(m["net_additional_jobs_fte"].sum()),
            "public_cost_gbp": float(m["public_cost_gbp"].sum()),
            "pv_carbon_benefit_gbp": float(m["pv_carbon_benefit_gbp"].sum()),
            "sunk_costs_gbp": float(m["sunk_costs_gbp"].sum()),
            "shovel_ready_projects": int(m["shovel_ready"].sum()),
        }

    def gap(self) -> dict[str, Any]:
        """METHOD.md 6: contribution against the gap, per sector and in total."""
        m = self.metrics
        sector_of = np.array([self.gap_sector_of_category.get(c) or "" for c in self.categories])
        out: dict[str, Any] = {}
        first = min((g.first_year for g in self.gap_sectors.values()), default=None)
        last = max((g.last_year for g in self.gap_sectors.values()), default=None)
        total_contrib = total_cum = 0.0
        for name, g in self.gap_sectors.items():
            n_years = g.last_year - g.first_year + 1
            contrib = float(m["gap_contribution_gbp"][sector_of == name].sum()) if self.ids else 0.0
            cum = g.annual_gap_gbp * n_years * self.deflator[self.price_base_year] / self.deflator[g.price_year]
            out[name] = {"label": g.label, "window": [g.first_year, g.last_year],
                         "contribution_gbp": contrib, "cumulative_gap_gbp": cum,
                         "share_closed": contrib / cum if cum else None,
                         "annual_gap_gbp": cum / n_years,
                         "annual_average_contribution_gbp": contrib / n_years}
            total_contrib += contrib
            total_cum += cum
        n_total = (last - first + 1) if first is not None else 0
        total = {"contribution_gbp": total_contrib, "cumulative_gap_gbp": total_cum,
                 "share_closed": total_contrib / total_cum if total_cum else None,
                 "annual_gap_gbp": total_cum / n_total if n_total else None,
                 "annual_average_contribution_gbp": total_contrib / n_total if n_total else None,
                 "investment_mobilised_gbp": float(m["investment_mobilised_gbp"].sum())}
        return {"window": [first, last], "price_base_year": self.price_base_year,
                "sectors": out, "total": total}

    def project_records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per project, in portfolio order (FORMAT.md 3)."""
        return list(self.iter_project_records())

    def iter_project_records(self, chunk: int = 4096):
        """The records of :meth:`project_records`, made a chunk at a time so that
        a very large portfolio is never held twice in memory."""
        m = self.metrics
        warnings = self.warnings
        for lo in range(0, len(self.ids), chunk):
            sl = slice(lo, lo + chunk)

            def col(key: str) -> list:
                return [None if (v != v or v in (math.inf, -math.inf)) else v
                        for v in m[key][sl].tolist()]

            def year_col(key: str) -> list:
                return [None if v != v else int(v) for v in m[key][sl].tolist()]

            cols = {k: col(k) for k in ("pv_costs_gbp", "pv_benefits_gbp", "npsv_gbp", "bcr")}
            cols["vfm_category"] = [vfm_category(b) for b in cols["bcr"]]
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
            for k in ("capex_gbp", "investment_mobilised_gbp", "pv_other_benefits_gbp"):
                cols[k] = col(k)
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
            "method_version": METHOD_VERSION, "project_count": len(self.ids),
            **{k: _clean(v) if isinstance(v, float) else v for k, v in self.totals().items()},
            "gap": self.gap(),
        }
        portfolio["vfm_category"] = vfm_category(portfolio["bcr"])
        return portfolio

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of FORMAT.md section 3 (keys there are never renamed)."""
        return {"portfolio": self.portfolio_record(), "projects": self.project_records()}
