"""Numbers as people type them: the one reader of amounts, quantities and shares.

The desktop application's fields, the submission template's text cells and
the command line's money options all read what a person typed through these
functions, so that ``1.2m``, ``GBP 1.2m``, ``£30k``, ``300 MWh`` and ``70%``
mean the same everywhere.

Percentages follow one rule (issue 9): ``70`` and ``70%`` both mean 70%;
``150%`` means 1.5 (and a range check then says "150%", not "1.5"); a bare
number below 1 such as ``0.7`` is ambiguous (a spreadsheet user means 70%, a
reader of the field's "%" means 0.7%): :func:`parse_share` reads it as the
fraction 0.7 (70%) and says it was ambiguous, so that the caller shows the
reading back or asks before committing it.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

# multipliers people write after a number
SCALES = {"": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6,
          "bn": 1e9, "b": 1e9, "billion": 1e9}
# units of energy, to kWh; of volume, to litres
ENERGY_UNITS = {"wh": 1e-3, "kwh": 1.0, "mwh": 1e3, "gwh": 1e6, "twh": 1e9}
VOLUME_UNITS = {"l": 1.0, "litre": 1.0, "litres": 1.0, "liter": 1.0, "liters": 1.0,
                "megalitre": 1e6, "megalitres": 1e6}
MONEY_WORDS = ("gbp", "£", "pounds", "pound")
MAX_TEXT = 60

_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d{1,3}))?(.*)$")


@dataclass(frozen=True)
class ShareReading:
    """A share read from text: the fraction, and whether the text was a bare
    number below 1 that a person may have meant either way."""

    value: float
    ambiguous: bool = False
    alternative: float | None = None    # the other reading (0.7 typed: 0.007)

    def shown(self) -> str:
        """The reading in the words a field shows back: '70%'."""
        return format_percent(self.value)


def format_percent(fraction: float) -> str:
    """0.7 -> '70%', 0.035 -> '3.5%' (no float noise, no trailing zeros)."""
    return f"{fraction * 100:.6g}%"


def _clean(text: str) -> str:
    if not isinstance(text, str):
        raise ValueError("must be text")
    if len(text) > MAX_TEXT:
        raise ValueError(f"is {len(text)} characters long; type a number")
    t = text.strip().lower().replace("\u00a0", " ").replace("\u2212", "-")
    t = re.sub(r"(?<=\d)[,_](?=\d{3})", "", t)     # thousands separators
    return t


def _split(t: str) -> tuple[float, str]:
    """The number at the start of ``t`` (after any currency word) and the rest."""
    for word in MONEY_WORDS:
        if t.startswith(word):
            t = t[len(word):].strip()
            break
    t = t.replace(" ", "")
    m = _NUMBER.match(t)
    if not m:
        raise ValueError("is not a number")
    sign, digits, exp, rest = m.groups()
    x = float(f"{sign}{digits}" + (f"e{exp}" if exp else ""))
    if not math.isfinite(x):
        raise ValueError("is not a finite number")
    return x, rest


def parse_amount(text: str, unit: str = "GBP") -> float | None:
    """An amount typed by a person, in ``unit`` (``GBP``, ``kWh``, ``litre`` or
    ``number``); None for empty text.

    Money: ``1,200,000``, ``£30k``, ``GBP 1.2m``, ``1.5bn``, ``20m GBP``.
    Energy (to kWh): ``300 MWh``, ``0.3 GWh``, ``1.2m kWh``, ``500``.
    Volume (to litres): ``1,200 litres``, ``1.2m l``.

    Raises
    ------
    ValueError
        With a message a person can act on ("'3 apples' is not an amount of kWh").
    """
    t = _clean(text)
    if t == "":
        return None
    try:
        x, rest = _split(t)
        rest = rest.strip()
        for word in MONEY_WORDS:
            rest = rest.removesuffix(word).strip()
        units = {"kWh": ENERGY_UNITS, "litre": VOLUME_UNITS}.get(unit, {})
        scale = math.nan
        # "300mwh" is a unit; "1.2mkwh" a multiplier then a unit; "1.2m" a multiplier alone
        for word in sorted(SCALES, key=len, reverse=True):
            if rest.startswith(word):
                tail = rest[len(word):]
                if tail == "" or tail in units:
                    scale = SCALES[word] * (units[tail] if tail else 1.0)
                    break
        if rest in units:
            scale = units[rest]
        if math.isnan(scale):
            raise ValueError
    except ValueError:
        what = {"GBP": "an amount of GBP (e.g. 1,200,000, 1.2m or GBP 30k)",
                "kWh": "an amount of energy (e.g. 300000, 300 MWh or 0.3 GWh)",
                "litre": "a volume (e.g. 1,200 or 1,200 litres)",
                "number": "a number"}.get(unit, f"an amount in {unit}")
        raise ValueError(f"{text.strip()[:30]!r} is not {what}") from None
    value = x * scale
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()[:30]!r} is too large")
    return value


def parse_budget(text: str) -> float:
    """A budget of public money as people write it (``20m``, ``£20,000,000``,
    ``GBP 1.5bn``): :func:`parse_amount` in GBP, which must give an amount of zero or
    more. The one reader of the selection page's budget and ``appraisal select
    --budget``.

    Raises
    ------
    ValueError
        For empty text, text that is not an amount of GBP, or a negative amount.
    """
    value = parse_amount(text, "GBP")
    if value is None:
        raise ValueError("is empty: type an amount of GBP (e.g. 20m or 20,000,000)")
    if value < 0:
        raise ValueError(f"{text.strip()[:30]!r} is negative: a budget is zero or more")
    return value


def parse_share(text: str) -> ShareReading | None:
    """A percentage typed by a person, as a fraction; None for empty text.

    ``70`` and ``70%`` are 70% (0.7); ``3.5`` is 3.5%; ``150%`` is 1.5; a bare
    number below 1 (``0.7``) reads as the fraction itself (70%) and is flagged
    ``ambiguous``, with the other reading (0.7%) as ``alternative``. ``0`` is
    0%; a bare ``1`` is 1% like every bare number from 1 up.
    """
    t = _clean(text)
    if t == "":
        return None
    t = t.replace(" ", "")
    percent = t.endswith("%")
    if percent:
        t = t[:-1]
    elif t.endswith("percent"):
        t, percent = t[:-7], True
    m = _NUMBER.match(t)
    if not m or m.group(4):
        raise ValueError(f"{text.strip()[:30]!r} is not a percentage (type e.g. 70 or 70%)")
    x = float(t)
    if not math.isfinite(x):
        raise ValueError(f"{text.strip()[:30]!r} is not a finite percentage")
    if percent or abs(x) >= 1 or x == 0:
        return ShareReading(x / 100.0)
    return ShareReading(x, ambiguous=True, alternative=x / 100.0)


def share_of_cell(value: float) -> float:
    """A number from a spreadsheet cell meant as a share (the submission
    template's rule, the same as :func:`parse_share`'s): a percentage-formatted
    cell holds the fraction (0.7 for 70%, 1 for 100%); a number above 1 was
    typed as per cent into a plain cell (70 for 70%; 150 for 150%, which a range
    check then reports in per cent)."""
    if abs(value) > 1:
        return value / 100.0
    return value
