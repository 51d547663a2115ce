"""bulk.insert_rows writes values exactly as given on every backend (PostgreSQL: COPY's text
format, where a tab, a newline, a backslash or ``\\N`` in a value must be escaped)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import bulk, models
from tests import workbooks as wb

# NUL is left out of text: PostgreSQL text cannot hold it (the importer drops it before a write)
HOSTILE = [
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    "crlf\r\n",
    "back\\slash",
    "\\N",
    "\\.",
    "\\",
    "\\\\N",
    "ends with a backslash\\",
    "\\t not a tab",
    "\\x41 not A",
    "'quoted' \"double\"",
    "|,;",
    " padded ",
    "\x01\x02\x1b\x7f",
    "\u2028\u2029\x85",
    "é ü 漢字 \U0001f600",
    "\ufeffBOM",
    "",
    "NULL",
    "null",
    "\\\n\t\\",
    "=1+1",
]


def test_hostile_values_round_trip_exactly(engine):
    wb.seed(engine)
    with Session(engine) as session:
        contract_id = session.scalar(select(models.Contract.id).where(models.Contract.reference == "CON-1"))
        la_code = session.scalar(select(models.Engagement.la_code))
        import_id = session.scalar(select(models.ImportRecord.id))
        last_change = session.scalar(select(func.max(models.RowChange.id)))
        rows = [
            {
                "contract_id": contract_id,
                "package_id": f"BULK-{number}",
                "participant_id": text[:80] or "-",
                "la_code": la_code,
                "support_type": "Peer",
                "group_type": None,
                "role": text[:80] or "-",
                "participant_name": text,
                "start_date": date(2024, 1, number + 1),
                "end_date": None,
                "days_delivered": Decimal("1234.05") if number % 2 else None,
                "delivered_by": text[::-1],
                "focus": None,
            }
            for number, text in enumerate(HOSTILE)
        ]
        changes = [
            {
                "import_id": import_id,
                "table_name": "engagements",
                "row_id": number,
                "before": None if number % 2 else {"text": text, "nul": f"a\x00{text}", "list": [text, None]},
                "after": {text: text, "date": date(2024, 3, 15), "days": Decimal("1250.50"), "none": None},
            }
            for number, text in enumerate(HOSTILE)
        ]
        bulk.insert_rows(session.connection(), models.Engagement.__table__, rows, same={"import_id": import_id})
        bulk.insert_rows(session.connection(), models.RowChange.__table__, changes)
        session.commit()

    with Session(engine) as session:
        table = models.Engagement.__table__
        stored = (
            session.execute(
                select(*(table.c[name] for name in rows[0]), table.c.import_id, table.c.missing_from_latest_return)
                .where(table.c.package_id.like("BULK-%"))
                .order_by(table.c.id)
            )
            .mappings()
            .all()
        )
        assert [dict(row) for row in stored] == [
            {**row, "import_id": import_id, "missing_from_latest_return": False} for row in rows
        ]
        written = session.execute(
            select(
                models.RowChange.import_id,
                models.RowChange.table_name,
                models.RowChange.row_id,
                models.RowChange.before,
                models.RowChange.after,
            )
            .where(models.RowChange.id > last_change)
            .order_by(models.RowChange.id)
        ).all()
        assert [tuple(row) for row in written] == [
            (
                import_id,
                "engagements",
                number,
                None if number % 2 else {"text": text, "nul": f"a\x00{text}", "list": [text, None]},
                {text: text, "date": "2024-03-15", "days": "1250.50", "none": None},
            )
            for number, text in enumerate(HOSTILE)
        ]
