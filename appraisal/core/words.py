"""Codes in words: the names a person reads for the codes the portfolio file and the
pack use (FORMAT.md keeps the codes). One source for the desktop application's
views and the appraisal workbook."""
from __future__ import annotations

OB_TYPE_NAMES = {"standard_buildings": "Standard buildings",
                 "non_standard_buildings": "Non-standard buildings",
                 "standard_civil_engineering": "Standard civil engineering",
                 "non_standard_civil_engineering": "Non-standard civil engineering",
                 "equipment_development": "Equipment and development",
                 "outsourcing": "Outsourcing"}
SPATIAL_LEVEL_NAMES = {"neighbourhood": "Neighbourhood", "local": "Local",
                       "sub-regional": "Sub-regional", "regional": "Regional",
                       "national": "National"}
STAGE_NAMES = {"soc": "Strategic outline case (SOC)", "obc": "Outline business case (OBC)",
               "fbc": "Full business case (FBC)"}
SECTOR_NAMES = {"domestic": "Domestic", "commercial": "Commercial and public",
                "industrial": "Industrial", "transport": "Transport"}
