"""All settings in one place, read from the environment.

| variable | meaning | default |
| --- | --- | --- |
| `DASHBOARD_DATABASE_URL` | SQLAlchemy URL of the database | SQLite file `data/oversight.db` in the project |
| `DASHBOARD_MAX_UPLOAD_MB` | largest file the importer reads | 25 |
| `DASHBOARD_MAX_UNPACKED_MB` | largest unpacked size of a workbook | 200 |
| `DASHBOARD_RETENTION_MONTHS` | months after a contract ends before its personal data may be erased | 24 |
| `DASHBOARD_ACCESSIBILITY_CONTACT` | mailbox named on the accessibility statement | (the contract manager route) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
SEEDS_DIR = PROJECT_ROOT / "seeds"
REFERENCE_DIR = SEEDS_DIR / "reference"
MB = 1_000_000  # a megabyte as Streamlit's upload limit counts it, so the two limits agree


def default_database_url() -> str:
    return f"sqlite:///{DATA_DIR / 'oversight.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    max_upload_bytes: int
    max_unpacked_bytes: int
    retention_months: int
    accessibility_contact: str


def load_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("DASHBOARD_DATABASE_URL") or default_database_url(),
        max_upload_bytes=int(float(os.environ.get("DASHBOARD_MAX_UPLOAD_MB", "25")) * MB),
        max_unpacked_bytes=int(float(os.environ.get("DASHBOARD_MAX_UNPACKED_MB", "200")) * MB),
        retention_months=int(os.environ.get("DASHBOARD_RETENTION_MONTHS", "24")),
        accessibility_contact=os.environ.get("DASHBOARD_ACCESSIBILITY_CONTACT", "").strip(),
    )
