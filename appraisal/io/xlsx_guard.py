"""Checks on an .xlsx file from outside before any spreadsheet library parses it.

A submission workbook comes from a promoter's e-mail, so it is read as
untrusted: :func:`read_checked_xlsx` refuses anything that is not a plain,
modest .xlsx zip (too big, not a zip, a zip bomb, macros, external links,
encrypted) with an :class:`InputError` naming the file, and returns its bytes
so that the parser reads exactly what was checked. XML inside is parsed by
openpyxl through defusedxml (:func:`require_safe_xml`).
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..core.errors import InputError, Problem

MAX_FILE_BYTES = 50_000_000          # a filled template is about 30 kB
MAX_UNCOMPRESSED_BYTES = 50_000_000  # sum of the parts' declared sizes
MAX_RATIO = 100                      # XML compresses 5-20 to 1; a bomb by thousands
RATIO_CHECK_FROM_BYTES = 1_000_000   # small parts may compress well and do no harm
MAX_XML_PART_BYTES = 10_000_000     # openpyxl holds some parts (shared strings, styles) whole
MAX_PARTS = 1000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # .xls, and password-protected .xlsx
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")


def require_safe_xml() -> None:
    """Refuse to read untrusted workbooks unless openpyxl parses XML with defusedxml.

    openpyxl uses defusedxml only when it is installed and the environment
    variable OPENPYXL_DEFUSEDXML is not "False"; without it an entity
    expansion ("billion laughs") in a workbook would exhaust memory.
    """
    import openpyxl
    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise RuntimeError("reading submission workbooks needs the defusedxml package "
                           "(pip install defusedxml) and OPENPYXL_DEFUSEDXML not set to False")


def _refuse(file: str, message: str) -> InputError:
    return InputError([Problem(message, file=file)])


def read_checked_xlsx(path: str | Path) -> bytes:
    """The bytes of ``path`` once they are known to be a plain .xlsx workbook of bounded size.

    Raises
    ------
    InputError
        One problem naming the file and saying why it is refused.

    Notes
    -----
    Python's ``zipfile`` never returns more bytes for a part than its declared
    size (a part that inflates further fails its CRC check), so bounding the
    declared sizes here bounds what openpyxl can inflate later.
    """
    path = Path(path)
    file = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _refuse(file, f"cannot be opened: {exc.strerror or exc}") from None
    if not path.is_file():
        raise _refuse(file, "is not a file")
    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise _refuse(file, f"is a macro-enabled workbook ({suffix}); macros are refused. Save it "
                            "as an Excel Workbook (.xlsx) and send that")
    if size > MAX_FILE_BYTES:
        raise _refuse(file, f"is {size / 1e6:,.0f} MB; a submission workbook may be at most "
                            f"{MAX_FILE_BYTES / 1e6:,.0f} MB (a filled template is well under 1 MB)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _refuse(file, f"cannot be read: {exc.strerror or exc}") from None
    if data.startswith(OLE_MAGIC):
        raise _refuse(file, "is an old-style .xls workbook or a password-protected one; save it "
                            "as an Excel Workbook (.xlsx) without a password")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refuse(file, "is not an Excel workbook (.xlsx): it is not a zip archive") from None
    with archive:
        _check_parts(archive, file)
    return data


def _check_parts(archive: zipfile.ZipFile, file: str) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise _refuse(file, f"holds {len(infos):,} parts; a workbook of this template has about 20")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _refuse(file, "is a damaged workbook: a part appears twice in the archive")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _refuse(file, f"would expand to {total / 1e6:,.0f} MB (more than "
                            f"{MAX_UNCOMPRESSED_BYTES / 1e6:,.0f} MB); it is refused as a "
                            "possible zip bomb")
    for i in infos:
        if i.flag_bits & 0x1:
            raise _refuse(file, "is encrypted; save it without a password")
        if i.file_size > MAX_XML_PART_BYTES and i.filename.lower().endswith((".xml", ".rels")):
            raise _refuse(file, f"part {i.filename[:60]!r} is {i.file_size / 1e6:,.0f} MB; the parts "
                                "of a submission workbook are a few kB")
        if i.file_size >= RATIO_CHECK_FROM_BYTES and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise _refuse(file, f"part {i.filename[:60]!r} is compressed more than {MAX_RATIO} to 1; "
                                "the workbook is refused as a possible zip bomb")
    lower = [n.lower() for n in names]
    if any(n.endswith("vbaproject.bin") or "/activex/" in n for n in lower):
        raise _refuse(file, "contains macros (VBA or ActiveX); macros are refused. Save it as an "
                            "Excel Workbook (.xlsx) and send that")
    if any(n.startswith("xl/externallinks/") for n in lower):
        raise _refuse(file, "contains links to other workbooks (external links); type the values "
                            "themselves into the template and send it again")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in lower:
        raise _refuse(file, "is not an Excel workbook (.xlsx) (it is a zip archive of another kind)")
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > RATIO_CHECK_FROM_BYTES:
        raise _refuse(file, "is not a plain Excel workbook: its content types part is too large")
    try:
        types = archive.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise _refuse(file, "is a damaged workbook: its content types part cannot be read") from None
    if b"macroEnabled" in types or b"vbaProject" in types:
        raise _refuse(file, "is a macro-enabled workbook; macros are refused. Save it as an Excel "
                            "Workbook (.xlsx) and send that")
