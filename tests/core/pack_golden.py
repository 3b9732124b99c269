"""What ``load_pack`` makes of every pack in the repository and of a few thousand
broken ones, as a deterministic dump: the characterisation that proves a
rewrite of the loader reads exactly as the loader it replaces (issue 12).

Run as a script to write the expected dumps into tests/data/pack-spec-golden/
(see the README there); tests/core/test_pack_spec.py compares against them.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from appraisal.core.errors import InputError  # noqa: E402
from appraisal.core.pack import load_pack  # noqa: E402

GOLDEN = REPO / "tests" / "data" / "pack-spec-golden"
# the packs whose every table and attribute is dumped in full
REPO_PACKS = sorted([REPO / "resources" / "packs" / "uk-default",
                     *(p for p in (REPO / "tests" / "data").glob("pack-v*") if p.is_dir()),
                     *(p for p in (REPO / "tests" / "data").glob("reference-pack-*") if p.is_dir())])
# the packs broken a cell or a file at a time: v2 with empty optional tables, v2 with
# rows in every table (cells and files), v1 (files only: its cells read as v2's do)
MUTATED_PACKS = ("resources/packs/uk-default", "tests/data/pack-v2-test", "tests/data/pack-v1")
FILES_ONLY = {"tests/data/pack-v1"}
# what a cell is set to: empty, text, overflow, negative, a fraction of a year,
# below the floor, a year, a sector, a truth value, a known fuel
CELL_VALUES = ("", "x", "1e308", "-5", "2.5", "1e-300", "2031", "domestic", "yes", "petrol")
# small tables whose every row is mutated (the rules span rows: bands, parameters)
EVERY_ROW = {"discount_schedules.csv", "parameters.csv", "optimism_bias.csv",
             "readiness_weights.csv", "ob_stage_mitigation.csv", "traded_carbon_price.csv"}


def dump(value: Any) -> Any:
    """A JSON value holding everything in ``value``, in its order (dicts as
    [key, value] pairs, so that insertion order is compared too)."""
    if isinstance(value, np.ndarray):
        return {"array": value.dtype.kind, "values": value.tolist()}
    if isinstance(value, np.generic):
        return {"scalar": value.dtype.kind, "value": value.item()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__,
                **{f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        out = [[dump(k), dump(v)] for k, v in value.items()]
        extra = {"growth": dump(value.growth)} if hasattr(value, "growth") else {}
        return {"dict": type(value).__name__, "items": out, **extra}
    if isinstance(value, (list, tuple)):
        return {"seq": type(value).__name__, "items": [dump(v) for v in value]}
    if isinstance(value, Path):
        return {"path": value.name}
    if isinstance(value, float):
        return {"float": repr(value)}
    return value


def outcome(folder: Path) -> dict[str, Any]:
    """The loaded pack's dump, or the problems (file, row, field, message) in order."""
    try:
        pack = load_pack(folder)
    except InputError as exc:
        return {"problems": [[p.file, p.row, p.field, p.message] for p in exc.problems]}
    return {"pack": dump(pack)}


def digest(result: dict[str, Any]) -> dict[str, Any]:
    """A loaded pack as a hash (a mutated pack's full dump would be megabytes)."""
    if "pack" not in result:
        return result
    text = json.dumps(result["pack"], sort_keys=True)
    return {"pack_sha256": hashlib.sha256(text.encode()).hexdigest()}


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()


def _split(line: str) -> list[str]:
    import csv
    return next(csv.reader([line])) if line else []


def _join(cells: list[str]) -> str:
    import csv
    import io
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    return buf.getvalue()


Mutation = Callable[[Path], None]


def _file_mutations(name: str, lines: list[str]) -> Iterator[tuple[str, Mutation]]:
    """Whole-file and header breakages of one table."""
    def write(text: str) -> Mutation:
        return lambda d: (d / name).write_text(text, encoding="utf-8")
    header = _split(lines[0])
    yield "deleted", lambda d: (d / name).unlink()
    yield "empty", write("")
    yield "header only", write(lines[0] + "\n")
    if len(lines) > 1:
        yield "row 2 twice", write("\n".join(lines + lines[1:2]) + "\n")
        yield "row 2 with an extra cell", write("\n".join([lines[0], lines[1] + ",extra", *lines[2:]]) + "\n")
    yield "not utf-8", lambda d: (d / name).write_bytes(b"\xff\xfe\x00bad")
    yield "bad csv", write(lines[0] + '\n"unclosed\n')
    order = list(reversed(range(len(header))))
    yield "columns reversed", write("\n".join(_join([_split(ln)[k] if k < len(_split(ln)) else ""
                                                      for k in order]) for ln in lines) + "\n")
    for col in header:
        renamed = [h + "_renamed" if h == col else h for h in header]
        yield f"column {col} renamed", write("\n".join([_join(renamed), *lines[1:]]) + "\n")
    yield "first column twice", write("\n".join([_join(header + header[:1])]
                                                + [ln + "," for ln in lines[1:]]) + "\n")


def _cell_mutations(name: str, lines: list[str]) -> Iterator[tuple[str, Mutation]]:
    header = _split(lines[0])
    rows = range(1, len(lines)) if name in EVERY_ROW else range(1, min(len(lines), 2))
    for i in rows:
        for k, col in enumerate(header):
            for value in CELL_VALUES:
                cells = _split(lines[i])
                cells += [""] * (len(header) - len(cells))
                if cells[k] == value:
                    continue
                cells[k] = value
                text = "\n".join([*lines[:i], _join(cells), *lines[i + 1:]]) + "\n"
                yield (f"row {i + 1} {col}={value!r}",
                       lambda d, t=text: (d / name).write_text(t, encoding="utf-8"))


def _manifest_mutations() -> Iterator[tuple[str, Mutation]]:
    def write(text: str) -> Mutation:
        return lambda d: (d / "pack.json").write_text(text, encoding="utf-8")
    yield "pack.json deleted", lambda d: (d / "pack.json").unlink()
    yield "pack.json not json", write("{not json")
    yield "pack.json a list", write("[1, 2]")
    yield "pack.json no id", write('{"name": "n", "vintage": "v"}')
    yield "pack.json id twice", write('{"id": "a", "id": "b", "name": "n", "vintage": "v"}')
    yield "pack.json surrogate", write('{"id": "\\ud800", "name": "n", "vintage": "v"}')
    yield "pack.json method 2", write('{"id": "a", "name": "n", "vintage": "v", "method_version": 2}')
    yield "pack.json method text", write('{"id": "a", "name": "n", "vintage": "v", "method_version": "2"}')


def mutations(base: Path, cells: bool = True) -> Iterator[tuple[str, Mutation]]:
    """Every breakage of the pack in ``base``, named."""
    yield from _manifest_mutations()
    for path in sorted(base.glob("*.csv")):
        lines = _lines(path)
        for what, m in _file_mutations(path.name, lines):
            yield f"{path.name}: {what}", m
        for what, m in (_cell_mutations(path.name, lines) if cells else ()):
            yield f"{path.name}: {what}", m


def mutated_outcomes(rel: str) -> dict[str, Any]:
    """Each mutation applied to a fresh copy of ``base`` (one file restored after each)."""
    base = REPO / rel
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "pack"
        shutil.copytree(base, work)
        for name, mutate in mutations(base, cells=rel not in FILES_ONLY):
            mutate(work)
            out[name] = digest(outcome(work))
            touched = "pack.json" if name.startswith("pack.json") else name.split(":")[0]
            (work / touched).write_bytes((base / touched).read_bytes())
    return out


def golden_name(pack: str | Path) -> str:
    return str(Path(pack).relative_to(REPO) if Path(pack).is_absolute() else pack).replace("/", "__")


def write_all() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for pack in REPO_PACKS:
        result = outcome(pack)
        (GOLDEN / f"{golden_name(pack)}.json").write_text(json.dumps(result, indent=0) + "\n",
                                                          encoding="utf-8")
    for rel in MUTATED_PACKS:
        result = mutated_outcomes(rel)
        (GOLDEN / f"mutations__{golden_name(rel)}.json").write_text(
            json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_all()
