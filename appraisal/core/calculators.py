"""Category calculators: everyday quantities turned into annual energy changes.

A promoter of a heat pump scheme knows how many homes it covers, not how many
kWh of gas it saves; an EV charging scheme knows its chargers and their
expected use. These functions turn such inputs into the ``energy_changes`` of
FORMAT.md section 1 (annual change in use of each fuel, negative = less used).
Every input left as ``None`` takes the default of the assumption pack's
``calculator_defaults.csv``, and the result says which defaults were used.

A project may carry its calculator inputs as ``"calculator": {"type":
"heat_pumps", ...}`` instead of ``energy_changes``; the portfolio parser then
derives the energy changes with these functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import InputError, Problem

HEATING_FUELS = ("natural_gas", "heating_oil", "lpg", "grid_electricity")
VEHICLE_FUELS = ("petrol", "diesel")


@dataclass(frozen=True)
class CalculatorResult:
    energy_changes: list[dict[str, Any]]     # FORMAT.md energy_changes items
    used: dict[str, float | str]             # every input, as given or defaulted
    defaulted: dict[str, str] = field(default_factory=dict)  # input -> source of the default


class _Inputs:
    """Reads inputs from a mapping, falling back to the pack's defaults."""

    def __init__(self, calculator: str, given: dict[str, Any], defaults: dict[str, Any], where: str) -> None:
        self.calculator, self.given, self.defaults, self.where = calculator, given, defaults, where
        self.used: dict[str, float | str] = {}
        self.defaulted: dict[str, str] = {}
        self.problems: list[Problem] = []

    def number(self, name: str, *, lo: float, hi: float, default_key: str | None = None,
               exclusive_lo: bool = False) -> float:
        v = self.given.get(name)
        if v is None:
            key = default_key or name
            if key not in self.defaults:
                self.problems.append(Problem("is needed: the assumption pack has no default for it",
                                             project=self.where, field=f"calculator.{name}"))
                return 0.0
            value, _unit, source = self.defaults[key]
            self.defaulted[name] = source
            v = value
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (
                float("inf"), float("-inf")):
            self.problems.append(Problem(f"must be a finite number, not {v!r}"[:80],
                                         project=self.where, field=f"calculator.{name}"))
            return 0.0
        v = float(v)
        if v < lo or v > hi or (exclusive_lo and v == lo):
            self.problems.append(Problem(f"is {v:g}; it must be {'above' if exclusive_lo else 'at least'} "
                                         f"{lo:g} and at most {hi:g}", project=self.where,
                                         field=f"calculator.{name}"))
        self.used[name] = v
        return v

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        v = self.given.get(name)
        if v is None:
            self.defaulted[name] = f"default: {default}"
            v = default
        elif v not in options:
            self.problems.append(Problem(f"{str(v)[:40]!r} is not one of {', '.join(options)}",
                                         project=self.where, field=f"calculator.{name}"))
            v = default
        self.used[name] = v
        return v

    def result(self, changes: dict[str, float]) -> CalculatorResult:
        if self.problems:
            raise InputError(self.problems)
        return CalculatorResult([{"fuel": f, "quantity_per_year": q} for f, q in changes.items() if q],
                                self.used, self.defaulted)


def heat_pump_energy_changes(inputs: dict[str, Any], defaults: dict[str, Any], where: str = "") -> CalculatorResult:
    """Annual fuel changes of replacing boilers or heaters with heat pumps.

    Parameters
    ----------
    inputs : dict
        ``installs`` [count], ``heat_demand_kwh_per_install`` [kWh of heat a
        year], ``displaced_fuel`` (natural_gas, heating_oil, lpg or
        grid_electricity), ``displaced_efficiency`` [fraction],
        ``scop`` [kWh of heat per kWh of electricity].
    defaults : dict
        The pack's ``calculator_defaults["heat_pumps"]``.

    Notes
    -----
    ``displaced fuel = -installs * demand / efficiency`` and
    ``electricity = +installs * demand / SCOP``; when the displaced heating
    was electric the two are netted.
    """
    c = _Inputs("heat_pumps", inputs, defaults, where)
    installs = c.number("installs", lo=0, hi=1e7)
    demand = c.number("heat_demand_kwh_per_install", lo=0, hi=1e7)
    fuel = c.choice("displaced_fuel", HEATING_FUELS, "natural_gas")
    eff = c.number("displaced_efficiency", lo=0.1, hi=1.5, default_key=f"efficiency_{fuel}")
    scop = c.number("scop", lo=0.5, hi=10)
    heat = installs * demand
    changes = {fuel: -heat / eff if eff else 0.0}
    changes["grid_electricity"] = changes.get("grid_electricity", 0.0) + (heat / scop if scop else 0.0)
    return c.result(changes)


def ev_charging_energy_changes(inputs: dict[str, Any], defaults: dict[str, Any], where: str = "") -> CalculatorResult:
    """Annual fuel changes of public chargers whose energy replaces petrol or diesel.

    Parameters
    ----------
    inputs : dict
        ``chargers`` [count], ``kwh_per_charger_per_year`` [kWh a year],
        ``displaced_fuel`` (petrol or diesel), ``ev_kwh_per_km`` [kWh per km],
        ``ice_litres_per_km`` [litre per km of the displaced car].
    defaults : dict
        The pack's ``calculator_defaults["ev_charging"]``.

    Notes
    -----
    ``electricity = +chargers * kWh``; the distance it powers,
    ``kWh / ev_kwh_per_km``, would otherwise have burnt
    ``distance * ice_litres_per_km`` of the displaced fuel. It assumes every
    kilometre charged replaces one driven in a combustion car.
    """
    c = _Inputs("ev_charging", inputs, defaults, where)
    chargers = c.number("chargers", lo=0, hi=1e7)
    kwh = c.number("kwh_per_charger_per_year", lo=0, hi=1e9)
    fuel = c.choice("displaced_fuel", VEHICLE_FUELS, "petrol")
    ev = c.number("ev_kwh_per_km", lo=0.0, hi=5, exclusive_lo=True)
    ice = c.number("ice_litres_per_km", lo=0, hi=1, default_key=f"{fuel}_litres_per_km")
    electricity = chargers * kwh
    km = electricity / ev if ev else 0.0
    return c.result({"grid_electricity": electricity, fuel: -km * ice})


CALCULATORS = {"heat_pumps": heat_pump_energy_changes, "ev_charging": ev_charging_energy_changes}


def run_calculator(spec: dict[str, Any], calculator_defaults: dict[str, Any], where: str = "") -> CalculatorResult:
    """Run the calculator a project's ``calculator`` object names by its ``type``."""
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in CALCULATORS:
        raise InputError([Problem(f"{str(kind)[:40]!r} is not a calculator (one of "
                                  f"{', '.join(CALCULATORS)})", project=where, field="calculator.type")])
    inputs = {k: v for k, v in spec.items() if k != "type"}
    return CALCULATORS[kind](inputs, calculator_defaults.get(kind, {}), where)
