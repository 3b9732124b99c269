"""The calculation core: method, assumption packs and the portfolio model.

Pure Python and numpy (with numpy-financial as the reference for financial
measures). Nothing here imports Qt or an Excel library, so the core runs
anywhere, headless, and is tested on its own.
"""
from typing import Any

from .appraise import appraise_portfolio, blended_upper_bound, readiness_score
from .errors import InputError, Problem
from .pack import AssumptionPack, load_pack
from .portfolio import (CheckedPortfolio, Portfolio, PortfolioInputs, ProjectInputs, check_portfolio,
                        parse_portfolio, parse_project)
from .montecarlo import Outcome, SimulationSummary
from .results import PortfolioResults, vfm_category
from .sensitivity import SwitchingValue, Tornado, TornadoRow

__all__ = [
    "AssumptionPack", "CheckedPortfolio", "InputError", "Portfolio", "PortfolioInputs", "PortfolioResults",
    "Problem", "ProjectInputs", "appraise_portfolio", "blended_upper_bound", "check_portfolio", "load_pack",
    "parse_portfolio", "parse_project", "readiness_score", "vfm_category",
    # the analyses' typed results (the functions are in their modules, whose names they share:
    # appraisal.core.sensitivity.sensitivity, appraisal.core.montecarlo.simulate)
    "Outcome", "SimulationSummary", "SwitchingValue", "Tornado", "TornadoRow",
    "Selection", "BudgetCurve", "select_projects", "budget_curve",
]
# The selection needs scipy (its exact solver): imported when first asked for, so
# that the rest of the core loads without it.
_SELECTION = ("Selection", "BudgetCurve", "select_projects", "budget_curve")


def __getattr__(name: str) -> Any:
    if name in _SELECTION:
        from . import selection
        return getattr(selection, name)
    raise AttributeError(f"module 'appraisal.core' has no attribute {name!r}")
