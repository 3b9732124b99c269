"""A scripted attack corpus (issue 11): hostile files and arguments against every subcommand.

Each attack is a file or arguments, the exit status class it must give and what its
message must name. Every attack runs as ``python -m appraisal`` in a subprocess
(from the worktree root, with a timeout), and every one is checked the same way:

- exit 2 (bad input): stderr names the file (and the field or cell when given);
- exit 0 (sound odd input): results with no NaN or infinity;
- exit 1 (an environment failure): a message naming the file;
- never a traceback, "internal error", NaN or infinity, and nothing half-written
  (an output path is either absent after a refusal or a whole file).

The attacks run together in a thread pool (a module fixture), so the corpus costs
a little more than its slowest subprocess times the count over the workers.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "west-midlands-pipeline.json"
PACK = ROOT / "resources" / "packs" / "uk-default"
SUBMISSION = ROOT / "tests" / "data" / "submission-v1" / "SCH-101.xlsx"
TIMEOUT = 120
NAN_OR_INF = re.compile(r"(?i)(?<![a-z])(nan|inf|infinity)(?![a-z])")


@dataclass
class Attack:
    name: str
    make: Callable[[Path], list[str]]        # builds its files in a folder, returns the arguments
    expect: int | tuple[int, ...]            # allowed exit statuses
    names: tuple[str, ...] = ()              # what stderr must contain (file, project, field)
    output: str | None = None                # an output file to check (whole or absent)
    check: Callable[[Path, str, str], None] | None = None   # further checks (folder, out, err)
    result: dict = field(default_factory=dict)


ATTACKS: list[Attack] = []


def attack(name, expect, names=(), output=None, check=None):
    def register(make):
        ATTACKS.append(Attack(name, make, expect, tuple(names), output, check))
        return make
    return register


# ---------------------------------------------------------------------------
# Building hostile portfolios
# ---------------------------------------------------------------------------

def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def write_json(folder: Path, name: str, data, **kw) -> str:
    path = folder / name
    path.write_text(json.dumps(data, **kw), encoding="utf-8")
    return str(path)


def write_bytes(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def mutated(folder: Path, name: str, change: Callable[[dict], None]) -> str:
    data = example()
    change(data)
    return write_json(folder, name, data, ensure_ascii=False)


def raw_mutated(folder: Path, name: str, old: str, new: str) -> str:
    """The example's text with one piece replaced (for what json.dumps cannot write)."""
    text = json.dumps(example(), ensure_ascii=False)
    assert old in text, old
    return write_bytes(folder, name, text.replace(old, new, 1).encode("utf-8", "surrogatepass"))


def first(data: dict) -> dict:
    return data["projects"][0]


def project(data: dict, pid: str) -> dict:
    return next(p for p in data["projects"] if p["id"] == pid)


# every subcommand that reads one portfolio, with the arguments it needs
READERS = {
    "appraise": [],
    "export": ["-o", "{dir}/out.xlsx"],
    "select": ["--budget", "20m"],
    "sensitivity": [],
    "montecarlo": ["--draws", "200"],
    "track": [],
}


def run_on(command: str, path: str, folder: Path) -> list[str]:
    return [command, path] + [a.replace("{dir}", str(folder)) for a in READERS[command]]


# --- broken files, every reader ---------------------------------------------

for _cmd in READERS:
    attack(f"{_cmd}-not-json", 2, ["bad.json"])(
        lambda d, c=_cmd: run_on(c, write_bytes(d, "bad.json", b"hello, not json"), d))
    attack(f"{_cmd}-nan-capex", 2, ["nan.json", "HP-001", "capex"])(
        lambda d, c=_cmd: run_on(c, raw_mutated(d, "nan.json", '"2027": 2600000', '"2027": NaN'), d))
    attack(f"{_cmd}-ids-differ-in-case", 2, ["case.json", "hp-001"])(
        lambda d, c=_cmd: run_on(c, mutated(d, "case.json", lambda x: x["projects"][1].update(id="hp-001")), d))
    attack(f"{_cmd}-missing-file", 2, ["absent.json"])(
        lambda d, c=_cmd: run_on(c, str(d / "absent.json"), d))

attack("diff-not-json", 2, ["bad.json"])(
    lambda d: ["diff", write_bytes(d, "bad.json", b"{"), str(EXAMPLE)])
attack("diff-nan-b", 2, ["nan.json", "capex"])(
    lambda d: ["diff", str(EXAMPLE), raw_mutated(d, "nan.json", '"2027": 2600000', '"2027": NaN')])
attack("diff-dup-case", 2, ["case.json", "hp-001"])(
    lambda d: ["diff", str(EXAMPLE), mutated(d, "case.json", lambda x: x["projects"][1].update(id="hp-001"))])
attack("diff-equal", 0)(lambda d: ["diff", str(EXAMPLE), str(EXAMPLE)])
attack("diff-xlsx-not-workbook", 2, ["fake.xlsx"])(
    lambda d: ["diff", str(EXAMPLE), write_bytes(d, "fake.xlsx", b"not a zip")])
attack("diff-format-xlsx-no-output", 2, ["-o"])(
    lambda d: ["diff", str(EXAMPLE), str(EXAMPLE), "--format", "xlsx"])

# --- the shape of the file --------------------------------------------------

_SHAPES = {
    "empty-file": b"",
    "only-spaces": b"   \n\t ",
    "list-at-top": b"[]",
    "number-at-top": b"42",
    "null-at-top": b"null",
    "empty-object": b"{}",
    "deeply-nested": b"[" * 100_000 + b"]" * 100_000,
    "deeply-nested-object": b'{"projects": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
    "truncated": json.dumps(example()).encode()[:5000],
    "binary": bytes(range(256)) * 4,
    "utf16": json.dumps(example()).encode("utf-16"),
    "latin1-name": json.dumps(example(), ensure_ascii=False).replace(
        "Birmingham", "Bírmingham", 1).encode("latin-1", "replace"),
    "nul-bytes": b'{"projects": []\x00}',
}
for _name, _data in _SHAPES.items():
    attack(f"appraise-{_name}", 2, ["shape.json"])(
        lambda d, b=_data: ["appraise", write_bytes(d, "shape.json", b)])

attack("appraise-bom", (0, 2), ["bom.json"])(
    lambda d: ["appraise", write_bytes(d, "bom.json", codecs.BOM_UTF8 + EXAMPLE.read_bytes())])
attack("appraise-missing-projects", 2, ["nop.json", "projects"])(
    lambda d: ["appraise", mutated(d, "nop.json", lambda x: x.pop("projects"))])
attack("appraise-projects-dict", 2, ["pd.json", "projects"])(
    lambda d: ["appraise", mutated(d, "pd.json", lambda x: x.update(projects={"a": 1}))])
attack("appraise-project-is-number", 2, ["pn.json", "project #13"])(
    lambda d: ["appraise", mutated(d, "pn.json", lambda x: x["projects"].append(5))])
attack("appraise-duplicate-key-top", 2, ["dk.json", "name"])(
    lambda d: ["appraise", raw_mutated(d, "dk.json", '"name": "West', '"name": "x", "name": "West')])
attack("appraise-duplicate-key-project", 2, ["dkp.json", "lifetime_years"])(
    lambda d: ["appraise", raw_mutated(d, "dkp.json", '"lifetime_years": 20',
                                       '"lifetime_years": 20, "lifetime_years": 30')])
attack("appraise-dup-ids-exact", 2, ["dup.json", "HP-001"])(
    lambda d: ["appraise", mutated(d, "dup.json", lambda x: x["projects"][1].update(id="HP-001"))])
attack("appraise-huge-portfolio", 0)(   # 600 projects: sound, if large
    lambda d: ["appraise", mutated(d, "big.json", lambda x: x.update(projects=[
        dict(p, id=f"{p['id']}-{i}") for i in range(50) for p in x["projects"]])), "--format", "json"])
attack("appraise-wrong-format-version", 2, ["v.json", "version"])(
    lambda d: ["appraise", mutated(d, "v.json", lambda x: x.update(version=99))])
attack("appraise-format-not-ours", 2, ["f.json", "format"])(
    lambda d: ["appraise", mutated(d, "f.json", lambda x: x.update(format="something-else"))])

# --- numbers ----------------------------------------------------------------

_NUMBERS = [
    ("nan-lifetime", '"lifetime_years": 20', '"lifetime_years": NaN', "lifetime_years"),
    ("infinity-opex", '"opex_per_year": 24000', '"opex_per_year": Infinity', "opex_per_year"),
    ("minus-infinity-opex", '"opex_per_year": 24000', '"opex_per_year": -Infinity', "opex_per_year"),
    ("1e400-capex", '"2027": 2600000', '"2027": 1e400', "capex"),
    ("10pow400-capex", '"2027": 2600000', '"2027": 1' + "0" * 400, "capex"),
    ("tiny-capex", '"2027": 2600000', '"2027": 1e-300', "capex"),
    ("1e400-share", '"public_funding_share": 0.5', '"public_funding_share": 1e400', "public_funding_share"),
    ("negative-lifetime", '"lifetime_years": 20', '"lifetime_years": -20', "lifetime_years"),
    ("huge-lifetime", '"lifetime_years": 20', '"lifetime_years": 100000', "lifetime_years"),
    ("fractional-lifetime", '"lifetime_years": 20', '"lifetime_years": 20.5', "lifetime_years"),
    ("share-above-one", '"public_funding_share": 0.5', '"public_funding_share": 1.5', "public_funding_share"),
    ("capex-year-text", '"2027": 2600000', '"twenty": 2600000', "capex"),
    ("capex-year-huge", '"2027": 2600000', '"99999": 2600000', "capex"),
    ("quantity-1e400", '"quantity_per_year": -4000000', '"quantity_per_year": -1e400', "quantity_per_year"),
    ("appraisal-year-1e9", '"appraisal_year": 2026', '"appraisal_year": 1000000000', "appraisal_year"),
    ("appraisal-year-float", '"appraisal_year": 2026', '"appraisal_year": 2026.5', "appraisal_year"),
    ("discount-rate-nan", '"financial_discount_rate": 0.035', '"financial_discount_rate": NaN',
     "financial_discount_rate"),
    ("months-negative", '"months_to_start": 3', '"months_to_start": -3', "months_to_start"),
]
for _name, _old, _new, _field in _NUMBERS:
    attack(f"appraise-{_name}", 2, ["num.json", _field])(
        lambda d, o=_old, n=_new: ["appraise", raw_mutated(d, "num.json", o, n)])

attack("appraise-negative-zero", 0)(
    lambda d: ["appraise", raw_mutated(d, "z.json", '"opex_per_year": 24000', '"opex_per_year": -0.0')])
attack("appraise-negative-zero-table-no-minus-zero", 0,
       check=lambda d, out, err: _no_negative_zero(out))(
    lambda d: ["appraise", raw_mutated(d, "z2.json", '"operational_fte": 3', '"operational_fte": -0')])

# --- wrong types, nested ------------------------------------------------------

_TYPES = [
    ("capex-text", lambda p: p.update(capex="lots"), "capex"),
    ("capex-list", lambda p: p.update(capex=[1, 2]), "capex"),
    ("capex-value-text", lambda p: p.update(capex={"2027": "2.6m"}), "capex"),
    ("capex-value-bool", lambda p: p.update(capex={"2027": True}), "capex"),
    ("lifetime-text", lambda p: p.update(lifetime_years="20"), "lifetime_years"),
    ("lifetime-null", lambda p: p.update(lifetime_years=None), "lifetime_years"),
    ("name-number", lambda p: p.update(name=5), "name"),
    ("name-list", lambda p: p.update(name=["a"]), "name"),
    ("id-number", lambda p: p.update(id=7), "id"),
    ("id-empty", lambda p: p.update(id=""), "id"),
    ("category-unknown", lambda p: p.update(category="perpetual_motion"), "category"),
    ("category-dict", lambda p: p.update(category={"a": 1}), "category"),
    ("readiness-list", lambda p: p.update(readiness=[1]), "readiness"),
    ("readiness-flag-text", lambda p: p["readiness"].update(planning_consent="maybe"), "planning_consent"),
    ("additionality-text", lambda p: p["additionality"].update(deadweight="x"), "deadweight"),
    ("additionality-above-one", lambda p: p["additionality"].update(leakage=3), "leakage"),
    ("energy-changes-dict", lambda p: p.update(energy_changes={"fuel": "x"}), "energy_changes"),
    ("energy-change-number", lambda p: p.update(energy_changes=[5]), "energy_changes"),
    ("energy-fuel-unknown", lambda p: p["energy_changes"][0].update(fuel="unobtainium"), "fuel"),
    ("energy-fuel-number", lambda p: p["energy_changes"][0].update(fuel=5), "fuel"),
    ("energy-quantity-text", lambda p: p["energy_changes"][0].update(quantity_per_year="-4m"),
     "quantity_per_year"),
    ("other-benefit-text", lambda p: p.update(other_benefits=[{"label": "x", "kind": "economic",
                                                                "per_year": "a"}]), "per_year"),
    ("other-benefit-kind", lambda p: p.update(other_benefits=[{"label": "x", "kind": "magic",
                                                                "per_year": 5}]), "kind"),
    ("bill-savings-text", lambda p: p.update(bill_savings_to_promoter="no"), "bill_savings_to_promoter"),
    ("operating-start-text", lambda p: p.update(operating_start="soon"), "operating_start"),
    ("counterfactual-capex-text", lambda p: p.update(counterfactual_capex="x"), "counterfactual_capex"),
    ("ob-project-type-bad", lambda p: p.update(ob_project_type={"standard_buildings": "x"}), "ob_project_type"),
    ("calculator-string", lambda p: p.update(calculator="heat pumps"), "calculator"),
    ("calculator-type-bad", lambda p: p.update(calculator={"type": "fusion"}), "calculator"),
    ("calculator-scop-zero", lambda p: p.update(energy_changes=[], calculator={
        "type": "heat_pumps", "installs": 400, "scop": 0}), "scop"),
    ("calculator-installs-huge", lambda p: p.update(energy_changes=[], calculator={
        "type": "heat_pumps", "installs": 1e300}), "installs"),
    ("calculator-installs-text", lambda p: p.update(energy_changes=[], calculator={
        "type": "heat_pumps", "installs": "400"}), "installs"),
    ("calculator-ev-tiny", lambda p: p.update(energy_changes=[], calculator={
        "type": "ev_charging", "chargers": 10, "ev_kwh_per_km": 1e-300}), "ev_kwh_per_km"),
    ("calculator-extreme-product", lambda p: p.update(energy_changes=[], calculator={
        "type": "heat_pumps", "installs": 1e7, "heat_demand_kwh_per_install": 1e7,
        "scop": 0.5, "displaced_efficiency": 1.5}), "calculator"),
]
for _name, _change, _field in _TYPES:   # an ID that is not one is named by position
    attack(f"appraise-{_name}", 2, ["t.json", "project #1" if _name.startswith("id-") else "HP-001", _field])(
        lambda d, c=_change: ["appraise", mutated(d, "t.json", lambda x: c(first(x)))])

attack("appraise-settings-carbon-bogus", 2, ["s.json", "carbon_series"])(
    lambda d: ["appraise", mutated(d, "s.json", lambda x: x.update(carbon_series="bogus"))])
attack("appraise-settings-appraisal-year-text", 2, ["s.json", "appraisal_year"])(
    lambda d: ["appraise", mutated(d, "s.json", lambda x: x.update(appraisal_year="2026"))])
attack("appraise-calculator-sound", 0)(
    lambda d: ["appraise", mutated(d, "calc.json", lambda x: first(x).update(
        energy_changes=[], calculator={"type": "heat_pumps", "installs": 400}))])

# --- hostile text ---------------------------------------------------------------

def _terminal_clean(d: Path, out: str, err: str) -> None:
    assert "\x1b" not in out and "\x1b" not in err, "an escape sequence reached the terminal"
    assert "\u202e" not in out and "\u202e" not in err


def _no_negative_zero(out: str) -> None:
    assert not re.search(r"(?<![\w.])-0(\.0+)?(?![\d.])", out), "a -0 was shown"


_TEXTS = {
    "ansi-name": "\x1b[31mRED\x1b[0m\x1b]0;title\x07",
    "bidi-name": "abc\u202edcba",
    "control-name": "a\x0bb\x07c\x00d",
    "cr-name": "a\r=cmd|' /C calc'!A0",
    "emoji-name": "Heat pumps \U0001F525",
    "long-name": "N" * 100_000,
}
for _name, _text in _TEXTS.items():
    attack(f"appraise-{_name}", (0, 2), ["t.json"], check=_terminal_clean)(
        lambda d, t=_text: ["appraise", mutated(d, "t.json", lambda x: first(x).update(name=t))])

attack("appraise-surrogate-name", (0, 2), ["sur.json"], check=_terminal_clean)(
    lambda d: ["appraise", raw_mutated(d, "sur.json", '"Council housing air', '"\\ud800Council housing air')])
attack("appraise-surrogate-name-json", (0, 2), ["sur.json"])(
    lambda d: ["appraise", raw_mutated(d, "sur.json", '"Council housing air', '"\\udfffCouncil housing air'),
               "--format", "json"])
attack("appraise-surrogate-id", (0, 2), ["sid.json"], check=_terminal_clean)(
    lambda d: ["appraise", raw_mutated(d, "sid.json", '"HP-001"', '"HP-\\ud800"'), "--format", "csv"])
attack("appraise-ansi-id", (0, 2), ["aid.json"], check=_terminal_clean)(
    lambda d: ["appraise", mutated(d, "aid.json", lambda x: first(x).update(id="\x1b[2JHP"))])
attack("appraise-megabyte-id", 2, ["mb.json"],
       check=lambda d, out, err: _short(err))(
    lambda d: ["appraise", mutated(d, "mb.json", lambda x: first(x).update(id="I" * 1_000_000))])
attack("appraise-megabyte-id-duplicated", 2, ["mb2.json"],
       check=lambda d, out, err: _short(err))(
    lambda d: ["appraise", mutated(d, "mb2.json", lambda x: [p.update(id="I" * 1_000_000)
                                                             for p in x["projects"][:2]])])
attack("export-control-id", (0, 2), ["cid.json"], output="out.xlsx")(
    lambda d: ["export", mutated(d, "cid.json", lambda x: first(x).update(id="HP\x0b001", name="a\x0bb")),
               "-o", str(d / "out.xlsx")])
attack("export-ampersand-g-id", 0, output="out.xlsx")(
    lambda d: ["export", mutated(d, "amp.json", lambda x: first(x).update(id="HP&G1", name="&G&P&D")),
               "-o", str(d / "out.xlsx")])


def _short(err: str) -> None:
    assert len(err) < 20_000, f"stderr is {len(err):,} characters: a huge value was echoed"


# --- delivery (baselines and actuals) ---------------------------------------

_DELIVERY = [
    ("baselines-dict", lambda p: p.update(baselines={"a": 1}), "baselines"),
    ("baseline-number", lambda p: p.update(baselines=[5]), "baselines"),
    ("baseline-approved-text", lambda p: p["baselines"][0].update(approved="yes"), "approved"),
    ("baseline-date-bogus", lambda p: p["baselines"][0].update(date="yesterday"), "date"),
    ("baseline-project-missing", lambda p: p["baselines"][0].pop("project"), "project"),
    ("baseline-project-nan", lambda p: p["baselines"][0]["project"].update(lifetime_years=float("nan")),
     "lifetime_years"),
    ("actuals-dict", lambda p: p.update(actuals={"year": 2027}), "actuals"),
    ("actual-date-bogus", lambda p: p["actuals"][0].update(date="31/02/2028"), "date"),
    ("actual-capex-text", lambda p: p["actuals"][0].update(capex_gbp="lots"), "capex_gbp"),
    ("actual-capex-nan", lambda p: p["actuals"][0].update(capex_gbp=float("nan")), "capex_gbp"),
    ("actual-capex-inf", lambda p: p["actuals"][0].update(capex_gbp=float("inf")), "capex_gbp"),
    ("actual-year-huge", lambda p: p["actuals"][0].update(year=10 ** 9), "year"),
    ("actual-quarter-bad", lambda p: p["actuals"][0].update(quarter=7), "quarter"),
    ("actual-works-start-bogus", lambda p: p["actuals"][0].update(works_start="soon"), "works_start"),
    ("actual-jobs-negative", lambda p: p["actuals"][1].update(jobs_fte=-5), "jobs_fte"),
]
for _name, _change, _field in _DELIVERY:
    attack(f"track-{_name}", 2, ["dl.json", "GRN-007", _field])(
        lambda d, c=_change: ["track", mutated(d, "dl.json", lambda x: c(project(x, "GRN-007")))])
attack("track-as-of-bogus", 2, ["--as-of"])(lambda d: ["track", "--example", "--as-of", "bogus"])
attack("track-as-of-far-past", (0, 2))(lambda d: ["track", "--example", "--as-of", "1900-01-01"])
attack("track-calibration-csv", 0)(lambda d: ["track", "--example", "--calibration", "--format", "csv"])

# ---------------------------------------------------------------------------
# Hostile packs
# ---------------------------------------------------------------------------


def pack_copy(folder: Path, change: Callable[[Path], None] | None = None) -> str:
    target = folder / "pack"
    shutil.copytree(PACK, target)
    if change is not None:
        change(target)
    return str(target)


def edit_csv(name: str, edit: Callable[[str], str], encoding: str = "utf-8"):
    def change(pack: Path) -> None:
        path = pack / name
        path.write_bytes(edit(path.read_text(encoding="utf-8")).encode(encoding, "replace"))
    return change


def _first_number(text: str, new: str) -> str:
    """Replace the first number on the first data row's last numeric cell."""
    lines = text.splitlines()
    header = lines[0].split(",")
    row = next(csv.reader([lines[1]]))
    for i in range(len(row) - 1, -1, -1):
        try:
            float(row[i])
        except ValueError:
            continue
        row[i] = new
        break
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    return "\n".join([",".join(header), buf.getvalue().rstrip("\n")] + lines[2:]) + "\n"


_PACK_ATTACKS = [
    ("missing-folder", None, 2, "nowhere"),
    ("carbon-nan", edit_csv("carbon_values.csv", lambda t: _first_number(t, "nan")), 2, "carbon_values.csv"),
    ("carbon-1e308", edit_csv("carbon_values.csv", lambda t: _first_number(t, "1e308")), 2, "carbon_values.csv"),
    ("carbon-1e400", edit_csv("carbon_values.csv", lambda t: _first_number(t, "1e400")), 2, "carbon_values.csv"),
    ("deflator-zero", edit_csv("gdp_deflator.csv", lambda t: _first_number(t, "0")), 2, "gdp_deflator.csv"),
    ("emission-text", edit_csv("emission_factors.csv", lambda t: _first_number(t, "lots")), 2,
     "emission_factors.csv"),
    ("energy-price-inf", edit_csv("energy_prices.csv", lambda t: _first_number(t, "inf")), 2,
     "energy_prices.csv"),
    ("discount-rate-1e308", edit_csv("discount_schedules.csv", lambda t: _first_number(t, "1e308")), 2,
     "discount_schedules.csv"),
    ("duplicate-column", edit_csv("carbon_values.csv", lambda t: t.replace(
        t.splitlines()[0], t.splitlines()[0] + "," + t.splitlines()[0].split(",")[0], 1)), 2,
     "carbon_values.csv"),
    ("empty-csv", edit_csv("carbon_values.csv", lambda t: ""), 2, "carbon_values.csv"),
    ("header-only-csv", edit_csv("carbon_values.csv", lambda t: t.splitlines()[0] + "\n"), 2,
     "carbon_values.csv"),
    ("utf16-csv", edit_csv("categories.csv", lambda t: t, "utf-16"), 2, "categories.csv"),
    ("binary-csv", lambda p: (p / "parameters.csv").write_bytes(bytes(range(256)) * 10), 2, "parameters.csv"),
    ("huge-row", edit_csv("categories.csv", lambda t: t.rstrip("\n") + "," + "x" * 2_000_000 + "\n"), 2,
     "categories.csv"),
    ("missing-csv", lambda p: (p / "carbon_values.csv").unlink(), 2, "carbon_values.csv"),
    ("csv-is-folder", lambda p: ((p / "carbon_values.csv").unlink(), (p / "carbon_values.csv").mkdir()), 2,
     "carbon_values.csv"),
    ("pack-json-broken", lambda p: (p / "pack.json").write_text("{"), 2, "pack.json"),
    ("pack-json-list", lambda p: (p / "pack.json").write_text("[]"), 2, "pack.json"),
    ("pack-json-missing", lambda p: (p / "pack.json").unlink(), 2, "pack"),
]
for _name, _change, _code, _name_in_err in _PACK_ATTACKS:
    if _change is None:
        attack(f"pack-{_name}", _code, [_name_in_err])(
            lambda d: ["appraise", "--example", "--assumptions", str(d / "nowhere")])
    else:
        attack(f"pack-{_name}", _code, [_name_in_err])(
            lambda d, c=_change: ["appraise", "--example", "--assumptions", pack_copy(d, c)])

attack("pack-bom-csv", (0, 2), ["categories.csv"])(
    lambda d: ["appraise", "--example", "--assumptions", pack_copy(d, lambda p: (p / "categories.csv").write_bytes(
        codecs.BOM_UTF8 + (p / "categories.csv").read_bytes()))])
attack("pack-latin1-csv", (0, 2), ["categories.csv"])(
    lambda d: ["appraise", "--example", "--assumptions", pack_copy(d, edit_csv(
        "categories.csv", lambda t: t.replace("Heat pumps", "Heat pümps", 1), "latin-1"))])
attack("pack-is-a-file", 2, ["west-midlands-pipeline.json", "not a folder"])(
    lambda d: ["appraise", "--example", "--assumptions", str(EXAMPLE)])
attack("pack-nan-template", 2, ["carbon_values.csv"])(
    lambda d: ["template", "-o", str(d / "t.xlsx"), "--assumptions",
               pack_copy(d, edit_csv("carbon_values.csv", lambda t: _first_number(t, "nan")))])
attack("pack-id-formula-csv", 0,
       check=lambda d, out, err: _csv_safe(out))(
    lambda d: ["appraise", "--example", "--format", "csv", "--assumptions", pack_copy(d, lambda p: (
        p / "pack.json").write_text(json.dumps(dict(json.loads((p / "pack.json").read_text()),
                                                    id="=HYPERLINK(\"http://x\")",
                                                    vintage="+1-1"))))])

# ---------------------------------------------------------------------------
# Hostile workbooks
# ---------------------------------------------------------------------------


def zip_with(folder: Path, name: str, source: Path, extra: dict[str, bytes] | None = None,
             replace: dict[str, Callable[[bytes], bytes]] | None = None) -> str:
    out = folder / name
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if replace and info.filename in replace:
                data = replace[info.filename](data)
            dst.writestr(info, data)
        for part, data in (extra or {}).items():
            dst.writestr(part, data)
    return str(out)


def zip_bomb(folder: Path) -> str:
    out = folder / "bomb.xlsx"
    with zipfile.ZipFile(SUBMISSION) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet2.xml":   # the Project sheet, 60 MB of it
                dst.writestr(info.filename, b"<" + b"a" * 60_000_000 + b">")
            else:
                dst.writestr(info, src.read(info))
    return str(out)


def edited_submission(folder: Path, name: str, edit: Callable) -> str:
    import openpyxl
    wb = openpyxl.load_workbook(SUBMISSION)
    edit(wb)
    out = folder / name
    wb.save(out)
    return str(out)


def imp(book: str, folder: Path, *extra: str) -> list[str]:
    return ["import", book, "-o", str(folder / "imported.json"), "--appraisal-year", "2026", *extra]


attack("import-not-a-zip", 2, ["fake.xlsx"], output="imported.json")(
    lambda d: imp(write_bytes(d, "fake.xlsx", b"PK\x03\x04 but not really"), d))
attack("import-text-file", 2, ["notes.xlsx"], output="imported.json")(
    lambda d: imp(write_bytes(d, "notes.xlsx", b"id,name\nA,B\n"), d))
attack("import-empty-file", 2, ["empty.xlsx"], output="imported.json")(
    lambda d: imp(write_bytes(d, "empty.xlsx", b""), d))
attack("import-zip-bomb", 2, ["bomb.xlsx"], output="imported.json")(lambda d: imp(zip_bomb(d), d))
attack("import-xlsx-renamed-txt", (0, 2), ["book.txt"], output="imported.json")(   # read by content
    lambda d: imp(str(shutil.copy(SUBMISSION, d / "book.txt")), d))
attack("import-missing-book", 2, ["absent.xlsx"], output="imported.json")(
    lambda d: imp(str(d / "absent.xlsx"), d))
attack("import-empty-folder", 2, ["empty-folder"], output="imported.json")(
    lambda d: ((d / "empty-folder").mkdir(), imp(str(d / "empty-folder"), d))[1])
attack("import-macros", (0, 2), ["macro.xlsx"], output="imported.json")(
    lambda d: imp(zip_with(d, "macro.xlsx", SUBMISSION, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" * 100}), d))
attack("import-external-link", (0, 2), ["link.xlsx"], output="imported.json")(
    lambda d: imp(zip_with(d, "link.xlsx", SUBMISSION, {
        "xl/externalLinks/externalLink1.xml": b'<?xml version="1.0"?><externalLink xmlns='
        b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook/></externalLink>',
        "xl/externalLinks/_rels/externalLink1.xml.rels": b'<?xml version="1.0"?><Relationships xmlns='
        b'"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        b'Target="file:///etc/passwd" TargetMode="External"/></Relationships>'}), d))
attack("import-xxe", (0, 2), ["xxe.xlsx"], output="imported.json",
       check=lambda d, out, err: _no_passwd(d / "imported.json"))(
    lambda d: imp(zip_with(d, "xxe.xlsx", SUBMISSION, replace={
        "xl/workbook.xml": lambda b: b.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)}),
        d))
attack("import-cell-outside-blocks", 2, ["outside.xlsx", "H40"], output="imported.json")(
    lambda d: imp(edited_submission(d, "outside.xlsx", lambda wb: wb["Project"].cell(40, 8, 4_000_000)), d,
                  "--strict"))
attack("import-16th-capex-row", 2, ["capex16.xlsx", "Capex and funding"], output="imported.json")(
    lambda d: imp(edited_submission(d, "capex16.xlsx", lambda wb: (
        wb["Capex and funding"].cell(wb["Capex and funding"].max_row + 1, 1, 2040),
        wb["Capex and funding"].cell(wb["Capex and funding"].max_row, 2, 4_000_000))), d, "--strict"))
attack("import-formula-in-name", (0, 2), ["formula.xlsx"], output="imported.json")(
    lambda d: imp(edited_submission(d, "formula.xlsx", lambda wb: wb["Project"].__setitem__(
        "B7", '=HYPERLINK("http://evil","x")')), d))
attack("import-text-in-number", 2, ["textnum.xlsx", "B16"], output="imported.json")(
    lambda d: imp(edited_submission(d, "textnum.xlsx", lambda wb: wb["Project"].__setitem__("B16", "twenty")),
                  d, "--strict"))
attack("import-nan-text-in-number", 2, ["nannum.xlsx", "B14"], output="imported.json")(
    lambda d: imp(edited_submission(d, "nannum.xlsx", lambda wb: wb["Project"].__setitem__("B14", "nan")),
                  d, "--strict"))
attack("import-inf-text-in-number", 2, ["infnum.xlsx", "B14"], output="imported.json")(
    lambda d: imp(edited_submission(d, "infnum.xlsx", lambda wb: wb["Project"].__setitem__("B14", "1e400")),
                  d, "--strict"))
attack("import-huge-number", 2, ["hugenum.xlsx", "B14"], output="imported.json")(
    lambda d: imp(edited_submission(d, "hugenum.xlsx", lambda wb: wb["Project"].__setitem__("B14", 1e300)),
                  d, "--strict"))
attack("import-renamed-sheet", 2, ["renamed.xlsx"], output="imported.json")(
    lambda d: imp(edited_submission(d, "renamed.xlsx", lambda wb: setattr(wb["Project"], "title", "Projekt")),
                  d, "--strict"))
attack("import-control-char-id", (0, 2), ["ctl.xlsx"], output="imported.json")(
    lambda d: imp(edited_submission(d, "ctl.xlsx", lambda wb: wb["Project"].__setitem__("B6", "SCH_x000B_101")), d))
attack("import-cr-name", 0, output="imported.json",
       check=lambda d, out, err: _cr_name_csv(d))(
    lambda d: imp(edited_submission(d, "crname.xlsx", lambda wb: wb["Project"].__setitem__(
        "B7", "School\r=cmd|' /C calc'!A0")), d))
attack("import-no-year", 2, ["--appraisal-year"])(
    lambda d: ["import", str(SUBMISSION), "-o", str(d / "x.json")])
attack("import-year-huge", 2, ["appraisal_year"], output="x.json")(
    lambda d: ["import", str(SUBMISSION), "-o", str(d / "x.json"), "--appraisal-year", "99999999"])
attack("import-into-bad-json", 2, ["bad.json"], output="x.json")(
    lambda d: ["import", str(SUBMISSION), "-o", str(d / "x.json"),
               "--into", write_bytes(d, "bad.json", b"[1,")])
attack("import-output-equals-book", 2, ["SCH-101.xlsx"])(
    lambda d: ["import", str(shutil.copy(SUBMISSION, d / "SCH-101.xlsx")), "-o", str(d / "SCH-101.xlsx"),
               "--appraisal-year", "2026"])


def _no_passwd(path: Path) -> None:
    assert not path.exists() or "root:" not in path.read_text(encoding="utf-8")


def _cr_name_csv(folder: Path) -> None:
    """The imported carriage return never reaches a CSV cell where a spreadsheet would split it."""
    proc = _run(["appraise", str(folder / "imported.json"), "--format", "csv"])
    assert proc.returncode == 0, proc.stderr
    _csv_safe(proc.stdout)


# --- returned appraisal workbooks ---------------------------------------------

def exported_book(folder: Path, change: Callable[[dict], None] | None = None, name: str = "book.xlsx") -> Path:
    src = mutated(folder, "src.json", change or (lambda x: None))
    out = folder / name
    proc = _run(["export", src, "-o", str(out)])
    assert proc.returncode == 0, proc.stderr
    return out


def edited_book(folder: Path, edit: Callable) -> str:
    import openpyxl
    book = exported_book(folder)
    wb = openpyxl.load_workbook(book)
    edit(wb)
    out = folder / "edited.xlsx"
    wb.save(out)
    return str(out)


def _project_sheet(wb):
    return next(ws for ws in wb.worksheets if "HP-001" in ws.title)


def _tamper_register(wb) -> None:
    ws = wb["_inputs"]
    for row in ws.iter_rows(min_row=13, max_row=20):   # the register's first input rows
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("["):
                c.value = '["projects", "nonsense", 99]'


def _text_in_number(wb) -> None:
    ws = _project_sheet(wb)
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.value == 20:
                c.value = "twenty"
                return
    raise AssertionError("no lifetime cell found")


def imp_book(folder: Path, book: str) -> list[str]:
    return ["import", book, "-o", str(folder / "imported.json")]


attack("book-tampered-register", 2, ["edited.xlsx"], output="imported.json")(
    lambda d: imp_book(d, edited_book(d, _tamper_register)))
attack("book-register-wiped", 2, ["edited.xlsx"], output="imported.json")(
    lambda d: imp_book(d, edited_book(d, lambda wb: wb["_inputs"].delete_rows(1, 5))))
attack("book-deleted-row", 2, ["edited.xlsx"], output="imported.json")(
    lambda d: imp_book(d, edited_book(d, lambda wb: _project_sheet(wb).delete_rows(8, 1))))
attack("book-renamed-sheet", 2, ["edited.xlsx"], output="imported.json")(
    lambda d: imp_book(d, edited_book(d, lambda wb: setattr(_project_sheet(wb), "title", "Renamed"))))
attack("book-text-in-number", 2, ["edited.xlsx"], output="imported.json")(
    lambda d: imp_book(d, edited_book(d, _text_in_number)))
attack("book-with-into", 2, ["book.xlsx"])(
    lambda d: ["import", str(exported_book(d)), "-o", str(d / "x.json"), "--into", str(EXAMPLE)])
attack("book-formula-name-round-trip", 0, output="imported.json",
       check=lambda d, out, err: _round_trip_identical(d))(
    lambda d: imp_book(d, str(exported_book(d, lambda x: [
        first(x).update(name="=1+2", area="@SUM(A1)"), x["projects"][1].update(name="-minus", area="+plus"),
        x["projects"][2].update(name="'quoted", area="'=already"), x["projects"][3].update(
            name=" =spaced", area="\tTabbed")]))))


def _round_trip_identical(folder: Path) -> None:
    """Export then import gives the same names: the apostrophe the writer adds is taken off."""
    src = json.loads((folder / "src.json").read_text(encoding="utf-8"))
    got = json.loads((folder / "imported.json").read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in got["projects"]}
    for p in src["projects"][:4]:
        for key in ("name", "area"):
            assert by_id[p["id"]][key] == p[key], (p["id"], key, by_id[p["id"]][key])


# ---------------------------------------------------------------------------
# import-table
# ---------------------------------------------------------------------------

def table(folder: Path, text: str | bytes, name: str = "t.csv") -> list[str]:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return ["import-table", str(path), "-o", str(folder / "out.json"), "--appraisal-year", "2026"]


_HEAD = "Project ID,Scheme name,Category,Capex (GBP)"
attack("table-empty", 2, ["t.csv"], output="out.json")(lambda d: table(d, ""))
attack("table-header-only", 2, ["t.csv"], output="out.json")(lambda d: table(d, _HEAD + "\n"))
attack("table-nan-capex", 2, ["t.csv", "Capex"], output="out.json")(
    lambda d: table(d, _HEAD + "\nA1,Name,heat_pumps,nan\n"))
attack("table-1e400-capex", 2, ["t.csv", "Capex"], output="out.json")(
    lambda d: table(d, _HEAD + "\nA1,Name,heat_pumps,1e400\n"))
attack("table-binary", 2, ["t.csv"], output="out.json")(lambda d: table(d, bytes(range(256)) * 20))
attack("table-utf16", (0, 2), ["t.csv"], output="out.json")(
    lambda d: table(d, (_HEAD + "\nA1,Name,heat_pumps,100000\n").encode("utf-16")))
attack("table-duplicate-ids", 2, ["t.csv", "a1"], output="out.json")(
    lambda d: table(d, _HEAD + "\nA1,Name,heat_pumps,100000\na1,Other,heat_pumps,5\n"))
attack("table-duplicate-columns", 2, ["t.csv"], output="out.json")(
    lambda d: table(d, _HEAD + ",Capex (GBP)\nA1,Name,heat_pumps,100000,5\n"))
attack("table-not-xlsx", 2, ["t.xlsx"], output="out.json")(lambda d: table(d, b"garbage", "t.xlsx"))
attack("table-output-is-input", 2, ["t.csv"])(
    lambda d: ["import-table", str((d / "t.csv", (d / "t.csv").write_text(_HEAD + "\n"))[0]),
               "-o", str(d / "t.csv"), "--appraisal-year", "2026"])

# ---------------------------------------------------------------------------
# Hostile arguments
# ---------------------------------------------------------------------------

_ARGS = [
    ("seed-negative", ["montecarlo", "--example", "--seed", "-1"], 2, ["--seed"]),
    ("seed-huge", ["montecarlo", "--example", "--seed", str(2 ** 80)], 2, ["--seed"]),
    ("seed-text", ["montecarlo", "--example", "--seed", "x"], 2, ["--seed"]),
    ("draws-zero", ["montecarlo", "--example", "--draws", "0"], 2, ["--draws"]),
    ("draws-huge", ["montecarlo", "--example", "--draws", str(10 ** 12)], 2, ["--draws"]),
    ("draws-float", ["montecarlo", "--example", "--draws", "1e3"], 2, ["--draws"]),
    ("export-draws-zero", ["export", "--example", "-o", "{dir}/o.xlsx", "--analysis", "--draws", "0"], 2,
     ["--draws"]),
    ("steps-huge", ["select", "--example", "--budget", "20m", "--curve", "--steps", str(10 ** 12)], 2,
     ["--steps"]),
    ("steps-zero", ["select", "--example", "--budget", "20m", "--curve", "--steps", "0"], 2, ["--steps"]),
    ("budget-text", ["select", "--example", "--budget", "lots"], 2, ["budget"]),
    ("budget-negative", ["select", "--example", "--budget", "-5m"], 2, ["budget"]),
    ("budget-nan", ["select", "--example", "--budget", "nan"], 2, ["budget"]),
    ("budget-inf", ["select", "--example", "--budget", "1e400"], 2, ["budget"]),
    ("time-limit-nan", ["select", "--example", "--budget", "20m", "--time-limit", "nan"], 2, ["--time-limit"]),
    ("readiness-bad", ["select", "--example", "--budget", "20m", "--min-readiness", "1e400"], 2,
     ["readiness"]),
    ("include-unknown", ["select", "--example", "--budget", "20m", "--include", "NOPE"], 2, ["NOPE"]),
    ("schedule-empty", ["appraise", "--example", "--schedule", ""], 2, ["--schedule"]),
    ("schedule-bogus", ["appraise", "--example", "--schedule", "bogus"], 2, ["bogus"]),
    ("diff-schedule-empty", ["diff", str(EXAMPLE), str(EXAMPLE), "--schedule", ""], 2, ["schedule"]),
    ("format-bogus", ["appraise", "--example", "--format", "bogus"], 2, ["--format"]),
    ("carbon-bogus", ["appraise", "--example", "--carbon", "bogus"], 2, ["--carbon"]),
    ("unknown-subcommand", ["apprise", "--example"], 2, ["apprise"]),
    ("unknown-option", ["appraise", "--example", "--frobnicate"], 2, ["--frobnicate"]),
    ("no-source", ["appraise"], 2, ["portfolio"]),
    ("sensitivity-schedule-empty", ["sensitivity", "--example", "--schedule", " "], 2, ["--schedule"]),
    ("montecarlo-schedule-bogus", ["montecarlo", "--example", "--draws", "100", "--schedule", "x"], 2,
     ["x"]),
    ("export-not-xlsx", ["export", "--example", "-o", "{dir}/o.csv"], 2, ["o.csv"]),
    ("template-contact-huge", ["template", "-o", "{dir}/t.xlsx", "--contact", "c" * 100_000], (0, 2), []),
    ("template-contact-formula", ["template", "-o", "{dir}/t.xlsx", "--contact", "=cmd|' /C calc'!A0"], 0, []),
    ("import-year-text", ["import", str(SUBMISSION), "-o", "{dir}/x.json", "--appraisal-year", "soon"], 2,
     ["--appraisal-year"]),
]
for _name, _argv, _code, _names in _ARGS:
    attack(f"args-{_name}", _code, _names)(
        lambda d, a=_argv: [x.replace("{dir}", str(d)) for x in a])


def _copy_example(folder: Path) -> str:
    return str(shutil.copy(EXAMPLE, folder / "p.json"))


def _readonly(folder: Path) -> str:
    out = folder / "ro.csv"
    out.write_text("keep me\n")
    out.chmod(0o444)
    return str(out)


attack("out-equals-input", 2, ["p.json"],
       check=lambda d, out, err: _unchanged(d / "p.json"))(
    lambda d: ["appraise", _copy_example(d), "-o", str(d / "p.json")])
attack("out-equals-input-relative", 2, ["p.json"],
       check=lambda d, out, err: _unchanged(d / "p.json"))(
    lambda d: ["appraise", _copy_example(d), "-o", str(d / "." / "sub" / ".." / "p.json")])
attack("out-dev-null", 0, check=lambda d, out, err: _still_device("/dev/null"))(
    lambda d: ["appraise", "--example", "-o", "/dev/null"])
attack("out-directory", (1, 2), ["{dir}"])(lambda d: ["appraise", "--example", "-o", str(d)])
attack("out-missing-folder", (1, 2), ["missing"])(
    lambda d: ["appraise", "--example", "-o", str(d / "missing" / "out.csv")])
attack("out-read-only", (1, 2), ["ro.csv"],
       check=lambda d, out, err: _kept(d / "ro.csv", "keep me\n"))(
    lambda d: ["appraise", "--example", "--format", "csv", "-o", _readonly(d)])
attack("out-export-equals-input", 2, ["p.json"])(
    lambda d: ["export", _copy_example(d), "-o", str(d / "p.json")])
attack("out-export-directory", (1, 2), ["dir.xlsx"])(
    lambda d: ((d / "dir.xlsx").mkdir(), ["export", "--example", "-o", str(d / "dir.xlsx")])[1])
attack("out-template-missing-folder", (1, 2), ["missing"])(
    lambda d: ["template", "-o", str(d / "missing" / "t.xlsx")])
attack("out-track-equals-input", 2, ["p.json"])(
    lambda d: ["track", _copy_example(d), "-o", str(d / "p.json")])
attack("out-select-equals-input", 2, ["p.json"])(
    lambda d: ["select", _copy_example(d), "--budget", "20m", "-o", str(d / "p.json")])
attack("out-symlink-kept", 0, check=lambda d, out, err: _symlink_kept(d))(
    lambda d: (os.symlink(d / "real.csv", d / "link.csv"), (d / "real.csv").write_text("old"),
               ["appraise", "--example", "--format", "csv", "-o", str(d / "link.csv")])[2])


def _unchanged(path: Path) -> None:
    assert path.read_bytes() == EXAMPLE.read_bytes(), "the input was replaced"


def _kept(path: Path, text: str) -> None:
    assert path.read_text() == text


def _still_device(path: str) -> None:
    assert stat.S_ISCHR(os.stat(path).st_mode), f"{path} is no longer a device"


def _symlink_kept(folder: Path) -> None:
    assert (folder / "link.csv").is_symlink()
    assert (folder / "real.csv").read_text().startswith("id,")


# ---------------------------------------------------------------------------
# Output: CSV cells never run as formulas
# ---------------------------------------------------------------------------

def _csv_safe(text: str) -> None:
    assert "\r" not in text.replace("\r\n", "\n"), "a bare carriage return in the CSV"
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if not cell:
                continue
            try:
                float(cell)
                continue
            except ValueError:
                pass
            stripped = cell.lstrip(" ")
            assert stripped[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n"), f"formula-looking cell {cell!r}"


_FORMULAS = ["=1+2", "+1", "-1+1", "@SUM(A1)", " =cmd|' /C calc'!A0", "\t=1", "\r=1", "\n=1", "=HYPERLINK(\"x\")"]
attack("csv-formula-names", 0, check=lambda d, out, err: _csv_safe(out))(
    lambda d: ["appraise", mutated(d, "f.json", lambda x: [
        p.update(name=f, area=f, id=f"{f.strip()}{i}") for i, (p, f) in enumerate(zip(x["projects"], _FORMULAS))]),
        "--format", "csv"])
attack("csv-formula-to-file", 0, output="o.csv",
       check=lambda d, out, err: _csv_safe((d / "o.csv").read_text(encoding="utf-8")))(
    lambda d: ["appraise", mutated(d, "f.json", lambda x: first(x).update(name="=1+2")), "--format", "csv",
               "-o", str(d / "o.csv")])
attack("track-csv-formula-names", 0, check=lambda d, out, err: _csv_safe(out))(
    lambda d: ["track", mutated(d, "f.json", lambda x: project(x, "GRN-007").update(name="=1+2")),
               "--format", "csv"])
attack("appraise-json-nan-free", 0)(lambda d: ["appraise", "--example", "--format", "json"])
attack("sensitivity-example", 0)(lambda d: ["sensitivity", "--example"])
attack("select-curve-example", 0)(lambda d: ["select", "--example", "--budget", "20m", "--curve", "--steps", "5"])

# ---------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="120")
    env.pop("APPRAISAL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "appraisal", *argv], cwd=ROOT, capture_output=True,
                          timeout=TIMEOUT, env=env, encoding="utf-8", errors="backslashreplace")


def _execute(a: Attack, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        argv = a.make(folder)
        proc = _run(argv)
        a.result.update(argv=argv, rc=proc.returncode, out=proc.stdout, err=proc.stderr, folder=folder)
    except Exception as exc:  # noqa: BLE001 - reported by the attack's own test
        a.result.update(error=f"{exc.__class__.__name__}: {exc}", folder=folder)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("attacks")
    workers = max(2, min(6, (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda a: _execute(a, base / a.name), ATTACKS))
    return {a.name: a for a in ATTACKS}


def test_corpus_size():
    assert len(ATTACKS) >= 120
    assert len({a.name for a in ATTACKS}) == len(ATTACKS), "attack names must be unique"


@pytest.mark.parametrize("name", [a.name for a in ATTACKS])
def test_attack(corpus, name):
    a = corpus[name]
    r = a.result
    assert "error" not in r, r.get("error")
    folder: Path = r["folder"]
    rc, out, err = r["rc"], r["out"], r["err"]
    allowed = a.expect if isinstance(a.expect, tuple) else (a.expect,)
    where = f"\nargs: {[x[:80] for x in r['argv']]}\nexit {rc}\nstderr: {err[:3000]}\nstdout: {out[:500]}"
    assert "Traceback" not in err and "Traceback" not in out, where
    assert "internal error" not in err.lower(), where
    assert rc in allowed, where
    assert not NAN_OR_INF.search(out), f"NaN or infinity shown{where}"
    if rc == 2:
        assert err.strip(), where
        for needle in a.names:
            needle = needle.replace("{dir}", str(folder))
            assert needle.lower() in err.lower(), f"stderr does not name {needle!r}{where}"
    if rc == 1:
        assert err.strip(), where
    if a.output is not None:
        path = folder / a.output
        if rc != 0:
            assert not path.exists(), f"{a.output} written although refused{where}"
        else:
            assert path.exists() and path.stat().st_size > 0, where
    leftovers = [p.name for p in folder.rglob(".*.tmp")]
    assert not leftovers, f"temporary files left: {leftovers}"
    if a.check is not None:
        a.check(folder, out, err)
