"""The calculation core: method, assumption packs and the portfolio model.

Pure Python and numpy (with numpy-financial as the reference for financial
measures). Nothing here imports Qt or an Excel library, so the core runs
anywhere, headless, and is tested on its own.
"""
from .appraise import appraise_portfolio, blended_upper_bound, readiness_score
from .errors import InputError, Problem
from .pack import AssumptionPack, load_pack
from .portfolio import (CheckedPortfolio, Portfolio, PortfolioInputs, ProjectInputs, check_portfolio,
                        parse_portfolio, parse_project)
from .results import PortfolioResults, vfm_category

__all__ = [
    "AssumptionPack", "CheckedPortfolio", "InputError", "Portfolio", "PortfolioInputs", "PortfolioResults",
    "Problem", "ProjectInputs", "appraise_portfolio", "blended_upper_bound", "check_portfolio", "load_pack",
    "parse_portfolio", "parse_project", "readiness_score", "vfm_category",
]
