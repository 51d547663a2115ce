"""Every write is audited (issue 19, finding 9): command-line imports, as the Upload page's.

The command line acts as ``cli:<login name>`` (the operating system's login name); each file
imported writes an ``import`` event, each refused file an ``import_rejected`` event, in the same
database, on SQLite and PostgreSQL. A dry run writes nothing and is not audited.
"""

from __future__ import annotations

import getpass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import models
from tests.test_import_cli import cli, url, write  # noqa: F401 - the CLI helpers and the url fixture
from tests.workbooks import engagement_row, quarterly_return, register, seed


def events(engine) -> list[tuple[str, str, dict]]:
    with Session(engine) as session:
        return [
            (event.actor, event.action, event.detail)
            for event in session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.id))
        ]


def test_command_line_imports_are_audited(engine, url, tmp_path):  # noqa: F811
    seed(engine)
    before = events(engine)
    good = write(tmp_path, "register.xlsx", register())
    bad = write(tmp_path, "return.xlsx", quarterly_return(engagements=[engagement_row({"LA": "Atlantis"})]))
    result = cli("import", good, bad, url=url)
    assert result.returncode == 1, result.stdout + result.stderr
    new = events(engine)[len(before) :]
    actor = f"cli:{getpass.getuser()}"
    assert [(who, action) for who, action, _ in new] == [(actor, "import"), (actor, "import_rejected")]
    imported, rejected = new[0][2], new[1][2]
    with Session(engine) as session:
        record = session.scalars(select(models.ImportRecord).where(models.ImportRecord.file_name == good)).one()
    assert imported["import_id"] == record.id and imported["kind"] == "contract register"
    assert imported["sha256"] == record.sha256
    assert rejected["file_name"] == bad and rejected["errors"] == 1


def test_a_dry_run_is_not_audited(engine, url, tmp_path):  # noqa: F811
    before = events(engine)
    assert cli("import", "--dry-run", write(tmp_path, "register.xlsx", register()), url=url).returncode == 0
    assert events(engine) == before


def test_the_demo_load_is_audited(engine):
    from data_access.demo import DEMO_USER, load_demo

    loaded = load_demo(engine)
    audited = [(who, action) for who, action, _ in events(engine)]
    assert audited == [(DEMO_USER, "import")] * loaded
