"""Figures as people read them: £1.2m, 2.31, 16,200 tCO2e; '–' when undefined."""
from __future__ import annotations

import math

DASH = "–"


def _ok(v) -> bool:
    return v is not None and not (isinstance(v, float) and not math.isfinite(v))


def money(v, short: bool = True) -> str:
    if not _ok(v):
        return DASH
    v = float(v)
    sign, a = ("-" if v < 0 else ""), abs(v)
    if short:
        if a >= 1e9:
            return f"{sign}£{a / 1e9:,.2f}bn"
        if a >= 1e6:
            return f"{sign}£{a / 1e6:,.2f}m"
        if a >= 1e4:
            return f"{sign}£{a / 1e3:,.0f}k"
    return f"{sign}£{a:,.0f}"


def number(v, places: int = 0, unit: str = "") -> str:
    if not _ok(v):
        return DASH
    return f"{float(v):,.{places}f}{(' ' + unit) if unit else ''}"


def ratio(v) -> str:
    return DASH if not _ok(v) else f"{float(v):.2f}"


def percent(v, places: int = 1) -> str:
    return DASH if not _ok(v) else f"{float(v) * 100:,.{places}f}%"


def year(v) -> str:
    return DASH if not _ok(v) else str(int(v))


VFM_COLOURS = {"very high": "#1E7B34", "high": "#3B8E3A", "medium": "#B58900",
               "low": "#C05A00", "poor": "#B00020", "very poor": "#7A0016"}


def vfm_badge(category: str | None) -> str:
    """The category in capitals: colour carries meaning only with the word."""
    return DASH if not category else category.upper()
