"""Fixtures for the io tests: LibreOffice recalculation of exported workbooks."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory, tools):
    """A function converting a workbook with LibreOffice headless.

    The profile tells LibreOffice to recalculate every formula on load
    (by default it may trust cached values of .xlsx files), so what comes
    back is LibreOffice's own arithmetic.
    """
    exe = tools.require("soffice", "libreoffice")   # skips without it; fails in CI
    profile = tmp_path_factory.mktemp("lo-profile")
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)

    def convert(src: Path, to: str = "xlsx") -> Path:
        out = tmp_path_factory.mktemp("lo-out")
        proc = subprocess.run(
            [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", to, "--outdir", str(out), str(src)],
            capture_output=True, text=True, timeout=240)
        result = out / (src.stem + "." + to.split(":")[0])
        assert result.exists(), f"LibreOffice failed: {proc.stdout} {proc.stderr}"
        return result

    return convert
