"""Low-Carbon Appraisal: Green Book appraisal of low-carbon infrastructure pipelines.

The analyst's API (:mod:`appraisal.api`, pandas tables) is imported on first
use, so that ``import appraisal`` stays light for the command line:
``appraisal.appraise(path)``, ``appraisal.portfolio_from_frame(df)`` and
``appraisal.example_path()``.
"""

__version__ = "0.1.0"

_API = ("Appraisal", "UnknownColumnsWarning", "appraise", "example_path", "portfolio_from_frame")
__all__ = ["Appraisal", "UnknownColumnsWarning", "__version__", "appraise", "example_path",
           "portfolio_from_frame"]


def __getattr__(name: str):
    if name in _API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'appraisal' has no attribute {name!r}")
