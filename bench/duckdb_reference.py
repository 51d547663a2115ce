"""An independent implementation of the summary figures, in SQL on DuckDB.

Written from ``shared/spec/rules.md`` and ``cli.md`` directly: it reads the raw
tables of our database (not the repositories, not the ``dashboard`` rules),
copies them into an in-memory DuckDB, and computes every figure with SQL. The
tests compare it with ``build_summary``; the benchmark times it against the
dashboard.

    con = export(engine)                 # raw tables -> DuckDB
    reference_summary(con, as_of)        # the JSON object of `python -m dashboard kpis --json`
    kpi_slices(con, as_of, "region")     # KPI counts per contract, KPI and slice
    coverage_by_region(con, as_of)       # supported / total LAs per region
    finance_flag_counts(con, as_of)      # the finance flags of rules.md, counted per kind

Choices where rules.md leaves room, made the way the spec reads:
- A unit (contract, package, participant) that starts after the as-of date is
  not counted at all ("nothing dated after the as-of date counts"); nor is a
  baseline or follow-up dated after it.
- The FY of an invoice line is the FY it bills (its Financial year column).
- Headings match ignoring case and runs of spaces; a heading is reported as
  the pricing schedule spells it (first allocation row), else as the first
  counted invoice line spells it. A zero allocation is a row, with 0 allocated.
- LA identity in a FY (coverage): a code not live at the FY end with exactly
  one successor is followed, successor by successor, to the code live at the
  FY end; failing that, a code whose single predecessor had only this
  successor is walked back to the code live then (a 1:1 recode); a split
  keeps the old code.
- Data currency: a return is an import whose outcome is still `imported` and that
  states a reporting quarter, for each contract its summary names (else the
  import's contract). An extension is in use when an invoice dated by as-of bills
  a quarter starting after the end date, or a milestone is due after the term's
  last quarterly report (30 days after the end date's quarter).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import Engine

WILSON_Z = 1.959964

# --------------------------------------------------------------------------- export

# Everything leaves the source database as text (dates ISO, money as written), so
# SQLite's REAL-backed NUMERIC and PostgreSQL's numeric arrive identically.
_EXPORTS = {
    "src_contracts": """
        SELECT id, reference, kpi_target, min_las_per_year, CAST(day_rate_cap AS VARCHAR(30)) AS day_rate_cap,
               CAST(executive_day_rate_cap AS VARCHAR(30)) AS executive_day_rate_cap,
               CAST(overheads_cap AS VARCHAR(30)) AS overheads_cap, CAST(value AS VARCHAR(30)) AS value,
               CASE WHEN rates_include_expenses THEN 1 WHEN NOT rates_include_expenses THEN 0 END AS inclusive
        FROM contracts""",
    "src_engagements": """
        SELECT contract_id, package_id, participant_id, la_code, support_type, role, focus,
               CAST(start_date AS VARCHAR(10)) AS start_date, CAST(end_date AS VARCHAR(10)) AS end_date,
               CAST(days_delivered AS VARCHAR(30)) AS days_delivered
        FROM engagements""",
    "src_ilacs": """
        SELECT la_code, CAST(effective_date AS VARCHAR(10)) AS published, ilacs_judgement, source FROM la_status""",
    "src_las": """
        SELECT code, region_code, CAST(valid_from AS VARCHAR(10)) AS valid_from,
               CAST(valid_to AS VARCHAR(10)) AS valid_to, successor_codes
        FROM local_authorities""",
    "src_responses": """
        SELECT contract_id, package_id, participant_id, stage, CAST(response_date AS VARCHAR(10)) AS response_date,
               confidence, CASE WHEN impact_demonstrated THEN 1 WHEN NOT impact_demonstrated THEN 0 END AS impact
        FROM survey_responses""",
    "src_allocations": """
        SELECT id, contract_id, heading, financial_year, CAST(amount AS VARCHAR(30)) AS amount FROM allocations""",
    "src_invoice_lines": """
        SELECT id, contract_id, invoice_ref, line, financial_year, quarter, heading, role, level,
               CAST(days AS VARCHAR(30)) AS days, CAST(day_rate AS VARCHAR(30)) AS day_rate,
               CAST(amount AS VARCHAR(30)) AS amount, CAST(invoice_date AS VARCHAR(10)) AS invoice_date
        FROM invoice_lines""",
}

# Data currency (rules.md "Data currency"): the contracts' dates and value, milestones and imports.
_EXPORTS.update(
    {
        "src_contract_dates": """
        SELECT id, reference, CAST(end_date AS VARCHAR(10)) AS end_date,
               CAST(extension_up_to AS VARCHAR(10)) AS extension_up_to, CAST(value AS VARCHAR(30)) AS value,
               extension_notice_months, CAST(break_date AS VARCHAR(10)) AS break_date
        FROM contracts""",
        "src_milestones": "SELECT contract_id, CAST(due_date AS VARCHAR(10)) AS due_date FROM milestones",
        "src_imports": """
        SELECT id, outcome, contract_reference, CAST(reporting_quarter_end AS VARCHAR(10)) AS quarter_end,
               CAST(imported_at AS VARCHAR(40)) AS imported_at, CAST(summary AS TEXT) AS summary
        FROM imports WHERE outcome = 'imported' AND reporting_quarter_end IS NOT NULL""",
    }
)

_TYPED = {
    "contracts": """
        SELECT id::INTEGER AS id, reference, kpi_target::DOUBLE AS kpi_target,
               min_las_per_year::INTEGER AS min_las_per_year,
               day_rate_cap::DECIMAL(14, 2) AS day_rate_cap, executive_day_rate_cap::DECIMAL(14, 2) AS executive_cap,
               overheads_cap::DECIMAL(9, 6) AS overheads_cap, value::DECIMAL(18, 2) AS value,
               coalesce(inclusive::INTEGER = 1, FALSE) AS rates_include_expenses
        FROM src_contracts""",
    "engagements": """
        SELECT contract_id::INTEGER AS contract_id, package_id, participant_id, la_code, support_type, role, focus,
               start_date::DATE AS start_date, end_date::DATE AS end_date,
               days_delivered::DECIMAL(10, 2) AS days_delivered
        FROM src_engagements""",
    "ilacs": """
        SELECT la_code, published::DATE AS published, ilacs_judgement, source FROM src_ilacs""",
    "las": """
        SELECT code, region_code, valid_from::DATE AS valid_from, valid_to::DATE AS valid_to,
               list_filter(string_split(coalesce(successor_codes, ''), ';'), lambda s: s <> '') AS successors
        FROM src_las""",
    "responses": """
        SELECT contract_id::INTEGER AS contract_id, package_id, participant_id, stage,
               response_date::DATE AS response_date, confidence::INTEGER AS confidence,
               CASE impact::INTEGER WHEN 1 THEN TRUE WHEN 0 THEN FALSE END AS impact
        FROM src_responses""",
    "allocations": """
        SELECT id::BIGINT AS id, contract_id::INTEGER AS contract_id, heading, financial_year,
               amount::DECIMAL(14, 2) AS amount
        FROM src_allocations""",
    "invoice_lines": """
        SELECT id::BIGINT AS id, contract_id::INTEGER AS contract_id, invoice_ref, line::INTEGER AS line,
               financial_year, quarter::INTEGER AS quarter, heading, role, level, days::DECIMAL(10, 2) AS days,
               day_rate::DECIMAL(14, 2) AS day_rate, amount::DECIMAL(14, 2) AS amount,
               invoice_date::DATE AS invoice_date
        FROM src_invoice_lines""",
    "contract_dates": """
        SELECT id::INTEGER AS id, reference, end_date::DATE AS end_date, extension_up_to::DATE AS extension_up_to,
               value::DECIMAL(14, 2) AS value, extension_notice_months::INTEGER AS extension_notice_months,
               break_date::DATE AS break_date
        FROM src_contract_dates""",
    "milestones": "SELECT contract_id::INTEGER AS contract_id, due_date::DATE AS due_date FROM src_milestones",
}


def _frame(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as connection:
        cursor = connection.exec_driver_sql(sql)
        columns = list(cursor.keys())
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def export(engine: Engine, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """Copy the raw tables of our database into DuckDB (typed, in memory)."""
    con = con or duckdb.connect()
    for name, sql in _EXPORTS.items():
        frame = _frame(engine, sql)
        for column in frame.columns:  # all-NULL columns need a type DuckDB can cast from
            if frame[column].dtype == object:
                frame[column] = frame[column].astype("string")
        con.register(f"{name}_df", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_df")
        con.unregister(f"{name}_df")
    for name, sql in _TYPED.items():
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
    returns = [
        (contract, quarter_end, imported_at[:10])
        for _, _, reference, quarter_end, imported_at, summary in con.execute("SELECT * FROM src_imports").fetchall()
        for contract in (json.loads(summary or "{}").get("return_contracts") or ([reference] if reference else []))
    ]
    con.execute("CREATE OR REPLACE TABLE returns (contract VARCHAR, quarter_end DATE, imported_on DATE)")
    if returns:
        con.executemany("INSERT INTO returns VALUES (?, ?, ?)", returns)
    return con


# ------------------------------------------------------------------------------ KPIs

# One row per unit that has started by the as-of date, with its status (rules.md,
# "KPI 1 and KPI 2"). $as_of is the as-of date.
_UNIT_STATUS = """
WITH units AS (
    SELECT e.*, c.reference AS contract, c.kpi_target,
           CAST(e.end_date + INTERVAL 3 MONTH AS DATE) AS window_end  -- clamps to the month's last day
    FROM engagements e JOIN contracts c ON c.id = e.contract_id
    WHERE e.start_date <= $as_of AND e.support_type IN ('one_to_one', 'group')
),
ended AS (SELECT * FROM units WHERE end_date <= $as_of),
data_to AS (  -- the end of the latest reporting quarter, ending by as-of, of the contract's returns
    SELECT lower(contract) AS contract_key, max(quarter_end) AS data_to FROM returns
    WHERE quarter_end <= $as_of GROUP BY 1
),
baseline AS (  -- the unit's Baseline response, earliest if several (nothing after as-of)
    SELECT contract_id, package_id, participant_id, confidence, response_date AS baseline_date
    FROM (
        SELECT r.*, row_number() OVER (PARTITION BY r.contract_id, r.package_id, r.participant_id
                                       ORDER BY r.response_date) AS n
        FROM responses r JOIN ended u USING (contract_id, package_id, participant_id)
        WHERE r.stage = 'baseline' AND r.response_date <= $as_of
    ) WHERE n = 1
),
follow_up AS (  -- latest Follow-up within [end, end + 3 months] and on or before as-of
    SELECT contract_id, package_id, participant_id, confidence, impact
    FROM (
        SELECT r.*, row_number() OVER (PARTITION BY r.contract_id, r.package_id, r.participant_id
                                       ORDER BY r.response_date DESC) AS n
        FROM responses r JOIN ended u USING (contract_id, package_id, participant_id)
        WHERE r.stage = 'follow_up' AND r.response_date >= u.end_date
          AND r.response_date <= u.window_end AND r.response_date <= $as_of
    ) WHERE n = 1
)
SELECT u.contract, u.support_type AS kpi, u.kpi_target, u.la_code, u.role, u.focus,
       l.region_code,
       CASE WHEN u.end_date IS NULL THEN NULL
            ELSE printf('%d-%02d', year(u.end_date) - (month(u.end_date) < 4)::INT,
                        (year(u.end_date) - (month(u.end_date) < 4)::INT + 1) % 100) END AS financial_year,
       CASE
           WHEN u.end_date IS NULL OR u.end_date > $as_of THEN 'in_progress'
           WHEN f.confidence IS NOT NULL AND b.confidence IS NOT NULL
                AND f.confidence > b.confidence AND f.impact IS TRUE THEN 'met'
           WHEN f.confidence IS NOT NULL AND b.confidence IS NOT NULL THEN 'not_met'
           WHEN f.confidence IS NOT NULL THEN 'no_baseline'
           WHEN u.window_end > $as_of THEN 'pending'
           WHEN u.window_end > d.data_to THEN 'awaiting_return'  -- NULL (unknown) data-to: not awaiting
           ELSE 'no_response'
       END AS status,
       coalesce(b.baseline_date > u.start_date, FALSE) AS late_baseline
FROM units u
LEFT JOIN data_to d ON d.contract_key = lower(u.contract)
LEFT JOIN baseline b USING (contract_id, package_id, participant_id)
LEFT JOIN follow_up f USING (contract_id, package_id, participant_id)
LEFT JOIN las l ON l.code = u.la_code
"""


def _kpi_sql(slice_column: str | None) -> str:
    group = f", {slice_column}" if slice_column else ""
    return f"""
WITH status AS ({_UNIT_STATUS}),
counts AS (
    SELECT contract, kpi{group}, any_value(kpi_target) AS target,
           count_if(status = 'met') AS met, count_if(status = 'not_met') AS not_met,
           count_if(status = 'no_baseline') AS no_baseline, count_if(status = 'no_response') AS no_response,
           count_if(status = 'pending') AS pending, count_if(status = 'in_progress') AS in_progress,
           count_if(status = 'awaiting_return') AS awaiting_return, count_if(late_baseline) AS late_baseline
    FROM status GROUP BY contract, kpi{group}
),
rates AS (
    SELECT *, met + not_met + no_baseline + no_response AS eligible FROM counts
),
wilson AS (  -- 95 % Wilson score interval, z = 1.959964
    SELECT *,
           CASE WHEN eligible > 0 THEN met / eligible END AS p,
           {WILSON_Z} * {WILSON_Z} AS z2
    FROM rates
)
SELECT contract, kpi{group}, target, eligible, met, not_met, no_baseline, no_response, pending, in_progress,
       awaiting_return, late_baseline, p AS rate,
       CASE WHEN eligible > 0 THEN greatest(0.0, (p + z2 / (2 * eligible)) / (1 + z2 / eligible)
                     - {WILSON_Z} * sqrt(p * (1 - p) / eligible + z2 / (4 * eligible * eligible)) / (1 + z2 / eligible)) END
           AS ci_low,
       CASE WHEN eligible > 0 THEN least(1.0, (p + z2 / (2 * eligible)) / (1 + z2 / eligible)
                  + {WILSON_Z} * sqrt(p * (1 - p) / eligible + z2 / (4 * eligible * eligible)) / (1 + z2 / eligible)) END
           AS ci_high
FROM wilson
ORDER BY contract, kpi{group}
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _r4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def kpis(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    return [
        {
            "contract": row["contract"],
            "kpi": row["kpi"],
            "target": row["target"],
            "eligible": row["eligible"],
            "met": row["met"],
            "not_met": row["not_met"],
            "no_baseline": row["no_baseline"],
            "no_response": row["no_response"],
            "pending": row["pending"],
            "in_progress": row["in_progress"],
            "rate": _r4(row["rate"]),
            "ci_low": _r4(row["ci_low"]),
            "ci_high": _r4(row["ci_high"]),
            "awaiting_return": row["awaiting_return"],
            "late_baseline": row["late_baseline"],
        }
        for row in _rows(con, _kpi_sql(None), {"as_of": as_of})
    ]


def kpi_slices(con: duckdb.DuckDBPyConnection, as_of: date, slice_column: str) -> list[dict[str, Any]]:
    """KPI counts per contract, KPI and slice (region_code, la_code, role, focus, financial_year)."""
    return _rows(con, _kpi_sql(slice_column), {"as_of": as_of})


# --------------------------------------------------------------------------- coverage

# Every (contract, FY, support type, LA code) with a package active in the FY, and
# the LA's identity in that FY.
_COVERAGE = """
WITH RECURSIVE
bounds AS (
    SELECT min(year(start_date)) - 1 AS first_year, year($as_of) AS last_year FROM engagements
),
fys AS (
    SELECT y AS first_year, printf('%d-%02d', y, (y + 1) % 100) AS fy,
           make_date(y, 4, 1) AS fy_start, make_date(y + 1, 3, 31) AS fy_end
    FROM (SELECT unnest(range(first_year, last_year + 1)) AS y FROM bounds)
    WHERE make_date(y, 4, 1) <= $as_of  -- a FY that begins after the as-of date has no coverage yet
),
active AS (
    SELECT DISTINCT c.reference AS contract, f.fy, f.fy_end, e.support_type, e.la_code
    FROM engagements e
    JOIN contracts c ON c.id = e.contract_id
    JOIN fys f ON e.start_date <= f.fy_end AND (e.end_date IS NULL OR e.end_date >= f.fy_start)
    WHERE e.start_date <= $as_of
),
codes AS (  -- LA codes in the reference list not live at the FY end: their identity must be found
    SELECT DISTINCT a.la_code AS code, a.fy, a.fy_end
    FROM active a JOIN las l ON l.code = a.la_code
    WHERE NOT (l.valid_from <= a.fy_end AND (l.valid_to IS NULL OR l.valid_to >= a.fy_end))
),
predecessors AS (
    SELECT successor AS code, list(code) AS predecessors
    FROM (SELECT code, unnest(successors) AS successor FROM las) GROUP BY successor
),
forward(code, fy, fy_end, current, steps) AS (
    SELECT code, fy, fy_end, code, 0 FROM codes
    UNION ALL
    SELECT f.code, f.fy, f.fy_end, l.successors[1], f.steps + 1
    FROM forward f JOIN las l ON l.code = f.current
    WHERE len(l.successors) = 1 AND f.steps < 50
      AND NOT (f.steps > 0 AND l.valid_from <= f.fy_end AND (l.valid_to IS NULL OR l.valid_to >= f.fy_end))
),
backward(code, fy, fy_end, current, steps) AS (
    SELECT code, fy, fy_end, code, 0 FROM codes
    UNION ALL
    SELECT b.code, b.fy, b.fy_end, p.predecessors[1], b.steps + 1
    FROM backward b
    JOIN las here ON here.code = b.current
    JOIN predecessors p ON p.code = b.current
    JOIN las before ON before.code = p.predecessors[1]
    WHERE len(p.predecessors) = 1 AND before.successors = [b.current] AND b.steps < 50
      AND NOT (b.steps > 0 AND here.valid_from <= b.fy_end AND (here.valid_to IS NULL OR here.valid_to >= b.fy_end))
),
reached_forward AS (
    SELECT f.code, f.fy, min_by(f.current, f.steps) AS identity
    FROM forward f JOIN las l ON l.code = f.current
    WHERE f.steps > 0 AND l.valid_from <= f.fy_end AND (l.valid_to IS NULL OR l.valid_to >= f.fy_end)
    GROUP BY f.code, f.fy
),
reached_backward AS (
    SELECT b.code, b.fy, min_by(b.current, b.steps) AS identity
    FROM backward b JOIN las l ON l.code = b.current
    WHERE b.steps > 0 AND l.valid_from <= b.fy_end AND (l.valid_to IS NULL OR l.valid_to >= b.fy_end)
    GROUP BY b.code, b.fy
),
supported AS (
    SELECT a.contract, a.fy, a.fy_end, a.support_type,
           coalesce(rf.identity, rb.identity, a.la_code) AS identity
    FROM active a
    LEFT JOIN reached_forward rf ON rf.code = a.la_code AND rf.fy = a.fy
    LEFT JOIN reached_backward rb ON rb.code = a.la_code AND rb.fy = a.fy
)
"""


def coverage(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    sql = (
        _COVERAGE
        + """
SELECT s.contract, s.fy AS financial_year, s.support_type, count(DISTINCT s.identity) AS las_supported,
       any_value(c.min_las_per_year) AS target
FROM supported s JOIN contracts c ON c.reference = s.contract
GROUP BY s.contract, s.fy, s.support_type
ORDER BY s.contract, s.fy, s.support_type
"""
    )
    return _rows(con, sql, {"as_of": as_of})


def coverage_by_region(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    """Supported LAs of each region / the region's LAs live at the FY end, per contract, FY, support type."""
    sql = (
        _COVERAGE
        + """,
combos AS (SELECT DISTINCT contract, fy, fy_end, support_type FROM supported),
live AS (
    SELECT c.contract, c.fy, c.support_type, l.region_code, l.code
    FROM combos c JOIN las l ON l.valid_from <= c.fy_end AND (l.valid_to IS NULL OR l.valid_to >= c.fy_end)
)
SELECT live.contract, live.fy AS financial_year, live.support_type, live.region_code,
       count(DISTINCT s.identity) AS supported, count(DISTINCT live.code) AS total
FROM live LEFT JOIN supported s
  ON s.contract = live.contract AND s.fy = live.fy AND s.support_type = live.support_type AND s.identity = live.code
GROUP BY ALL
ORDER BY ALL
"""
    )
    return _rows(con, sql, {"as_of": as_of})


# ---------------------------------------------------------------------------- finance

_HEADING_KEY = "lower(regexp_replace(trim({0}), '\\s+', ' ', 'g'))"

_SPEND = f"""
WITH allocated AS (
    SELECT c.reference AS contract, a.financial_year AS fy, {_HEADING_KEY.format("a.heading")} AS heading_key,
           sum(a.amount) AS allocated, arg_min(trim(a.heading), a.id) AS spelling
    FROM allocations a JOIN contracts c ON c.id = a.contract_id
    GROUP BY ALL
),
spent AS (
    SELECT c.reference AS contract, i.financial_year AS fy, {_HEADING_KEY.format("i.heading")} AS heading_key,
           sum(i.amount) AS spent, arg_min(regexp_replace(trim(i.heading), '\\s+', ' ', 'g'), i.id) AS spelling
    FROM invoice_lines i JOIN contracts c ON c.id = i.contract_id
    WHERE i.invoice_date <= $as_of
    GROUP BY ALL
),
rows AS (
    SELECT coalesce(a.contract, s.contract) AS contract, coalesce(a.fy, s.fy) AS financial_year,
           coalesce(a.heading_key, s.heading_key) AS heading_key, coalesce(a.spelling, s.spelling) AS heading,
           coalesce(a.allocated, 0)::DECIMAL(18, 2) AS allocated, coalesce(s.spent, 0)::DECIMAL(18, 2) AS spent
    FROM allocated a FULL JOIN spent s USING (contract, fy, heading_key)
)
"""


def finance(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    sql = (
        _SPEND
        + """
SELECT contract, financial_year, heading, allocated, spent, allocated - spent AS remaining
FROM rows ORDER BY contract, financial_year, heading
"""
    )
    return _rows(con, sql, {"as_of": as_of})


def flag_counts(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    """cli.md ``flags``: per contract and kind, counted as rules.md "Finance" says (late_invoice
    and overheads_above_cap once per invoice, overspend once per heading and FY,
    spend_above_value once per contract, every other kind once per line); each flag only where
    the register sets its term."""
    sql = (
        _SPEND
        + """,
lines AS (
    SELECT i.*, c.reference AS contract, c.overheads_cap, c.rates_include_expenses,
           CASE WHEN lower(trim(coalesce(i.level, ''))) = 'executive' AND c.executive_cap IS NOT NULL
                THEN c.executive_cap ELSE c.day_rate_cap END AS cap,
           contains(lower(i.heading), 'overhead') AS is_overheads,
           regexp_matches(lower(i.heading || ' ' || coalesce(i.role, '')), 'expense|travel|subsistence') AS is_expenses
    FROM invoice_lines i JOIN contracts c ON c.id = i.contract_id
    WHERE i.invoice_date <= $as_of
),
invoices AS (
    SELECT contract, invoice_ref, any_value(overheads_cap) AS overheads_cap,
           sum(amount) FILTER (WHERE is_overheads) AS overheads,
           coalesce(sum(amount) FILTER (WHERE NOT is_overheads), 0) AS others
    FROM lines GROUP BY ALL
),
billed AS (
    SELECT DISTINCT contract, invoice_ref, financial_year, quarter, invoice_date,
           last_day(make_date(CAST(left(financial_year, 4) AS INTEGER) + (quarter = 4)::INT,
                              ((quarter * 3 + 3 - 1) % 12) + 1, 1)) AS quarter_end
    FROM lines
),
totals AS (
    SELECT c.reference AS contract, c.value, sum(l.amount) AS spent
    FROM contracts c JOIN lines l ON l.contract_id = c.id GROUP BY ALL
),
flags AS (
    SELECT contract, 'day_rate_above_cap' AS kind, count(*) AS n FROM lines
    WHERE day_rate IS NOT NULL AND cap IS NOT NULL AND day_rate > cap GROUP BY ALL
    UNION ALL
    SELECT contract, 'amount_mismatch', count(*) FROM lines
    WHERE days IS NOT NULL AND day_rate IS NOT NULL AND abs(amount - days * day_rate) > 1 GROUP BY ALL
    UNION ALL
    SELECT contract, 'expenses_on_inclusive_rate', count(*) FROM lines
    WHERE rates_include_expenses AND is_expenses GROUP BY ALL
    UNION ALL
    SELECT contract, 'overheads_above_cap', count(*) FROM invoices
    WHERE overheads_cap IS NOT NULL AND overheads IS NOT NULL AND overheads > others * overheads_cap GROUP BY ALL
    UNION ALL
    SELECT contract, 'late_invoice', count(DISTINCT invoice_ref) FROM billed
    WHERE invoice_date - quarter_end > 30 GROUP BY ALL
    UNION ALL
    SELECT contract, 'overspend', count(*) FROM rows WHERE spent > allocated GROUP BY ALL
    UNION ALL
    SELECT contract, 'spend_above_value', 1 FROM totals WHERE value IS NOT NULL AND spent > value
)
SELECT contract, kind, n AS count FROM flags WHERE n > 0 ORDER BY contract, kind
"""
    )
    return [
        {"contract": row["contract"], "kind": row["kind"], "count": int(row["count"])}
        for row in _rows(con, sql, {"as_of": as_of})
    ]


def finance_flag_counts(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, int]:
    """How many flags of each kind (rules.md "Finance: Flags") for lines dated on or before as-of,
    all contracts together."""
    counts: dict[str, int] = {}
    for row in flag_counts(con, as_of):
        counts[row["kind"]] = counts.get(row["kind"], 0) + row["count"]
    return counts


# ------------------------------------------------------------- value for money, outcomes

# An LA's area (rules.md, "Outcomes"; coverage's "must not double count"): a code whose only
# successor has it as its only predecessor (a recode, North Yorkshire 2023) is walked forward.
_AREAS = """
WITH RECURSIVE edges AS (
    SELECT DISTINCT l.code AS old, t.successor AS new FROM las l, unnest(l.successors) AS t(successor)
),
recodes AS (
    SELECT e.old, e.new FROM edges e
    WHERE (SELECT count(*) FROM edges x WHERE x.old = e.old) = 1
      AND (SELECT count(*) FROM edges y WHERE y.new = e.new) = 1
),
walk(code, area, depth) AS (
    SELECT code, code, 0 FROM (SELECT DISTINCT code FROM las)
    UNION ALL
    SELECT w.code, r.new, w.depth + 1 FROM walk w JOIN recodes r ON r.old = w.area WHERE w.depth < 20
),
areas AS (SELECT code, arg_max(area, depth) AS area FROM walk GROUP BY code),
started AS (
    SELECT e.*, c.reference AS contract, coalesce(a.area, e.la_code) AS area
    FROM engagements e JOIN contracts c ON c.id = e.contract_id LEFT JOIN areas a ON a.code = e.la_code
    WHERE e.start_date <= $as_of
)
"""


def value_for_money(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    """rules.md "Value for money": one entry per contract; costs in whole pounds, halves up."""
    sql = (
        _AREAS
        + f""",
statuses AS ({_UNIT_STATUS}),
packages AS (SELECT contract, package_id, coalesce(max(days_delivered), 0) AS days FROM started GROUP BY ALL)
SELECT c.reference AS contract,
       (SELECT coalesce(sum(i.amount), 0) FROM invoice_lines i
        WHERE i.contract_id = c.id AND i.invoice_date <= $as_of)::DECIMAL(18, 2) AS spend,
       (SELECT count(DISTINCT s.area) FROM started s WHERE s.contract = c.reference) AS las_supported,
       (SELECT count(*) FROM (SELECT DISTINCT package_id, participant_id FROM started s
                              WHERE s.contract = c.reference)) AS participants,
       (SELECT count(*) FROM statuses u WHERE u.contract = c.reference AND u.status = 'met') AS met,
       (SELECT coalesce(sum(p.days), 0) FROM packages p WHERE p.contract = c.reference)::DECIMAL(18, 2) AS days,
       (SELECT k.kpi_target IS NOT NULL FROM src_contracts k WHERE k.id = c.id) AS has_target
FROM contracts c ORDER BY c.reference
"""
    )

    def per(spend: Decimal, divisor) -> int | None:
        return (
            int((Decimal(spend) / Decimal(divisor)).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if divisor else None
        )

    return [
        {
            "contract": row["contract"],
            "spend": _money(row["spend"]),
            "las_supported": row["las_supported"],
            "participants": row["participants"],
            "met": row["met"],
            "days": float(row["days"]),
            "cost_per_la": per(row["spend"], row["las_supported"]),
            "cost_per_participant": per(row["spend"], row["participants"]),
            "cost_per_met": per(row["spend"], row["met"]) if row["has_target"] else None,
            "cost_per_day": per(row["spend"], row["days"]),
        }
        for row in _rows(con, sql, {"as_of": as_of})
    ]


def outcomes(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    """rules.md "Outcomes of supported LAs" (Ofsted): the latest judgement published strictly before
    the LA's first package start and the latest strictly after its last package end (none while a
    package has not ended by as-of), on or before as-of."""
    sql = (
        _AREAS
        + """,
judgements AS (
    SELECT coalesce(a.area, j.la_code) AS area, j.published,
           CASE lower(trim(j.ilacs_judgement)) WHEN 'inadequate' THEN 0 WHEN 'requires improvement' THEN 1
                WHEN 'requires improvement to be good' THEN 1 WHEN 'good' THEN 2 WHEN 'outstanding' THEN 3 END AS grade
    FROM ilacs j LEFT JOIN areas a ON a.code = j.la_code
    WHERE j.source = 'Ofsted ILACS' AND j.published <= $as_of
),
periods AS (
    SELECT contract, area, min(start_date) AS first_start,
           CASE WHEN bool_or(end_date IS NULL OR end_date > $as_of) THEN NULL ELSE max(end_date) END AS last_end
    FROM started GROUP BY ALL
),
before AS (
    SELECT p.contract, p.area, arg_max(j.grade, j.published) AS grade
    FROM periods p JOIN judgements j ON j.area = p.area AND j.published < p.first_start
    WHERE j.grade IS NOT NULL GROUP BY ALL
),
after AS (
    SELECT p.contract, p.area, arg_max(j.grade, j.published) AS grade
    FROM periods p JOIN judgements j ON j.area = p.area AND j.published > p.last_end
    WHERE j.grade IS NOT NULL GROUP BY ALL
)
SELECT p.contract, count(a.grade) AS las_reinspected,
       count(*) FILTER (WHERE a.grade > b.grade) AS improved,
       count(*) FILTER (WHERE a.grade = b.grade) AS same,
       count(*) FILTER (WHERE a.grade < b.grade) AS declined
FROM periods p
LEFT JOIN before b USING (contract, area)
LEFT JOIN after a ON a.contract = p.contract AND a.area = p.area AND b.grade IS NOT NULL
GROUP BY p.contract ORDER BY p.contract
"""
    )
    return _rows(con, sql, {"as_of": as_of})


# ---------------------------------------------------------------------- data currency

_CONTRACTS = """
WITH latest AS (
    SELECT lower(contract) AS contract_key, max(quarter_end) AS data_to FROM returns
    WHERE quarter_end <= $as_of GROUP BY 1
),
imported AS (  -- the newest import of that quarter's return
    SELECT l.contract_key, l.data_to, max(r.imported_on) AS imported_on
    FROM latest l JOIN returns r ON lower(r.contract) = l.contract_key AND r.quarter_end = l.data_to GROUP BY 1, 2
),
spent AS (
    SELECT contract_id, sum(amount) AS spent FROM invoice_lines WHERE invoice_date <= $as_of GROUP BY 1
),
in_use AS (  -- an extension in use: billed after the end date, or a milestone after the last report
    SELECT c.id,
           c.extension_up_to IS NOT NULL AND (
               EXISTS (SELECT 1 FROM invoice_lines i WHERE i.contract_id = c.id AND i.invoice_date <= $as_of
                       AND CAST(make_date(CAST(left(i.financial_year, 4) AS INTEGER), 4, 1)
                                + to_months(3 * (i.quarter - 1)) AS DATE) > c.end_date)
               OR EXISTS (SELECT 1 FROM milestones m WHERE m.contract_id = c.id
                          AND m.due_date > CAST(date_trunc('quarter', c.end_date) + INTERVAL 3 MONTH
                                                - INTERVAL 1 DAY + INTERVAL 30 DAY AS DATE))
           ) AS in_use
    FROM contract_dates c
),
runs AS (
    SELECT c.*, CASE WHEN u.in_use THEN greatest(c.end_date, c.extension_up_to) ELSE c.end_date END AS run_end,
           i.data_to, i.imported_on, coalesce(s.spent, 0) AS spent
    FROM contract_dates c JOIN in_use u ON u.id = c.id
    LEFT JOIN imported i ON i.contract_key = lower(c.reference)
    LEFT JOIN spent s ON s.contract_id = c.id
),
due AS (  -- the quarter after data-to, owed while the contract runs and for one quarter after
    SELECT *, CASE WHEN data_to + 1 <= CAST(run_end + INTERVAL 3 MONTH AS DATE)
                   THEN CAST(date_trunc('quarter', data_to + 1) + INTERVAL 3 MONTH - INTERVAL 1 DAY
                             + INTERVAL 30 DAY AS DATE) END AS next_due
    FROM runs
)
SELECT reference AS contract, data_to, imported_on, next_due, coalesce($as_of > next_due, FALSE) AS overdue,
       value, spent
FROM due ORDER BY reference
"""


_DECISIONS = """
-- rules.md: the extension decision is due on the end date less the notice, where the register gives
-- an extension date later than the end date and a notice; a break date is a decision of its own
SELECT reference AS contract, kind, due FROM (
    SELECT reference, 'extension' AS kind,
           CAST(end_date - to_months(extension_notice_months) AS DATE) AS due
    FROM contract_dates WHERE extension_up_to > end_date AND extension_notice_months IS NOT NULL
    UNION ALL
    SELECT reference, 'break', break_date FROM contract_dates WHERE break_date IS NOT NULL
) ORDER BY contract, due, kind
"""


def contracts(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    """cli.md's ``contracts``: each contract's data currency, value, spend to date and decisions."""

    def iso(day):
        return None if day is None else day.isoformat()

    decisions: dict[str, list[dict[str, str]]] = {}
    for row in _rows(con, _DECISIONS, {}):
        decisions.setdefault(row["contract"], []).append({"kind": row["kind"], "date": iso(row["due"])})
    return [
        {
            "contract": row["contract"],
            "data_to": iso(row["data_to"]),
            "latest_return_imported": iso(row["imported_on"]),
            "next_return_due": iso(row["next_due"]),
            "return_overdue": bool(row["overdue"]),
            "value": None if row["value"] is None else _money(row["value"]),
            "spent_to_date": _money(row["spent"]),
            "decisions": decisions.get(row["contract"], []),
        }
        for row in _rows(con, _CONTRACTS, {"as_of": as_of})
    ]


# ---------------------------------------------------------------------------- summary


def _money(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def reference_summary(con: duckdb.DuckDBPyConnection, as_of: date, contract: str | None = None) -> dict[str, Any]:
    """The JSON object of cli.md ("Summary"), computed in DuckDB."""
    wanted = (lambda row: row["contract"].lower() == contract.lower()) if contract else (lambda _row: True)
    kpi_rows = [row for row in kpis(con, as_of) if wanted(row)]
    coverage_rows = [row for row in coverage(con, as_of) if wanted(row)]
    finance_rows = [
        {
            "contract": row["contract"],
            "financial_year": row["financial_year"],
            "heading": row["heading"],
            "allocated": _money(row["allocated"]),
            "spent": _money(row["spent"]),
            "remaining": _money(row["remaining"]),
        }
        for row in finance(con, as_of)
        if wanted(row)
    ]
    flag_rows = [row for row in flag_counts(con, as_of) if wanted(row)]
    contract_rows = [row for row in contracts(con, as_of) if wanted(row)]
    return {
        "as_of": as_of.isoformat(),
        "kpis": kpi_rows,
        "coverage": coverage_rows,
        "finance": finance_rows,
        "flags": flag_rows,
        "value_for_money": [row for row in value_for_money(con, as_of) if wanted(row)],
        "outcomes": [row for row in outcomes(con, as_of) if wanted(row)],
        "contracts": contract_rows,
    }


def all_figures(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any]:
    """Every figure the benchmark asks the dashboard for: the summary, KPI slices, region coverage, flags."""
    return {
        "summary": reference_summary(con, as_of),
        "kpi_by_region": kpi_slices(con, as_of, "region_code"),
        "kpi_by_role": kpi_slices(con, as_of, "role"),
        "kpi_by_focus": kpi_slices(con, as_of, "focus"),
        "coverage_by_region": coverage_by_region(con, as_of),
        "finance_flags": finance_flag_counts(con, as_of),
    }
