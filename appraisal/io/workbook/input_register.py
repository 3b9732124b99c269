"""The register of the appraisal workbook's input cells, so that it can be read back.

Every input cell the export writes is registered here with the field of the
portfolio it holds (a path such as ``["projects", "HP-001", "capex", "2024"]``).
:meth:`InputRegister.write` lays the register out on a hidden sheet
``_inputs``: one row per cell with the path, a formula that *references* the
input cell (``='HP-001'!$B$40``), the address as written, and the value as
written. Excel and LibreOffice rewrite such references when rows or columns
are inserted, deleted or moved, so the reader
(:mod:`appraisal.io.appraisal_workbook`) sees a deleted row as ``#REF!`` and a
moved block as a reference that no longer matches the address written, and
refuses the workbook naming the sheet and cell.

The sheet also carries the portfolio's id, the method version, the pack, a
sha256 of the inputs written (:func:`inputs_hash`) and the portfolio document
the workbook was made from (the fields no cell holds: notes, sensitivity
ranges, calculators, unknown fields), which the reader starts from.

Registering a new input is one call: ``register.add(path, sheet, row, col,
value, kind)``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell
from ..escaping import clean_text

SHEET = "_inputs"
KIND = "low-carbon-appraisal workbook inputs"
REGISTER_VERSION = 1
KINDS = ("number", "integer", "text", "choice", "yesno")   # how a cell's value is read back
DOC_CHUNK = 30000            # characters per cell of the carried document (Excel's limit: 32767)
# rows of the hidden sheet's header: (label, key); the register starts after them
HEADER_KEYS = ("kind", "register_version", "portfolio_id", "method_version", "pack_id",
               "pack_vintage", "inputs_sha256", "document_sha256", "document_chunks", "cells")
FIRST_CELL_ROW = len(HEADER_KEYS) + 2      # 0-based: a blank row, then a column header
DOC_COL = 6                                # column G: the carried document, in chunks


def sheet_ref(sheet: str, row: int, col: int) -> str:
    """``'Sheet name'!$B$40``: an absolute reference a spreadsheet program keeps up to date."""
    return "'" + sheet.replace("'", "''") + "'!" + xl_rowcol_to_cell(row, col, True, True)


def address(sheet: str, row: int, col: int) -> str:
    """``Sheet name!B40``, for messages and the register's 'written at' column."""
    return f"{sheet}!{xl_rowcol_to_cell(row, col)}"


def as_read(value: Any) -> Any:
    """A value as a spreadsheet reads it back after XlsxWriter wrote it: numbers to 16
    significant digits (XlsxWriter's ``%.16G``), an empty text as an empty cell."""
    if value is None or isinstance(value, str) and value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("booleans are written as Yes/No text")
    if isinstance(value, (int, float)):
        return float(f"{float(value):.16G}") + 0.0   # -0.0 is written as "-0", read back as 0
    return clean_text(value)   # as a cell holds it: no control character (escaping.py)


def inputs_hash(entries: list[tuple[list[str], Any]]) -> str:
    """sha256 of the canonical serialisation of (path, value as read) pairs, in order."""
    canonical = json.dumps([[path, as_read(v)] for path, v in entries], ensure_ascii=True,
                           separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def document_text(document: dict[str, Any]) -> str:
    """The portfolio document as carried in the workbook (key order kept)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if not text.isprintable():   # a lone surrogate or a line separator: as JSON escapes, so
        # that the cells hold the text unchanged (escaping.clean_text would replace them)
        text = json.dumps(document, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text


@dataclass(frozen=True)
class InputCell:
    path: tuple[str, ...]
    sheet: str
    row: int
    col: int
    value: Any          # as written in the cell
    kind: str           # one of KINDS

    @property
    def where(self) -> str:
        return address(self.sheet, self.row, self.col)


@dataclass
class InputRegister:
    """Input cells in the order written, and what the workbook carries beside them."""

    cells: list[InputCell] = field(default_factory=list)

    def add(self, path: tuple[str, ...] | list[str], sheet: str, row: int, col: int, value: Any,
            kind: str = "number") -> None:
        """Register one input cell (0-based ``row`` and ``col``) holding ``path``'s value."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        self.cells.append(InputCell(tuple(clean_text(p) for p in path), sheet, row, col, value,
                                    kind))   # as column A will hold it (no control character)

    def hash(self) -> str:
        return inputs_hash([(list(c.path), c.value) for c in self.cells])

    def write(self, wb, *, portfolio_id: str, method_version: int, pack_id: str, pack_vintage: str,
              document: dict[str, Any]) -> None:
        """Write the hidden ``_inputs`` sheet and the custom document properties."""
        ws = wb.add_worksheet(SHEET)
        text = document_text(document)
        chunks = [text[i:i + DOC_CHUNK] for i in range(0, len(text), DOC_CHUNK)] or [""]
        digest = self.hash()
        meta = {"kind": KIND, "register_version": REGISTER_VERSION, "portfolio_id": portfolio_id,
                "method_version": method_version, "pack_id": pack_id, "pack_vintage": pack_vintage,
                "inputs_sha256": digest,
                "document_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "document_chunks": len(chunks), "cells": len(self.cells)}
        for r, key in enumerate(HEADER_KEYS):
            ws.write_string(r, 0, key)
            value = meta[key]
            if isinstance(value, str):
                ws.write_string(r, 1, value)
            else:
                ws.write_number(r, 1, value)
        for k, chunk in enumerate(chunks):   # the document, in a column of its own
            ws.write_string(k, DOC_COL, chunk)
        h = FIRST_CELL_ROW - 1
        for c, label in enumerate(("field", "reference (kept up to date)", "written at",
                                   "value written", "kind")):
            ws.write_string(h, c, label)
        for n, ic in enumerate(self.cells):
            r = FIRST_CELL_ROW + n
            ws.write_string(r, 0, json.dumps(list(ic.path), ensure_ascii=True))
            cached = as_read(ic.value)
            ws.write_formula(r, 1, "=" + sheet_ref(ic.sheet, ic.row, ic.col), None,
                             0 if cached is None else cached)
            ws.write_string(r, 2, ic.where)
            if cached is None:
                ws.write_blank(r, 3, None)
            elif isinstance(cached, str):
                ws.write_string(r, 3, cached)
            else:
                ws.write_number(r, 3, cached)
            ws.write_string(r, 4, ic.kind)
        ws.hide()
        wb.set_custom_property("LowCarbonAppraisalPortfolioId", portfolio_id)
        wb.set_custom_property("LowCarbonAppraisalInputsSha256", digest)
        wb.set_custom_property("LowCarbonAppraisalMethodVersion", str(method_version))


def document_from_inputs(inputs) -> dict[str, Any]:
    """A FORMAT.md section 1 document holding ``inputs`` (a :class:`PortfolioInputs`), for
    an export given parsed inputs only: what the workbook carries beside its cells."""
    def year_map(m):
        return None if m is None else {str(y): v for y, v in sorted(m.items())}

    def project(p) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": p.id, "name": p.name, "category": p.category, "area": p.area,
            "spatial_level": p.spatial_level, "price_year": p.price_year,
            "capex": year_map(p.capex), "public_funding_share": p.public_funding_share,
            "public_funding": year_map(p.public_funding), "opex_per_year": p.opex_per_year,
            "operating_start": p.operating_start, "lifetime_years": p.lifetime_years,
            "energy_changes": [{"fuel": f, "quantity_per_year": q} for f, q in p.energy_changes],
            "other_benefits": [
                {"label": b.label, "kind": b.kind, "discounting": b.discounting,
                 **({"per_year": b.per_year} if b.per_year is not None
                    else {"profile": year_map(b.profile)})} for b in p.other_benefits],
            "bill_savings_to_promoter": p.bill_savings_to_promoter,
            "optimism_bias": p.optimism_bias, "ob_mitigation": p.ob_mitigation,
            "ob_project_type": p.ob_project_type, "job_years_per_million": p.job_years_per_million,
            "operational_fte": p.operational_fte, "additionality": dict(p.additionality),
            "readiness": {k: getattr(p.readiness, k) for k in (
                "planning_consent", "site_secured", "procurement_ready", "match_funding_confirmed",
                "months_to_start")},
            "energy_sector": p.energy_sector, "counterfactual_capex": year_map(p.counterfactual_capex),
            "benefit_deadweight": p.benefit_deadweight, "comfort_taking": p.comfort_taking,
            "car_km_removed": (year_map(p.car_km_removed_by_year)
                               if p.car_km_removed_by_year is not None else p.car_km_removed),
            "added_peak_kw": p.added_peak_kw,
            "renewals": [{"label": lbl, "cost": c, "every_years": e} for lbl, c, e in p.renewals],
            "residual_value": p.residual_value, "asset_life_years": p.asset_life_years,
            "business_case_stage": p.business_case_stage, "vfm_adjustment": p.vfm_adjustment,
            "vfm_adjustment_reason": p.vfm_adjustment_reason, "tariffs": dict(p.tariffs),
            "vat_recoverable": p.vat_recoverable, "promoter_public": p.promoter_public}
        if p.sensitivity:
            out["sensitivity"] = {k: {"low": lo, "high": hi} for k, (lo, hi) in p.sensitivity.items()}
        return out

    doc: dict[str, Any] = {
        "format": "appraisal-portfolio", "version": 1, "name": inputs.name,
        "appraisal_year": inputs.appraisal_year, "price_base_year": inputs.price_base_year,
        "financial_discount_rate": inputs.financial_discount_rate,
        "discount_schedule": inputs.discount_schedule, "carbon_series": inputs.carbon_series,
        "energy_series": inputs.energy_series, "vfm_basis": inputs.vfm_basis,
        "financial_ob_share": inputs.financial_ob_share, "financial_basis": inputs.financial_basis,
        "projects": [project(p) for p in inputs.projects]}
    if inputs.sensitivity:
        doc["sensitivity"] = {k: {"low": lo, "high": hi} for k, (lo, hi) in inputs.sensitivity.items()}
    return doc


__all__ = ["InputCell", "InputRegister", "SHEET", "inputs_hash", "as_read", "address"]
