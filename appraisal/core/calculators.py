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
from .limits import Range, check_number, describe

HEATING_FUELS = ("natural_gas", "heating_oil", "lpg", "grid_electricity")
VEHICLE_FUELS = ("petrol", "diesel")

# The one declaration of each calculator input's range (FORMAT.md 6). An
# electric vehicle uses 0.1 to 0.3 kWh a km and a bus or lorry about 1 to 1.5:
# below 0.01 the distance "driven" on each kWh, and the fuel it displaces,
# would be absurd (a thousandth of a kWh a km would make a charger displace a
# refinery's output).
INPUT_RANGES: dict[str, dict[str, Range]] = {
    "heat_pumps": {
        "installs": Range(0, 1e7, "count"),
        "heat_demand_kwh_per_install": Range(0, 1e7, "kWh of heat a year"),
        "displaced_efficiency": Range(0.1, 1.5, "fraction"),
        "scop": Range(0.5, 10, "kWh of heat per kWh"),
    },
    "ev_charging": {
        "chargers": Range(0, 1e7, "count"),
        "kwh_per_charger_per_year": Range(0, 1e9, "kWh a year"),
        "ev_kwh_per_km": Range(0.01, 5, "kWh per km"),
        "ice_litres_per_km": Range(0, 1, "litre per km"),
    },
}


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

    def number(self, name: str, *, default_key: str | None = None) -> float:
        """The input ``name``, or the pack's default for it, checked against
        :data:`INPUT_RANGES` (a default is checked too: a pack may be wrong)."""
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
        x, problem = check_number(v, INPUT_RANGES[self.calculator][name])
        if x is None:
            self.problems.append(Problem(problem or "is not a number", project=self.where,
                                         field=f"calculator.{name}"))
            return 0.0
        self.used[name] = x
        return x

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        v = self.given.get(name)
        if v is None:
            self.defaulted[name] = f"default: {default}"
            v = default
        elif v not in options:
            shown = repr(v[:40]) if isinstance(v, str) else describe(v)
            self.problems.append(Problem(f"{shown} is not one of {', '.join(options)}",
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
    installs = c.number("installs")
    demand = c.number("heat_demand_kwh_per_install")
    fuel = c.choice("displaced_fuel", HEATING_FUELS, "natural_gas")
    eff = c.number("displaced_efficiency", default_key=f"efficiency_{fuel}")
    scop = c.number("scop")
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
    chargers = c.number("chargers")
    kwh = c.number("kwh_per_charger_per_year")
    fuel = c.choice("displaced_fuel", VEHICLE_FUELS, "petrol")
    ev = c.number("ev_kwh_per_km")
    ice = c.number("ice_litres_per_km", default_key=f"{fuel}_litres_per_km")
    electricity = chargers * kwh
    km = electricity / ev if ev else 0.0
    return c.result({"grid_electricity": electricity, fuel: -km * ice})


CALCULATORS = {"heat_pumps": heat_pump_energy_changes, "ev_charging": ev_charging_energy_changes}


def run_calculator(spec: dict[str, Any], calculator_defaults: dict[str, Any], where: str = "") -> CalculatorResult:
    """Run the calculator a project's ``calculator`` object names by its ``type``."""
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in CALCULATORS:
        shown = repr(kind[:40]) if isinstance(kind, str) else describe(kind)
        raise InputError([Problem(f"{shown} is not a calculator (one of "
                                  f"{', '.join(CALCULATORS)})", project=where, field="calculator.type")])
    inputs = {k: v for k, v in spec.items() if k != "type"}
    return CALCULATORS[kind](inputs, calculator_defaults.get(kind, {}), where)
