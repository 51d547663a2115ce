"""A deterministic synthetic dataset for benchmarks and the independent-check tests.

Full size (``scale=1``): 10 contracts over 6 financial years (2020-21 to
2025-26), every LA of the real reference list (``seeds/reference/la_reference.csv``;
no code is invented), 20,000 packages, 100,000 participant units, 250,000
survey responses and 100,000 invoice lines, inserted straight into a database
with bulk inserts (SQLAlchemy core executemany on SQLite, COPY on PostgreSQL);
plus a 100,000-row quarterly return workbook (Engagements sheet) for the import
benchmark.

The data deliberately hits the edges of rules.md: package end dates on month
ends (so "+3 months" clamps: 30 Nov -> 28 Feb, 29 Feb), follow-ups exactly on
the window's first and last day and one day outside it, responses dated after
any as-of date, packages spanning financial years, packages without an end
date, LAs that were reorganised while a package ran (Buckinghamshire, Cumbria,
North Yorkshire, Northamptonshire, Barnsley, ...), headings spelt with other
case and spacing, spend under headings with no allocation, zero allocations,
day rates above caps, amounts that do not match days x rate, late invoices.

Everything depends only on ``seed`` and ``scale``: never on today's date.

    python -m bench.generate --db URL [--scale 0.05] [--seed 7] [--workbook PATH]
"""

from __future__ import annotations

import argparse
import calendar
import csv
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data_access import bulk, models
from data_access.db import ensure_database, make_engine
from data_access.settings import REFERENCE_DIR

SEED = 20240315
FIRST_FY = 2020  # 2020-21 ... 2025-26
YEARS = 6
PERIOD_START = date(FIRST_FY, 4, 1)
PERIOD_END = date(FIRST_FY + YEARS, 3, 31)

FULL = {"packages": 20_000, "units": 100_000, "responses": 250_000, "invoice_lines": 100_000, "workbook_rows": 100_000}

ROLES = (
    "Chief Executive",
    "Lead Member",
    "Leader",
    "Chair of Scrutiny",
    "Cabinet Member",
    "Director of Children's Services",
    "Chief Finance Officer",
    "Councillor",
    "Other",
)
GROUP_TYPES = (
    "Cabinet",
    "Scrutiny committee",
    "Corporate parenting board",
    "Full council",
    "Leadership team",
    "Action learning set",
    "Other",
)
FOCUSES = ("CSC", "SEND", "Both", None)
HEADINGS = (
    "Peer mentors",
    "Group facilitation",
    "Programme management",
    "Evaluation",
    "Travel and subsistence",
    "Overheads",
)
UNPLANNED = "Unplanned costs"  # never in a pricing schedule: spend is an overspend of the whole amount


# ----------------------------------------------------------------------------- calendar


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's last day."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def fy_text(first_year: int) -> str:
    return f"{first_year}-{(first_year + 1) % 100:02d}"


def quarter_end(first_year: int, quarter: int) -> date:
    return month_end(add_months(date(first_year, 4, 1), 3 * quarter - 1))


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


# ---------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class RefLA:
    code: str
    dfe_code: str
    name: str
    valid_from: date
    valid_to: date | None
    reorganised: bool

    def live(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def reference_las() -> list[RefLA]:
    with open(REFERENCE_DIR / "la_reference.csv", newline="", encoding="utf-8") as handle:
        return [
            RefLA(
                row["la_code"],
                row["old_la_code"],
                row["la_name"],
                date.fromisoformat(row["valid_from"]),
                date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                bool(row["valid_to"] or row["predecessor_codes"] or row["successor_codes"]),
            )
            for row in csv.DictReader(handle)
        ]


class LAPicker:
    """Picks an LA live on a date; one in six picks from the reorganised LAs (when one is live)."""

    def __init__(self, las: list[RefLA]):
        self.las = las
        self._cache: dict[date, tuple[list[RefLA], list[RefLA]]] = {}

    def pick(self, rng: random.Random, on: date) -> RefLA:
        if on not in self._cache:
            live = [la for la in self.las if la.live(on)]
            self._cache[on] = (live, [la for la in live if la.reorganised])
        live, reorganised = self._cache[on]
        if reorganised and rng.random() < 1 / 6:
            return rng.choice(reorganised)
        return rng.choice(live)


# ------------------------------------------------------------------------------ dataset


@dataclass
class Dataset:
    contracts: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)  # contract_id = contract reference here
    engagements: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    invoice_lines: list[dict[str, Any]] = field(default_factory=list)


def sizes(scale: float) -> dict[str, int]:
    return {name: max(round(count * scale), 1) for name, count in FULL.items()}


def _contracts(rng: random.Random) -> list[dict[str, Any]]:
    contracts = []
    for number in range(1, 11):
        start = add_months(PERIOD_START, rng.choice((0, 0, 0, 3, 6, 12)))
        end = PERIOD_END if number % 4 else add_months(start, rng.choice((36, 48)))
        end = min(month_end(end), PERIOD_END)
        contracts.append(
            {
                "reference": f"bench_c{number:02d}",
                "title": f"Benchmark programme {number}",
                "supplier": f"Benchmark supplier {number}",
                "programme": f"Benchmark programme {number}",
                "contract_type": ("Contract", "Grant", "Call-off")[number % 3],
                "start_date": start,
                "end_date": end,
                "extension_up_to": None,
                "break_date": None,
                # every term present on some contracts and blank on others (a blank term does not apply)
                "value": None if number == 5 else Decimal("150000.00") if number % 4 == 2 else Decimal("5000000.00"),
                "day_rate_cap": Decimal("600.00"),
                "executive_day_rate_cap": Decimal("800.00") if number % 3 == 1 else None,
                "min_package_days": Decimal("5.00"),
                "min_las_per_year": 15 if number % 5 else None,
                "kpi_target": None if number == 9 else 0.8 if number == 7 else 0.75,
                "overheads_cap": 0.15 if number % 2 else None,
                "rates_include_expenses": True if number % 3 == 0 else False if number % 3 == 1 else None,
                "contract_manager": None,
            }
        )
    return contracts


def _end_date(rng: random.Random, start: date, support_type: str) -> date | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    months = rng.randint(1, 10) if support_type == "one_to_one" else rng.randint(0, 4)
    end = add_months(start, months) + timedelta(days=rng.randint(-10, 10))
    if roll < 0.30:  # month ends: "+3 months" clamps (30 Nov -> 28 Feb, 29 Nov 2023 -> 29 Feb 2024)
        end = month_end(end)
    elif roll < 0.36:
        end = date(end.year, end.month, min(calendar.monthrange(end.year, end.month)[1], rng.choice((28, 29, 30))))
    return max(end, start)


def _follow_up_dates(rng: random.Random, end: date) -> list[date]:
    window_end = add_months(end, 3)
    dates = []
    for _ in range(1 + (rng.random() < 0.65)):
        roll = rng.random()
        if roll < 0.30:
            dates.append(random_date(rng, end, window_end))
        elif roll < 0.45:
            dates.append(window_end)
        elif roll < 0.55:
            dates.append(window_end + timedelta(days=1))
        elif roll < 0.65:
            dates.append(end)
        elif roll < 0.70:
            dates.append(end - timedelta(days=1))
        else:
            dates.append(end + timedelta(days=rng.randint(0, 200)))
    return dates


def _units_and_responses(rng: random.Random, data: Dataset, contracts, picker: LAPicker, n: dict[str, int]) -> None:
    packages = n["packages"]
    one_to_one = int(packages * 0.6)
    group_people = max(n["units"] - int(one_to_one * 1.3), packages - one_to_one)
    group_average = group_people / max(packages - one_to_one, 1)
    unit_number = 0
    for number in range(packages):
        contract = contracts[number % len(contracts)]
        support_type = "one_to_one" if number < one_to_one else "group"
        start = random_date(rng, contract["start_date"], min(contract["end_date"], PERIOD_END))
        end = _end_date(rng, start, support_type)
        la = picker.pick(rng, start)
        ending = [
            la for la in picker.las if la.valid_to and contract["start_date"] < la.valid_to < contract["end_date"]
        ]
        if ending and rng.random() < 0.03:  # a package running across its LA's reorganisation
            la = rng.choice(ending)
            start = max(la.valid_to - timedelta(days=rng.randint(1, 300)), contract["start_date"], la.valid_from)
            end = None if rng.random() < 0.2 else la.valid_to + timedelta(days=rng.randint(1, 500))
        package_id = f"PKG-{number:06d}"
        if support_type == "one_to_one":
            people = 1 + (rng.random() < 0.3)
        else:
            people = max(1, round(rng.uniform(0.5, 1.5) * group_average))
        group_type = rng.choice(GROUP_TYPES) if support_type == "group" else None
        focus = rng.choice(FOCUSES)
        days = Decimal(rng.choice((2, 3, 4, 5, 5, 6, 8, 10, 12, 40))) if support_type == "one_to_one" else None
        for _ in range(people):
            unit_number += 1
            participant = f"P{unit_number:07d}"
            data.engagements.append(
                {
                    "contract_id": contract["reference"],
                    "package_id": package_id,
                    "participant_id": participant,
                    "la_code": la.code,
                    "support_type": support_type,
                    "group_type": group_type,
                    "role": rng.choice(ROLES),
                    "participant_name": None,
                    "start_date": start,
                    "end_date": end,
                    "days_delivered": days,
                    "delivered_by": f"Bench mentor {rng.randint(1, 60):02d}",
                    "focus": focus,
                }
            )
            _responses(rng, data, contract["reference"], package_id, participant, start, end)


def _responses(
    rng: random.Random, data: Dataset, contract: str, package_id: str, participant: str, start: date, end: date | None
) -> None:
    seen: set[tuple[str, date]] = set()

    def add(stage: str, when: date, confidence: int, impact: bool | None) -> None:
        if (stage, when) in seen:
            return
        seen.add((stage, when))
        data.responses.append(
            {
                "contract_id": contract,
                "package_id": package_id,
                "participant_id": participant,
                "stage": stage,
                "response_date": when,
                "confidence": confidence,
                "impact_demonstrated": impact,
                "evidence": None,
            }
        )

    baseline_confidence = rng.randint(1, 4)
    if rng.random() < 0.92:
        add("baseline", start - timedelta(days=rng.randint(-5, 20)), baseline_confidence, None)
    if rng.random() < 0.25:  # a second baseline, sometimes after the follow-up window
        add("baseline", start + timedelta(days=rng.randint(1, 400)), rng.randint(1, 5), None)
    reference_end = end or add_months(start, 6)
    if rng.random() < 0.9:
        for when in _follow_up_dates(rng, reference_end):
            roll = rng.random()
            impact = True if roll < 0.7 else (False if roll < 0.9 else None)
            add("follow_up", when, min(5, max(1, baseline_confidence + rng.choice((-1, 0, 1, 1, 2)))), impact)


def _finance(rng: random.Random, data: Dataset, contracts, n: dict[str, int]) -> None:
    schedule: dict[str, list[str]] = {}
    for contract in contracts:
        headings = rng.sample(HEADINGS[:-1], rng.randint(2, 4)) + ["Overheads"]
        schedule[contract["reference"]] = headings
        for first_year in range(FIRST_FY, FIRST_FY + YEARS):
            for heading in headings:
                roll = rng.random()
                if roll < 0.08:
                    continue  # nothing allocated under this heading this year
                amount = Decimal("0.00") if roll < 0.14 else Decimal(rng.randint(20, 400) * 1000) + Decimal("0.50")
                data.allocations.append(
                    {
                        "contract_id": contract["reference"],
                        "heading": heading,
                        "financial_year": fy_text(first_year),
                        "amount": amount,
                    }
                )
    lines_left = n["invoice_lines"]
    invoice = 0
    while lines_left > 0:
        contract = contracts[invoice % len(contracts)]
        invoice += 1
        first_year = rng.randint(FIRST_FY, FIRST_FY + YEARS - 1)
        quarter = rng.randint(1, 4)
        ends = quarter_end(first_year, quarter)
        roll = rng.random()
        invoice_date = ends + timedelta(days=rng.randint(1, 30) if roll < 0.8 else rng.choice((31, 45, 90)))
        reference = f"INV-{contract['reference']}-{invoice:06d}"
        for line in range(1, min(rng.randint(1, 8), lines_left) + 1):
            lines_left -= 1
            heading = rng.choice(schedule[contract["reference"]])
            roll = rng.random()
            if roll < 0.03:
                heading = UNPLANNED
            elif roll < 0.08:
                heading = heading.upper()
            elif roll < 0.12:
                heading = heading.replace(" ", "  ") + " "
            level = rng.choice(("Executive", "Management", None))
            if "overhead" in heading.lower():
                days = rate = None
                amount = Decimal(rng.randint(100, 9000)) + Decimal(rng.randint(0, 99)) / 100
            else:
                days = Decimal(rng.choice((1, 2, 3, 5, 8, 10))) / (2 if rng.random() < 0.2 else 1)
                rate = Decimal(rng.choice((450, 550, 600, 600, 650, 750, 800, 850)))
                amount = (days * rate).quantize(Decimal("0.01"))
                if rng.random() < 0.05:
                    amount += Decimal(rng.choice(("0.75", "1.00", "1.01", "35.20")))
            data.invoice_lines.append(
                {
                    "contract_id": contract["reference"],
                    "invoice_ref": reference,
                    "line": line,
                    "financial_year": fy_text(first_year),
                    "quarter": quarter,
                    "heading": heading,
                    "role": "Peer mentor",
                    "level": level,
                    "days": days,
                    "day_rate": rate,
                    "amount": amount,
                    "vat": (amount * Decimal("0.2")).quantize(Decimal("0.01")),
                    "invoice_date": invoice_date,
                }
            )


def build(scale: float = 1.0, seed: int = SEED) -> Dataset:
    """The whole dataset in memory (contract references stand in for contract ids)."""
    rng = random.Random(seed)
    n = sizes(scale)
    data = Dataset(contracts=_contracts(rng))
    _units_and_responses(rng, data, data.contracts, LAPicker(reference_las()), n)
    target = n["responses"]  # trim to the stated size, keeping every unit's order of dates
    if len(data.responses) > target:
        keep = sorted(rng.sample(range(len(data.responses)), target))
        data.responses = [data.responses[i] for i in keep]
    _finance(rng, data, data.contracts, n)
    return data


# ------------------------------------------------------------------------------ insert


TABLES = (
    (models.Allocation, "allocations"),
    (models.Engagement, "engagements"),
    (models.SurveyResponse, "responses"),
    (models.InvoiceLine, "invoice_lines"),
)


def insert_dataset(engine: Engine, data: Dataset) -> None:
    """Bulk insert into a migrated database with reference data and no contracts of these names."""
    with Session(engine) as session, session.begin():
        session.add_all(models.Contract(**contract) for contract in data.contracts)
    with Session(engine) as session:
        ids = dict(session.execute(select(models.Contract.reference, models.Contract.id)).all())
    for model, name in TABLES:
        rows = [{**row, "contract_id": ids[row["contract_id"]]} for row in getattr(data, name)]
        with engine.begin() as connection:
            bulk.insert_rows(connection, model.__table__, rows)
            if engine.dialect.name == "postgresql":  # planner statistics, as after any large load
                connection.exec_driver_sql(f"ANALYZE {model.__tablename__}")


def generate_database(url: str, scale: float = 1.0, seed: int = SEED) -> Engine:
    """Create (or migrate) the database at ``url`` and fill it with the dataset."""
    engine = make_engine(url)
    ensure_database(engine)
    insert_dataset(engine, build(scale, seed))
    return engine


# ----------------------------------------------------------------------------- workbook


ENGAGEMENT_HEADERS = (
    "Contract reference",
    "Package ID",
    "LA",
    "Support type",
    "Group type",
    "Participant ID",
    "Role",
    "Participant name",
    "Start date",
    "End date",
    "Days delivered",
    "Delivered by",
    "Focus",
)
WORKBOOK_CONTRACT = "bench_c01"


def write_return_workbook(
    path: Path, scale: float = 1.0, seed: int = SEED, contract: str = WORKBOOK_CONTRACT, revised: bool = False
) -> Path:
    """A quarterly return whose Engagements sheet has ``100,000 x scale`` rows, as a supplier fills it
    (LA as a name, a GSS code or a DfE code; support type in the usual spellings). ``revised``: the
    same return with every tenth row's 'Delivered by' changed (a return that updates 10 % of its rows)."""
    import xlsxwriter

    rng = random.Random(seed + 1)
    picker = LAPicker(reference_las())
    rows = sizes(scale)["workbook_rows"]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet = workbook.add_worksheet("Engagements")
    sheet.write_row(0, 0, ENGAGEMENT_HEADERS, bold)
    row = 1
    package = 0
    while row <= rows:
        package += 1
        support = "One-to-one" if rng.random() < 0.6 else "Group"
        people = 1 if support == "One-to-one" else rng.randint(3, 12)
        start = random_date(rng, date(2021, 4, 1), date(2024, 3, 31))
        end = _end_date(rng, start, "one_to_one" if support == "One-to-one" else "group")
        la = picker.pick(rng, start)
        roll = rng.random()
        la_cell = la.name if roll < 0.5 else (la.code if roll < 0.8 else la.dfe_code)
        group_type = rng.choice(GROUP_TYPES) if support == "Group" else None
        focus = rng.choice(FOCUSES)
        for _ in range(people):
            if row > rows:
                break
            sheet.write_string(row, 0, contract)
            sheet.write_string(row, 1, f"WB-{package:06d}")
            sheet.write_string(row, 2, la_cell)
            sheet.write_string(row, 3, support)
            if group_type:
                sheet.write_string(row, 4, group_type)
            sheet.write_string(row, 5, f"WP{row:07d}")
            sheet.write_string(row, 6, rng.choice(ROLES))
            sheet.write_datetime(row, 8, start, date_format)
            if end is not None:
                sheet.write_datetime(row, 9, end, date_format)
            if support == "One-to-one":
                sheet.write_number(row, 10, rng.choice((3, 5, 8, 10)))
            mentor = f"Bench mentor {rng.randint(1, 60):02d}"
            sheet.write_string(row, 11, f"{mentor} (revised)" if revised and row % 10 == 0 else mentor)
            if focus:
                sheet.write_string(row, 12, focus)
            row += 1
    workbook.close()
    return path


def register_contract(engine: Engine, reference: str = WORKBOOK_CONTRACT, seed: int = SEED) -> None:
    """Only the contract the return belongs to (for the import benchmark)."""
    contract = next(c for c in _contracts(random.Random(seed)) if c["reference"] == reference)
    with Session(engine) as session, session.begin():
        session.add(models.Contract(**contract))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database to fill")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workbook", type=Path, help="also write the quarterly return workbook here")
    args = parser.parse_args(argv)
    if args.db:
        generate_database(args.db, args.scale, args.seed).dispose()
    if args.workbook:
        write_return_workbook(args.workbook, args.scale, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
