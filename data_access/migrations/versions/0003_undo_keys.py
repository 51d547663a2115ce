"""undo keys: row ids of the tables undo records point at are never reused (SQLite AUTOINCREMENT)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 01:10:00

Undo records (``row_changes``) name a row by table and id. A plain SQLite
``INTEGER PRIMARY KEY`` hands out one more than the largest id stored, so the id
of a row an undo had deleted came back for the next row inserted, and that row
inherited the deleted row's history (a participant's export held another
person's names). SQLite can only add ``AUTOINCREMENT`` by rebuilding a table:
each is copied whole, ids and all (``migrate`` runs this with foreign key checks
off, and checks every reference before it commits). Each table's counter then
starts above every id an undo record has ever named, so no id already used is
handed out again. PostgreSQL's sequences never reuse a value: nothing to do.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = (
    "contracts",
    "milestones",
    "allocations",
    "day_rates",
    "engagements",
    "survey_responses",
    "invoice_lines",
    "la_status",
)


def _rebuild(autoincrement: bool) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    _rebuild(True)
    for table in TABLES:
        largest = max(
            connection.scalar(sa.text(f'SELECT max(id) FROM "{table}"')) or 0,
            connection.scalar(sa.text("SELECT max(row_id) FROM row_changes WHERE table_name = :t"), {"t": table}) or 0,
        )
        connection.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
        connection.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :seq)"), {"t": table, "seq": largest}
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(False)
