"""The calculation core: method, assumption packs and the portfolio model.

Pure Python and numpy (with numpy-financial as the reference for financial
measures). Nothing here imports Qt or an Excel library, so the core runs
anywhere, headless, and is tested on its own.
"""
from .appraise import appraise_portfolio, blended_upper_bound, readiness_score
from .errors import InputError, Problem
from .pack import AssumptionPack, load_pack
from .portfolio import Portfolio, PortfolioInputs, ProjectInputs, parse_portfolio
from .results import PortfolioResults, vfm_category

__all__ = [
    "AssumptionPack", "InputError", "Portfolio", "PortfolioInputs", "PortfolioResults",
    "Problem", "ProjectInputs", "appraise_portfolio", "blended_upper_bound", "load_pack",
    "parse_portfolio", "readiness_score", "vfm_category",
]
