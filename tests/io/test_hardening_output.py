"""Issue 11, the output side: nothing injected, nothing corrupt, nothing left behind.

Each test is built from a reproduction of the issue: a carriage return in a
project name reaching the CSV (as ``&#13;`` in a submission workbook), U+000B
(Word's Shift+Enter) in an ID making a corrupt workbook, ``&G`` in an ID
dropping a page header, cut digits in the terminal table, ``-0.00``, a 1 MB ID
echoed in full, temporary files piling up after killed saves, a symbolic link
replaced, a read-only file overwritten, ``-o /dev/null`` replaced by a regular
file, "cannot use : ..." on a full disk, and ``appraise p.json -o p.json``.
"""
from __future__ import annotations

import csv
import dataclasses
import errno
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.errors import InputError, Problem
from appraisal.io import atomic
from appraisal.io.escaping import (
    header_footer_text,
    no_negative_zero,
    safe_text,
    terminal_text,
)
from appraisal.io.portfolio_file import WriteError, load_portfolio, save_portfolio
from appraisal.io.results_output import iter_csv, montecarlo_table, to_csv, to_table
from appraisal.io.workbook import export_workbook
from appraisal.resources import default_pack_dir, example_portfolio

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads(example_portfolio().read_text(encoding="utf-8"))
ATTACK = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def example_inputs(pack):
    return parse_portfolio(EXAMPLE, pack)


def run_cli(*args, cwd: Path | None = None, env: dict | None = None, **kw):
    return subprocess.run([sys.executable, "-m", "appraisal", *map(str, args)],
                          cwd=cwd or REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})}, check=False,
                          **kw)


def hostile(inputs, **by_index):
    """``inputs`` with some projects' fields replaced as an attacker would type them,
    past the input checks (the output must be safe whatever reaches it)."""
    projects = list(inputs.projects)
    for i, fields in by_index.items():
        projects[int(i[1:])] = dataclasses.replace(projects[int(i[1:])], **fields)
    return dataclasses.replace(inputs, projects=tuple(projects))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_no_formula_cells(cells) -> None:
    """No text cell a spreadsheet would run: OWASP's = + - @ after any spaces."""
    bad = [c for c in cells if isinstance(c, str) and not _is_number(c)
           and c.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@")]
    assert not bad, bad


# -- the escaping functions -------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    (" =1+1", "' =1+1"), ("\t=1", "' =1"), ("\r=1", "' =1"), ("\n@x", "' @x"),
    ("\tplain", " plain"), ("'=1", "''=1"), ("'plain", "'plain"), ("Heat pumps", "Heat pumps"), ("a=b", "a=b"), ("", ""),
    ("Line1\x0bLine2", "Line1 Line2"), ("a\x00b\x1fc\x7fd\x85e\x9bf", "a b c d e f"),
    ("lone \ud800 surrogate", "lone \ufffd surrogate"), ("bad \ufffe", "bad \ufffd"),
])
def test_safe_text_neutralises_formulas_and_control_characters(raw, shown):
    assert safe_text(raw) == shown


def test_safe_text_keeps_line_breaks_only_where_asked():
    assert safe_text("one\r\ntwo\rthree\x0bfour", multiline=True) == "one\ntwo\nthree\nfour"
    assert safe_text("one\r\ntwo") == "one two"
    assert safe_text(None) == "" and safe_text(12) == "12"


def test_header_footer_text_doubles_ampersands_and_keeps_headers():
    text = header_footer_text("R&D &G&P")
    assert "&G" not in text.replace("&&", "")   # no code left for Excel to read
    assert text.replace("\u200b", "") == "R&&D &&G&&P"
    assert len(header_footer_text("x" * 1_000_000)) == 60
    assert len(header_footer_text("&" * 1_000)) <= 60 and header_footer_text("&" * 1_000).endswith("&&…")


def test_long_ids_and_packs_keep_headers_within_excels_limit(pack, example_inputs, tmp_path):
    inputs = hostile(example_inputs, p0={"id": "&G" * 40})
    hostile_pack = dataclasses.replace(pack, id="&" * 300, vintage="&G" * 100)
    path = tmp_path / "long.xlsx"
    export_workbook(inputs, hostile_pack, path)      # a warning is an error in this suite
    wb = openpyxl.load_workbook(path)
    sheet = next(ws for ws in wb.worksheets if ws.title.startswith("&G"))
    assert sheet.oddHeader.left.text and sheet.oddHeader.right.text


@pytest.mark.parametrize("raw, shown", [
    ("a\x1b[31mred\x1b[0m", "ared"), ("x\x1b]0;title\x07y", "xy"), ("a\x1b[2J\x1b[Hb", "ab"),
    ("a\u202eb\u2066c", "abc"), ("one\rtwo\nthree", "one two three"), ("x\ud800", "x\ufffd"),
])
def test_terminal_text_strips_escape_sequences(raw, shown):
    assert terminal_text(raw) == shown


@pytest.mark.parametrize("raw, shown", [
    ("-0.00", "0.00"), ("-0", "0"), ("-£0", "£0"), ("-0.0%", "0.0%"), ("-0.00 £m", "0.00 £m"),
    ("-0.01", "-0.01"), ("-10", "-10"), ("-", "-"), ("-£5.00m", "-£5.00m"), ("£-0", "£0"),
    ("£-10", "£-10"), ("-0 tCO2e", "0 tCO2e"),
])
def test_no_negative_zero(raw, shown):
    assert no_negative_zero(raw) == shown


def test_a_one_megabyte_id_is_shortened_in_messages():
    pid = "X" * 1_000_000
    text = str(Problem(f"duplicate id {pid!r}", file="p.json", project=pid, field="id"))
    assert len(text) < 1500
    assert "1,000,000 characters" in text and text.startswith("p.json, project XXX")


def test_cli_does_not_echo_a_one_megabyte_id(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE))
    doc["projects"][0]["id"] = "\x1b[31mX" * 200_000
    doc["projects"][1]["id"] = doc["projects"][0]["id"]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    proc = run_cli("appraise", path)
    assert proc.returncode == 2
    assert 0 < len(proc.stderr) < 5000
    assert "\x1b" not in proc.stderr


# -- the CSV: reproduction 1 --------------------------------------------------------------

def _workbook_with_carriage_return(template: Path, out: Path, pack) -> Path:
    """A filled submission workbook whose project name holds ``&#13;`` before a formula,
    as a hostile promoter delivers it."""
    from appraisal.io import submission_layout as L
    from tests.io.test_submission import fill, project_entries
    marker = "MARKER-CR"
    filled = fill(template, out.with_suffix(".plain.xlsx"), project_entries(EXAMPLE["projects"][0], pack),
                  text_cells={(L.PROJECT, L.PROJECT_CELLS["name"]): f"Heat{marker}{ATTACK}"})
    with zipfile.ZipFile(filled) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if marker.encode() in data:
                data = data.replace(marker.encode(), b"&#13;")
            dst.writestr(item, data)
    return out


def test_a_carriage_return_from_a_submission_workbook_cannot_split_a_csv_row(pack, tmp_path):
    from appraisal.io.submission import import_workbooks, write_template
    template = tmp_path / "template.xlsx"
    write_template(template, pack)
    book = _workbook_with_carriage_return(template, tmp_path / "hostile.xlsx", pack)
    report = import_workbooks([book], pack)
    if report.problems:   # the input side may refuse it: then it must say where
        assert all(p.field for p in report.problems)
        return
    assert "\r" in report.projects[0]["name"]       # the reproduction reaches the output
    portfolio = tmp_path / "p.json"
    proc = run_cli("import", book, "-o", portfolio, "--appraisal-year", "2026")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("appraise", portfolio, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stdout
    rows = list(csv.reader(io.StringIO(proc.stdout, newline="")))
    assert len(rows) == 2                            # the header and one project
    assert_no_formula_cells(c for row in rows for c in row)
    assert rows[1][rows[0].index("name")] == "Heat " + ATTACK


def test_every_csv_field_is_escaped_pack_id_and_vintage_too(pack, example_inputs):
    inputs = hostile(example_inputs, p0={"name": "\r" + ATTACK, "id": "@id"},
                     p1={"name": " =1+1", "area": "-2+3", "notes": "+x\ny"},
                     p2={"id": "\tTAB", "name": "a\x0bb"})
    results = dataclasses.replace(appraise_portfolio(inputs, pack), pack_id="=HYPERLINK(1)",
                                  pack_vintage="+2026\r\n@x")
    text = to_csv(results)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 1 + len(inputs.projects)
    assert_no_formula_cells(c for row in rows for c in row)
    header = rows[0]
    assert rows[1][header.index("assumptions_id")] == "'=HYPERLINK(1)"
    assert rows[1][header.index("assumptions_vintage")] == "'+2026 @x"   # CR LF is one line break: one space
    assert rows[3][header.index("id")] == " TAB"   # the tab is a space: nothing left to run
    assert "".join(iter_csv(results)) == text


def test_csv_numbers_stay_numbers(pack, example_inputs):
    rows = list(csv.reader(io.StringIO(to_csv(appraise_portfolio(example_inputs, pack)))))
    npsv = [float(r[rows[0].index("npsv_gbp")]) for r in rows[1:]]
    assert any(v < 0 for v in npsv)                  # a loss keeps its sign: not text
    assert not any(r[rows[0].index("npsv_gbp")].startswith("'") for r in rows[1:])


# -- the workbooks: reproductions 4 and "&G" -----------------------------------------------

@pytest.fixture(scope="module")
def hostile_book(pack, example_inputs, tmp_path_factory):
    inputs = hostile(example_inputs, p0={"id": "AB\x0bC&G", "name": "Line1\x0bLine2\x01" + ATTACK},
                     p1={"name": "\r" + ATTACK, "notes": "one\x0btwo\r\n=three"},
                     p2={"id": "R&D-\ud800", "area": "@area"})
    path = tmp_path_factory.mktemp("hostile") / "book.xlsx"
    export_workbook(inputs, pack, path)
    return path


def test_control_characters_make_a_sound_workbook(hostile_book):
    wb = openpyxl.load_workbook(hostile_book)   # raised "not well-formed" before the fix
    assert "AB C&G" in wb.sheetnames
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.data_type == "s"]
    assert_no_formula_cells(cells)
    assert not any(ch in v for v in cells if isinstance(v, str) for ch in "\x0b\x01\r")
    assert wb["AB C&G"]["A1"].value.startswith("AB C&G: Line1 Line2")


def test_libreoffice_opens_the_hostile_workbook(hostile_book, libreoffice):
    converted = libreoffice(hostile_book, "xlsx")
    wb = openpyxl.load_workbook(converted, read_only=True)
    try:
        assert "AB C&G" in wb.sheetnames
    finally:
        wb.close()


def test_an_ampersand_g_in_an_id_keeps_the_page_header(hostile_book):
    # the project sheet named by the ID keeps its header (portfolio name left, the
    # sheet's own name by Excel's &A code right: the ID is never spliced into it)
    wb = openpyxl.load_workbook(hostile_book)
    header = wb["AB C&G"].oddHeader
    assert header.left.text and header.right.text is not None


def test_an_ampersand_g_in_a_portfolio_name_keeps_the_page_header():
    from appraisal.io.workbook.layout import PageContext
    text = PageContext("Pipeline C&G of 2026", "pack (v)", "2026-12-03").header()
    # the literal ampersand is doubled, and "&G" (a picture code) never appears bare
    assert "C&&" in text and "&G" not in text.replace("&&", "")


def test_both_writers_escape_text_the_template_too(pack, tmp_path):
    from appraisal.io.submission import write_template
    pack = dataclasses.replace(pack, name="Pack =1+1\x0b", vintage="+2026\x01")
    path = tmp_path / "t.xlsx"
    write_template(path, pack, contact="=HYPERLINK(\"http://x\")\x0bjo@example.org")
    wb = openpyxl.load_workbook(path)
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.data_type == "s"]
    assert_no_formula_cells(cells)
    assert not any("\x0b" in v or "\x01" in v for v in cells if isinstance(v, str))


# -- the terminal table: reproduction 7 ----------------------------------------------------

def test_the_table_never_cuts_a_number(pack, example_inputs):
    # the figures: GBP 197,363,332 per tonne was printed as "197,363,";
    # 65.6bn tonnes as "65,648,610"
    results = appraise_portfolio(example_inputs, pack)
    results.metrics["cost_per_tco2e_gbp"][0] = 197_363_332.0
    results.metrics["carbon_saved_tco2e"][0] = 65_648_610_123.0
    text = to_table(results)
    row = next(line for line in text.splitlines() if line.startswith(results.ids[0]))
    assert "197,363,332" in row and "65,648,610,123" in row
    header = next(line for line in text.splitlines() if line.startswith("ID"))
    # the column widened: its header ends where the figure ends
    assert header.index("£/tCO2e") + len("£/tCO2e") == row.index("197,363,332") + len("197,363,332")


def test_the_table_strips_escape_sequences_from_names(pack, example_inputs):
    inputs = hostile(example_inputs, p0={"name": "\x1b[2J\x1b[31mRed\x1b[0m\rX", "id": "\x1b]0;t\x07ID"})
    text = to_table(appraise_portfolio(inputs, pack))
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "RedX" in text.replace(" ", "")


def test_no_negative_zero_in_tables(pack, example_inputs):
    results = appraise_portfolio(example_inputs, pack)
    results.metrics["net_additional_jobs_fte"][0] = -0.0001
    results.metrics["carbon_saved_tco2e"][0] = -0.2
    text = to_table(results)
    assert "-0.0" not in text and " -0 " not in text


def test_montecarlo_table_widens_for_large_figures():
    # the table reads a SimulationSummary's attributes; a stand-in with the same names
    from types import SimpleNamespace
    figures = {k: 1.234e15 for k in ("npsv_central_gbp", "npsv_mean_gbp", "npsv_p10_gbp",
                                     "npsv_p50_gbp", "npsv_p90_gbp")}
    out = SimpleNamespace(draws=10, seed=1, pack_id="pack\x1b[31m", pack_vintage="v",
                          carbon_series="central", discount_schedule="standard", note="n",
                          portfolio=SimpleNamespace(**figures, prob_npsv_negative=-0.0),
                          projects=[])
    text = montecarlo_table(out)
    assert "1,234,000,000.00" in text and "\x1b" not in text and "-0.0%" not in text


def test_the_gui_formatter_shows_no_negative_zero():
    from appraisal.gui import formatting
    assert formatting.money(-0.4) == "£0"
    assert formatting.number(-0.001, 2) == "0.00"
    assert formatting.percent(-0.00001) == "0.0%"
    assert formatting.money(-5e6) == "-£5.00m"


# -- saves: temporary files, links, read-only files, devices, a full disk -----------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporary_files_of_killed_saves_are_removed(tmp_path):
    target = tmp_path / "p.json"
    target.write_text("{}")
    dead = tmp_path / f".p.json.appraisal-{_dead_pid()}-abcd1234.tmp"
    dead.write_bytes(b"x" * 1000)
    live = tmp_path / f".p.json.appraisal-{os.getppid()}-efgh5678.tmp"   # an instance saving now
    live.write_bytes(b"y")
    other = tmp_path / ".p.json.k2j3h4.tmp"                             # not ours: left alone
    other.write_bytes(b"z")
    save_portfolio(load_portfolio(example_portfolio()), target)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["p.json", live.name, other.name])
    assert load_portfolio(target).data["projects"]


def test_a_killed_save_leaves_a_temp_file_the_next_save_removes(tmp_path):
    target = tmp_path / "p.json"
    script = ("import os, sys\nfrom appraisal.io.atomic import temp_file_beside\n"
              "fd, name = temp_file_beside(sys.argv[1])\nos.write(fd, b'half')\n"
              "print(name, flush=True)\nos.kill(os.getpid(), 9)\n")
    proc = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, check=False,
                          text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == -signal.SIGKILL
    left = Path(proc.stdout.strip())
    assert left.exists() and atomic.is_temp_name(left.name)
    save_portfolio(load_portfolio(example_portfolio()), target)
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]


def test_a_symbolic_link_is_kept_and_its_target_replaced(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    save_portfolio(load_portfolio(example_portfolio()), link)
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert load_portfolio(real).data["projects"]
    proc = run_cli("appraise", "--example", "--format", "csv", "-o", link)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and real.read_text().startswith("id,name")


def test_a_read_only_file_is_refused_not_overwritten(tmp_path):
    target = tmp_path / "kept.json"
    target.write_text("old")
    target.chmod(0o444)
    with pytest.raises(WriteError, match="cannot write .*kept.json: the file is read-only"):
        save_portfolio(load_portfolio(example_portfolio()), target)
    assert target.read_text() == "old"
    proc = run_cli("appraise", "--example", "-o", target)
    assert proc.returncode == 1
    assert "kept.json" in proc.stderr and "read-only" in proc.stderr
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.json"]


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as fh:
            into.append(fh.read())
    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("command", [("appraise", "--format", "csv"), ("export",)])
def test_a_pipe_is_written_through_never_replaced(tmp_path, command):
    fifo = tmp_path / ("out.xlsx" if command[0] == "export" else "out.csv")
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    proc = run_cli(command[0], "--example", *command[1:], "-o", fifo)
    reader.join(timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)          # still the pipe
    assert got and got[0].startswith(b"PK" if command[0] == "export" else b"id,name")
    assert sorted(p.name for p in tmp_path.iterdir()) == [fifo.name]


def test_dev_stdout_is_written_through():
    proc = run_cli("appraise", "--example", "--format", "csv", "-o", "/dev/stdout")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("id,name") and len(proc.stdout.splitlines()) == 13


def test_a_full_disk_names_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "p.json"
    target.write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(WriteError) as caught:
        save_portfolio(load_portfolio(example_portfolio()), target)
    assert str(caught.value) == f"cannot write {target}: no space left on device"
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["p.json"]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 16 KiB file system (root only; skipped elsewhere)."""
    folder = tmp_path / "full"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tiny tmpfs needs root")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)],
                      capture_output=True, check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("command", [("appraise", "--example", "--format", "json"),
                                     ("export", "--example"), ("template",)])
def test_a_really_full_disk_exits_1_naming_the_file(tiny_disk, command):
    target = tiny_disk / ("out.xlsx" if command[0] != "appraise" else "out.json")
    proc = run_cli(*command, "-o", target)
    assert proc.returncode == 1
    assert f"cannot write {target}: no space left on device" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert list(tiny_disk.iterdir()) == []


# -- -o naming an input ---------------------------------------------------------------------

def test_output_equal_to_an_input_is_refused(tmp_path):
    portfolio = tmp_path / "p.json"
    shutil.copy(example_portfolio(), portfolio)
    before = portfolio.read_bytes()
    (tmp_path / "link.json").symlink_to("p.json")
    os.link(portfolio, tmp_path / "hard.json")
    for output in ("p.json", "./p.json", "link.json", "hard.json"):
        proc = run_cli("appraise", "p.json", "-o", output, cwd=tmp_path)
        assert proc.returncode == 2, (output, proc.stderr)
        assert "is also an input" in proc.stderr and output.lstrip("./") in proc.stderr
    proc = run_cli("export", "link.json", "-o", "p.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert portfolio.read_bytes() == before


def test_output_into_the_assumption_pack_is_refused(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), pack)
    proc = run_cli("appraise", "--example", "--assumptions", pack, "-o", pack / "parameters.csv")
    assert proc.returncode == 2 and "is also an input" in proc.stderr


def test_check_output_refuses_folders_and_missing_folders(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        atomic.check_output(tmp_path, [])
    with pytest.raises(InputError, match="does not exist"):
        atomic.check_output(tmp_path / "nowhere" / "x.csv", [])
    atomic.check_output(tmp_path / "new.csv", [example_portfolio()])   # a new file is fine


# -- XlsxWriter's private temporary folder --------------------------------------------------

def _python(code: str, tmp: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp)}, **kw)


def test_xlsxwriter_writes_its_parts_in_a_private_folder(tmp_path):
    from appraisal.io.workbook.layout import new_workbook
    wb = new_workbook(str(tmp_path / "b.xlsx"))
    assert Path(wb.tmpdir).name.startswith(f"appraisal-xlsx-{os.getpid()}-")
    wb.close()


def test_the_private_folder_goes_at_exit_on_ctrl_c_and_on_sigterm(tmp_path):
    stale = tmp_path / f"appraisal-xlsx-{_dead_pid()}-abc123"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "part.xml").write_text("x")
    make = "from appraisal.io.atomic import xlsx_temp_dir as d; p = d(); open(p + '/part', 'w')\n"
    proc = _python(make + "print(p)", tmp_path)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and not Path(out.strip()).exists()
    assert not stale.exists()                                   # removed at the next start
    proc = _python(make + "print(p, flush=True)\nraise KeyboardInterrupt", tmp_path)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0 and not Path(out.strip()).exists()
    proc = _python("import sys, time\nfrom appraisal.io.atomic import exit_cleanly_on_sigterm\n"
                   "exit_cleanly_on_sigterm()\n" + make + "print(p, flush=True)\n"
                   "sys.stdin.read()", tmp_path, stdin=subprocess.PIPE)
    folder = Path(proc.stdout.readline().strip())
    assert folder.is_dir()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM and not folder.exists()
    assert list(tmp_path.iterdir()) == []


def test_import_may_write_beside_its_workbooks_but_not_over_them(pack, tmp_path):
    from appraisal.io.submission import write_template
    folder = tmp_path / "subs"
    folder.mkdir()
    book = folder / "a.xlsx"
    write_template(book, pack)
    before = book.read_bytes()
    proc = run_cli("import", folder, "-o", book, "--appraisal-year", "2026")
    assert proc.returncode == 2 and "is also an input" in proc.stderr
    assert book.read_bytes() == before
    proc = run_cli("import", folder, "-o", folder / "p.json", "--appraisal-year", "2026")
    assert "is also an input" not in proc.stderr   # a blank template: no project, exit 2


def test_drop_down_choices_are_escaped_as_their_cells(tmp_path):
    from appraisal.io.workbook.layout import new_workbook
    path = tmp_path / "dv.xlsx"
    wb = new_workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_string(0, 0, "=standard\x0b")
    ws.data_validation(0, 0, 0, 0, {"validate": "list", "source": ["=standard\x0b", "plain"]})
    ws.data_validation("B1", {"validate": "list", "source": ["+x"]})
    wb.close()
    sheet = openpyxl.load_workbook(path)["S"]
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert sheet["A1"].value == "'=standard "
    assert lists == ['"\'=standard ,plain"', '"\'+x"']


def test_a_killed_exports_private_folder_goes_when_the_command_line_next_starts(tmp_path):
    stale = tmp_path / f"appraisal-xlsx-{_dead_pid()}-k1ll3d"
    stale.mkdir()
    (stale / "sheet1.xml").write_text("x" * 1000)
    proc = run_cli("appraise", "--example", "--format", "json", env={"TMPDIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unpaired_surrogate_is_escaped_in_json_never_a_crash(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE))
    doc["projects"][0]["name"] = "bad \ud800 name"
    path = tmp_path / "sur.json"
    path.write_text(json.dumps(doc), encoding="utf-8")   # ASCII: the escape survives
    proc = run_cli("appraise", path, "--format", "json")
    if proc.returncode == 2:   # the input side may refuse it: then it names the field
        assert "name" in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["projects"][0]["name"] == "bad \ud800 name"
    doc_saved = load_portfolio(path)
    save_portfolio(doc_saved, tmp_path / "saved.json")
    assert load_portfolio(tmp_path / "saved.json").data["projects"][0]["name"] == "bad \ud800 name"


def test_a_name_too_long_or_a_loop_of_links_is_bad_input(tmp_path):
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    for name in ("a" * 300 + ".json", "loop1"):
        proc = run_cli("appraise", "--example", "-o", name, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "cannot be used as a file name" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "loop1").is_symlink()


def test_a_dangling_link_is_written_through(tmp_path):
    (tmp_path / "link.csv").symlink_to("target.csv")
    proc = run_cli("appraise", "--example", "--format", "csv", "-o", "link.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "target.csv").read_text().startswith("id,name")


@pytest.mark.skipif(not Path("/dev/full").exists() or os.geteuid() == 0,
                    reason="as root a regression would replace /dev/full itself")
def test_dev_full_says_no_space_and_stays_a_device():
    proc = run_cli("appraise", "--example", "-o", "/dev/full")
    assert proc.returncode == 1
    assert "cannot write /dev/full: no space left on device" in proc.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
