"""Loads the reference data in ``seeds/reference/`` into a new database.

Regions, LAs with their valid dates and successors, boundary changes, the
hex-map layout, the Ofsted ILACS history, and DfE's LAIT outcome measures, their
values and statistical neighbours (``data_access.lait``; see ``seeds/reference/PROVENANCE.md``).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from data_access import models
from data_access.settings import REFERENCE_DIR

OFSTED_SOURCE = "Ofsted ILACS"

# Ofsted publishes "Requires improvement to be good"; the dashboard says "Requires improvement".
JUDGEMENT_NAMES = {"Requires improvement to be good": "Requires improvement"}


def _rows(name: str, folder: Path = REFERENCE_DIR) -> list[dict[str, str]]:
    with open(folder / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def load_reference_data(session: Session, folder: Path = REFERENCE_DIR) -> None:
    """Insert every reference row; the caller owns the transaction."""
    session.add_all(
        models.Region(code=row["region_code"], name=row["region_name"]) for row in _rows("regions.csv", folder)
    )
    session.flush()
    session.add_all(
        models.LocalAuthority(
            code=row["la_code"],
            dfe_code=row["old_la_code"],
            name=row["la_name"],
            la_type=row["la_type"],
            region_code=row["region_code"],
            valid_from=_date(row["valid_from"]),
            valid_to=_date(row["valid_to"]),
            successor_codes=row["successor_codes"],
            other_names=row["other_names_in_sources"],
        )
        for row in _rows("la_reference.csv", folder)
    )
    session.flush()
    session.add_all(
        models.BoundaryChange(
            change_date=_date(row["change_date"]),
            change_type=row["change_type"],
            old_code=row["old_la_code_gss"],
            new_code=row["new_la_code_gss"],
            note=row["note"],
        )
        for row in _rows("la_changes.csv", folder)
    )
    session.add_all(
        models.HexPosition(la_code=row["la_code"], q=int(row["q"]), r=int(row["r"]))
        for row in _rows("hexmap_utla_2023.csv", folder)
    )
    session.add_all(
        models.LAStatus(
            la_code=row["la_code"],
            effective_date=_date(row["publication_date"]) or _date(row["inspection_date"]),
            ilacs_judgement=JUDGEMENT_NAMES.get(row["overall_effectiveness"], row["overall_effectiveness"]),
            ilacs_date=_date(row["inspection_date"]),
            source=OFSTED_SOURCE,
        )
        for row in _rows("ofsted_ilacs_history_2018_2025.csv", folder)
    )
    session.flush()
