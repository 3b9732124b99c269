"""The one check of every number that enters the core, and strict JSON reading.

Every number a user or a pack gives (a portfolio file, a field typed in the
desktop application, a cell of a submission workbook, a cell of a pack's CSV
table) is read through :func:`check_number`: it must be a finite number, inside
the field's stated :class:`Range`, and either zero or at least
:data:`MIN_MAGNITUDE` in size. The ranges themselves are declared next to the
field definitions (``portfolio.FIELD_RANGES``, ``calculators.INPUT_RANGES``,
``pack.COLUMN_RANGES``) and listed in docs/FORMAT.md section 6.

Why a floor as well as a ceiling: with every input and every pack figure
between 1e-9 and its ceiling (at most 1e13), the products and ratios of the
method stay far inside the range of floating-point numbers (about 1e308), so
an appraisal of sound input can never overflow to infinity or NaN. A non-zero
amount smaller than a billionth (of a pound, a kWh, a share) is a typing or
export error, not a project: it is refused with the field named, not carried
into a blank result.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

MIN_MAGNITUDE = 1e-9


@dataclass(frozen=True)
class Range:
    """The values a numeric field may take: ``lo <= x <= hi`` (``lo < x`` when
    ``open_lo``), and a whole number when ``whole``."""

    lo: float
    hi: float
    unit: str = ""
    whole: bool = False
    open_lo: bool = False

    def words(self) -> str:
        """'0 to 10,000,000,000,000 GBP': the range as the documentation states it."""
        lo = f"above {fmt(self.lo)}" if self.open_lo else fmt(self.lo)
        return f"{lo} to {fmt(self.hi)}" + (f" {self.unit}" if self.unit else "")


def fmt(x: float) -> str:
    """A bound or a value in a message: 1e13 -> '1e+13', 0.035 -> '0.035', 2200 -> '2200'."""
    if not math.isfinite(x):
        return str(x)
    if float(x).is_integer() and abs(x) < 1e4:
        return f"{x:.0f}"          # a year or a count: 2026, not 2,026
    if float(x).is_integer() and abs(x) < 1e9:
        return f"{x:,.0f}"
    return f"{x:,.6g}"


def describe(v: Any) -> str:
    """A value in a message, briefly: what kind of thing was found where a number belongs."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, str):
        return f"text {v[:30]!r}"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    return type(v).__name__


def check_number(v: Any, rng: Range | None) -> tuple[float | None, str | None]:
    """``(value, None)`` when ``v`` is a sound number for a field of range ``rng``,
    else ``(None, message)`` with the message in words ("is 1e+400; ...").

    ``v`` may be an int or a float (JSON, Python callers, spreadsheet cells);
    text, true/false and anything else is refused: reading text is the caller's
    business (:mod:`appraisal.core.quantities`, the pack's CSV cells).
    """
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None, f"must be a number, not {describe(v)}"
    try:
        x = float(v)
    except OverflowError:
        return None, "is too large a number"
    if not math.isfinite(x):
        return None, "must be a finite number (not NaN or infinity)"
    if rng is None:
        return x, None
    if x < rng.lo or (rng.open_lo and x == rng.lo):
        return None, (f"is {fmt(x)}; it must be {'above' if rng.open_lo else 'at least'} "
                      f"{fmt(rng.lo)}")
    if x > rng.hi:
        return None, f"is {fmt(x)}; it must be at most {fmt(rng.hi)}"
    if x != 0 and abs(x) < MIN_MAGNITUDE:
        return None, (f"is {x:g}; a number other than 0 must be at least {MIN_MAGNITUDE:g} "
                      "in size (write 0 for none)")
    if rng.whole and not x.is_integer():
        return None, f"must be a whole number, not {fmt(x)}"
    return x, None


# ---------------------------------------------------------------------------
# Strict JSON: what the portfolio file and a pack's manifest are read with
# ---------------------------------------------------------------------------

class NotANumber:
    """Stands where a file had NaN or Infinity, which JSON does not allow."""

    def __init__(self, word: str) -> None:
        self.word = word

    def __repr__(self) -> str:
        return self.word


_LONE = re.compile(r"[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def has_lone_surrogate(text: str) -> bool:
    """A lone UTF-16 surrogate (``"\\ud800"`` in JSON): it cannot be written as UTF-8,
    so every output of the text would fail."""
    return _LONE.search(text) is not None


@dataclass(frozen=True)
class JsonFlaw:
    """Something JSON parsers accept that a portfolio must not hold, and where."""

    path: tuple[Any, ...]          # keys and list indices from the top: ("projects", 0, "capex", "2024")
    line: int            # 1-based line of the file
    message: str


def loads_strict(text: str) -> tuple[Any, list[JsonFlaw]]:
    """Parse JSON, and list every NaN/Infinity, duplicate key and lone surrogate with
    the path and line where it stands (raises ``ValueError``/``RecursionError`` for
    text that is not JSON at all, as :func:`json.loads` does).

    The fast C parser reads the text; only when it met one of these flaws is the
    text scanned again, token by token, to say where (a sound file costs nothing more).
    """
    flawed = [False]

    def constant(word: str) -> NotANumber:
        flawed[0] = True
        return NotANumber(word)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            flawed[0] = True
        return out

    data = json.loads(text, parse_constant=constant, object_pairs_hook=pairs)
    if flawed[0] or _SURROGATE_ESCAPE.search(text):
        return data, _locate_flaws(text)
    return data, []


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)


def _locate_flaws(text: str) -> list[JsonFlaw]:
    """Walk the tokens of (already parsed, so well-formed) JSON text, keeping the path."""
    flaws: list[JsonFlaw] = []
    # frames: [is_object, path, keys seen, current key or index, expecting a key]
    stack: list[list[Any]] = []
    line, pos = 1, 0

    def here() -> tuple[Any, ...]:
        if not stack:
            return ()
        top = stack[-1]
        path: tuple[Any, ...] = top[1] + (top[3],)
        return path

    for m in _TOKEN.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        tok = m.group()
        top = stack[-1] if stack else None
        if tok in "{[":
            stack.append([tok == "{", here(), set(), 0 if tok == "[" else None, tok == "{"])
        elif tok in "}]":
            stack.pop()
        elif tok == ":":
            top[4] = False   # type: ignore[index]
        elif tok == ",":
            if top[0]:   # type: ignore[index]
                top[4] = True   # type: ignore[index]
            else:
                top[3] += 1   # type: ignore[index]
        elif tok[0] == '"':
            value = json.loads(tok) if "\\" in tok else tok[1:-1]
            if top is not None and top[0] and top[4]:
                if value in top[2]:
                    flaws.append(JsonFlaw(top[1] + (value,), line,
                                          f"the key {value[:60]!r} appears twice in one object"))
                top[2].add(value)
                top[3] = value
                if has_lone_surrogate(value):
                    flaws.append(JsonFlaw(top[1] + (value,), line,
                                          "the key holds a lone surrogate (\\ud800 to \\udfff), "
                                          "which is not a character"))
            elif has_lone_surrogate(value):
                flaws.append(JsonFlaw(here(), line, "holds a lone surrogate (\\ud800 to "
                                      "\\udfff), which is not a character; retype the text"))
        elif tok in ("NaN", "Infinity", "-Infinity"):
            flaws.append(JsonFlaw(here(), line, f"is {tok}, which JSON does not allow; use a "
                                  "finite number or null"))
    return flaws
