"""Deterministic demo data: the workbooks a contract manager would upload.

``write_demo_workbooks(out_dir)`` writes, in the formats of
``shared/spec/spreadsheets.md``, a contract register, one pricing schedule per
contract, an LA status workbook and cumulative quarterly returns, and returns
the paths in the order they must be imported (register, pricing schedules, LA
status, then quarterly returns in date order).

What is real and what is not:

- The four contracts (references, titles, dates, caps, KPI target, milestones)
  follow the contract documents. Suppliers not named there are given an
  obviously demo name.
- LA codes and names are read at run time from the LA reference CSV (never
  typed in here); ILACS judgements come from the Ofsted history CSV.
- Everything about people and delivery is fictional: participant IDs
  ``P-0001``..., names ``Demo Person 17``, deliverers ``Demo Peer Mentor 03``,
  packages, survey answers, invoices, and the SEND WSoA / declining /
  intervention flags of the LA status sheet.

The output depends only on the seed (``random.Random(20210611)``) and the
reference CSVs, never on today's date. ``DEMO_AS_OF`` is the as-of date at which
the demo shows every KPI status, including ``pending`` and ``in_progress``.

Command line: ``python seeds/demo.py OUT_DIR``.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

SEED = 20210611
#: As-of date at which the demo has units in every KPI status (met, not_met,
#: no_baseline, no_response, pending, in_progress): mid-March 2024, the last
#: quarter of the leadership contract.
DEMO_AS_OF = date(2024, 3, 15)
#: Date of the LA status snapshot (ILACS judgement = latest inspection on or before it).
LA_STATUS_AS_AT = date(2022, 6, 30)
#: A quarterly return is compiled this many days after its quarter ends.
RETURN_LAG_DAYS = 20

#: The reference CSVs shipped with the project (sources in ``PROVENANCE.md`` there).
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

# --------------------------------------------------------------------------- calendar


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's last day (rules.md)."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    last = (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def fy_of(d: date) -> str:
    y = d.year if d.month >= 4 else d.year - 1
    return f"{y}-{(y + 1) % 100:02d}"


def fy_bounds(fy: str) -> tuple[date, date]:
    y = int(fy[:4])
    return date(y, 4, 1), date(y + 1, 3, 31)


def quarter_of(d: date) -> tuple[str, int]:
    return fy_of(d), (d.month - 4) % 12 // 3 + 1


def quarter_bounds(fy: str, q: int) -> tuple[date, date]:
    start = add_months(date(int(fy[:4]), 4, 1), 3 * (q - 1))
    return start, add_months(start, 3) - timedelta(days=1)


def quarters_between(first: tuple[str, int], last: tuple[str, int]) -> list[tuple[str, int]]:
    out, cur = [], first
    while True:
        out.append(cur)
        if cur == last:
            return out
        fy, q = cur
        cur = (fy, q + 1) if q < 4 else (fy_of(fy_bounds(fy)[1] + timedelta(days=1)), 1)


def _half(x: float) -> float:
    return round(x * 2) / 2


def _money(x: float) -> float:
    return round(x + 1e-9, 2)


# --------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class RefLA:
    code: str
    dfe_code: str
    name: str
    region_code: str
    valid_from: date
    valid_to: date | None

    def valid_on(self, d: date) -> bool:
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)


def reference_path(filename: str) -> Path:
    """``seeds/reference/<file>``; a clear error when the project's copy is missing."""
    path = REFERENCE_DIR / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"The demo data needs the reference file {path}, which is missing. "
            f"Restore it from the project (see {REFERENCE_DIR / 'PROVENANCE.md'} for its source)."
        )
    return path


def load_la_reference() -> list[RefLA]:
    with reference_path("la_reference.csv").open(newline="", encoding="utf-8") as fh:
        return [
            RefLA(
                code=r["la_code"],
                dfe_code=r["old_la_code"],
                name=r["la_name"],
                region_code=r["region_code"],
                valid_from=date.fromisoformat(r["valid_from"]),
                valid_to=date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
            )
            for r in csv.DictReader(fh)
        ]


def load_ilacs_history() -> list[dict[str, str]]:
    with reference_path("ofsted_ilacs_history_2018_2025.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- model


@dataclass
class Participant:
    pid: str
    name: str
    role: str
    dropped_after: date | None = None  # left out of returns compiled after this date


@dataclass
class Package:
    contract: str
    package_id: str
    la: RefLA
    la_label: object  # what the return writes in the LA column
    support: str  # "one_to_one" | "group"
    group_type: str | None
    start: date
    end: date
    days: float
    delivered_by: str
    focus: str | None
    participants: list[Participant] = field(default_factory=list)


@dataclass
class Response:
    contract: str
    package_id: str
    pid: str
    stage: str  # "baseline" | "follow_up"
    when: date
    confidence: int
    impact: bool | None
    evidence: str | None


@dataclass
class Line:
    contract: str
    invoice_ref: str
    line: int
    fy: str
    q: int
    heading: str
    role: str | None
    level: str | None
    days: float | None
    rate: float | None
    amount: float
    invoice_date: date

    @property
    def vat(self) -> float:
        return _money(self.amount * 0.2)


@dataclass
class ContractInfo:
    ref: str
    title: str
    supplier: str
    programme: str
    ctype: str
    start: date
    end: date
    extension: date | None = None
    break_date: date | None = None
    value: float | None = None
    cap: float | None = None
    exec_cap: float | None = None
    min_days: float | None = None
    min_las: int | None = None
    kpi_target: object = None
    overheads_cap: object = None  # "15%": the register's Overheads cap; None: the contract has none
    rates_include_expenses: str | None = None  # "Yes" / "No"; None: the documents do not say
    extension_notice: int | None = None  # months' notice of an extension
    manager: str | None = None
    slug: str = ""
    illustrative: str = ""  # what the register row gives that no contract document states
    headings: tuple[str, ...] = ()
    part_b: tuple[tuple[str, str, int, float, float], ...] = ()  # role, level, headcount, FTE, rate


LD, IA, SLI, EVAL = "con_9887", "Con_10575", "project_5369", "2018/028"

CONTRACTS: dict[str, ContractInfo] = {
    EVAL: ContractInfo(
        EVAL,
        "Evaluation of support to local authorities",
        "Demo Research and Evaluation Ltd",
        "Evaluation",
        "Contract",
        date(2018, 7, 1),
        date(2020, 3, 31),
        manager="Demo Contract Manager 4",
        slug="2018-028",
        illustrative="dates, value and day rates",
        headings=("Research and fieldwork", "Reporting", "Project management"),
        part_b=(
            ("Research director", "Executive", 1, 0.1, 600.0),
            ("Senior researcher", "Management", 2, 0.4, 475.0),
            ("Researcher", "Other", 3, 0.8, 375.0),
            ("Project manager", "Management", 1, 0.2, 425.0),
        ),
    ),
    LD: ContractInfo(
        LD,
        "Corporate and political leadership development, Lot 3 intensive support",
        "Improvement and Development Agency for Local Government",
        "Leadership development",
        # "runs 1 June 2021 to 31 March 2024, extendable by up to 12 months on 3 months' notice"
        # (clause 2.1-2.2 of the contract); KPI target 75 %, day rate cap £600, minimum package
        # 5 days, minimum 15 LAs a year (the contract's KPIs and SLAs)
        "Contract",
        date(2021, 6, 1),
        date(2024, 3, 31),
        extension=date(2025, 3, 31),
        extension_notice=3,
        cap=600.0,
        min_days=5,
        min_las=15,
        kpi_target=0.75,
        manager="Demo Contract Manager 1",
        slug="con_9887",
        illustrative="value",
        headings=("Peer mentors", "Facilitated group support", "Programme management", "Overheads"),
        part_b=(
            ("Peer mentor (officer)", "Executive", 9, 1.2, 600.0),
            ("Member peer", "Management", 12, 1.5, 550.0),
            ("Lead facilitator", "Management", 6, 1.0, 500.0),
            ("Co-facilitator", "Other", 6, 0.6, 350.0),
            ("Programme manager", "Management", 1, 0.6, 450.0),
            ("Project officer", "Other", 1, 0.8, 300.0),
        ),
    ),
    IA: ContractInfo(
        IA,
        "Improvement adviser call-off, Sefton",
        "Improvement adviser (named individual)",
        "Improvement adviser",
        "Call-off",
        date(2021, 6, 30),
        date(2022, 6, 29),
        # the order form: "£600 including expenses", and no confidence KPI (no KPI target)
        extension=date(2023, 6, 29),
        break_date=date(2022, 3, 31),
        cap=600.0,
        rates_include_expenses="Yes",
        manager="Demo Contract Manager 2",
        slug="Con_10575",
        illustrative="dates, extension, break date and value",
        headings=("Improvement adviser days", "Expenses"),
        part_b=(("Improvement adviser", "Management", 1, 0.2, 600.0),),
    ),
    SLI: ContractInfo(
        SLI,
        "SEND sector-led improvement partners grant",
        "Demo Sector-Led Improvement Partnership",
        "SEND sector-led improvement",
        "Grant",
        date(2022, 1, 1),
        date(2023, 3, 31),
        # the grant: £800 executive / £600 other levels, overheads capped at 15 % of other costs,
        # "travel time and travel expenses" included in the rates, a 40-day minimum package guide
        extension=date(2024, 3, 31),
        value=518000.0,
        cap=600.0,
        exec_cap=800.0,
        min_days=40,
        overheads_cap="15%",
        rates_include_expenses="Yes",
        kpi_target="75%",
        manager="Demo Contract Manager 3",
        slug="project_5369",
        illustrative="dates and extension",
        headings=("Sector-led improvement partners", "Programme management", "Evaluation and dissemination"),
        part_b=(
            ("Sector-led improvement partner", "Executive", 8, 1.4, 800.0),
            ("SEND improvement adviser", "Management", 6, 1.1, 600.0),
            ("Programme manager", "Management", 1, 0.5, 500.0),
            ("Programme support officer", "Other", 1, 0.5, 300.0),
            ("Evaluation lead", "Management", 1, 0.2, 575.0),
        ),
    ),
}
CONTRACT_ORDER = (EVAL, LD, IA, SLI)

OFFICER_ROLES = ("Chief Executive", "Director of Children's Services", "Chief Finance Officer")
ONE_TO_ONE_ROLES = (
    ["Chief Executive"] * 4
    + ["Lead Member"] * 5
    + ["Leader"] * 4
    + ["Director of Children's Services"] * 3
    + ["Chief Finance Officer", "Chair of Scrutiny", "Cabinet Member"]
)
GROUP_TYPES = (
    ["Cabinet"] * 4
    + ["Scrutiny committee"] * 4
    + ["Corporate parenting board"] * 3
    + ["Leadership team"] * 2
    + ["Action learning set"] * 2
    + ["Full council", "Other"]
)
GROUP_ROLES = {
    "Cabinet": ("Leader", ["Cabinet Member", "Cabinet Member", "Lead Member", "Cabinet Member"]),
    "Scrutiny committee": ("Chair of Scrutiny", ["Councillor", "Councillor", "Councillor", "Other"]),
    "Corporate parenting board": (
        "Lead Member",
        ["Councillor", "Councillor", "Director of Children's Services", "Other"],
    ),
    "Full council": ("Leader", ["Councillor", "Councillor", "Cabinet Member", "Councillor"]),
    "Leadership team": (
        "Chief Executive",
        ["Director of Children's Services", "Chief Finance Officer", "Other", "Other"],
    ),
    "Action learning set": ("Lead Member", ["Lead Member", "Chair of Scrutiny", "Cabinet Member", "Councillor"]),
    "Other": ("Councillor", ["Councillor", "Cabinet Member", "Other"]),
}
EVIDENCE_YES = (
    "Chaired a more focused improvement board meeting",
    "Scrutiny work programme now includes children's services performance",
    "Used the performance data pack in a cabinet briefing",
    "Set clearer priorities in the improvement plan",
    "Asked sharper questions about caseloads at committee",
    "Led a member development session for colleagues",
    "Agreed a revised budget line for early help",
    "Corporate parenting board now reviews outcomes data each quarter",
    "Introduced regular practice visits for members",
    "Improved challenge on the SEND written statement of action",
)
EVIDENCE_NO = (
    "No change reported yet",
    "Too early to tell",
    "Change of portfolio since the support ended",
    "",
)

# --------------------------------------------------------------------------- generator


class DemoData:
    """Builds all demo records from one seeded random generator, in a fixed order."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.refs = load_la_reference()
        self.ilacs = load_ilacs_history()
        self.packages: dict[str, list[Package]] = {c: [] for c in CONTRACTS}
        self.responses: dict[str, list[Response]] = {c: [] for c in CONTRACTS}
        self.lines: dict[str, list[Line]] = {c: [] for c in CONTRACTS}
        self.allocations: dict[str, dict[tuple[str, str], float]] = {}
        self.milestones: list[tuple[str, str, date, date | None, str | None]] = []
        self._pid = 0
        self._status_pool = self._la_status_pool()
        self.sli_las = self._pick_las(self._status_pool, 11, exclude={"E08000014"})
        self.sli_wsoa = {la.code for la in self.sli_las[:9]}
        self._build_leadership()
        self._build_adviser()
        self._build_sli()
        self._build_eval()
        self._build_allocations()
        self._build_milestones()
        self.la_status = self._build_la_status()

    # ---- helpers
    def _la(self, code: str) -> RefLA:
        return next(la for la in self.refs if la.code == code)

    def _la_by_name(self, name: str, on: date) -> RefLA:
        return next(la for la in self.refs if la.name == name and la.valid_on(on))

    def _new_participant(self, role: str) -> Participant:
        self._pid += 1
        return Participant(f"P-{self._pid:04d}", f"Demo Person {self._pid}", role)

    def _pick_las(
        self, pool: list[RefLA], n: int, forced: tuple[RefLA, ...] = (), exclude: set[str] = frozenset()
    ) -> list[RefLA]:
        """n distinct LAs, round-robin over regions so every region is represented."""
        by_region: dict[str, list[RefLA]] = {}
        for la in sorted(pool, key=lambda x: x.code):
            if la.code not in exclude:
                by_region.setdefault(la.region_code, []).append(la)
        for lst in by_region.values():
            self.rng.shuffle(lst)
        regions = sorted(by_region)
        self.rng.shuffle(regions)
        chosen = list(forced)
        i = 0
        while len(chosen) < n:
            lst = by_region[regions[i % len(regions)]]
            i += 1
            while lst:
                la = lst.pop()
                if la not in chosen:
                    chosen.append(la)
                    break
        return chosen

    def _la_label(self, la: RefLA) -> object:
        """The LA as a contract manager might type it: name, GSS code or DfE code, variously."""
        r = self.rng.random()
        if r < 0.40:
            return la.name
        if r < 0.55:
            return la.code
        if r < 0.68:
            return int(la.dfe_code)
        if r < 0.76:
            return la.dfe_code
        if r < 0.86:
            return la.name.upper()
        if la.name.endswith(", City of"):
            return "City of " + la.name[: -len(", City of")]
        if " and " in la.name:
            return la.name.replace(" and ", " & ")
        return la.name.replace(".", "").lower()

    def _fy_pool(self, fy: str) -> list[RefLA]:
        s, e = fy_bounds(fy)
        return [la for la in self.refs if la.valid_on(s) and la.valid_on(e)]

    def _la_status_pool(self) -> list[RefLA]:
        """LAs whose name and DfE code are unambiguous at any date and that had an ILACS
        inspection by the snapshot date: safe to list in the LA status sheet."""
        names: dict[str, int] = {}
        dfe: dict[str, int] = {}
        for la in self.refs:
            names[la.name] = names.get(la.name, 0) + 1
            dfe[la.dfe_code] = dfe.get(la.dfe_code, 0) + 1
        inspected = {r["la_code"] for r in self.ilacs if date.fromisoformat(r["inspection_date"]) <= LA_STATUS_AS_AT}
        return [
            la
            for la in self.refs
            if la.valid_to is None
            and la.valid_from <= date(2018, 4, 1)
            and names[la.name] == 1
            and dfe[la.dfe_code] == 1
            and la.code in inspected
        ]

    # ---- surveys
    def _surveys(self, contract: str, pkg: Package, part: Participant, probs: tuple[tuple[str, float], ...]) -> None:
        rng = self.rng
        r, acc, outcome = rng.random(), 0.0, probs[-1][0]
        for name, p in probs:
            acc += p
            if r < acc:
                outcome = name
                break
        win_end = add_months(pkg.end, 3)
        base_day = min(pkg.start + timedelta(days=rng.randint(-7, 12)), pkg.end)
        follow_day = min(pkg.end + timedelta(days=rng.randint(7, 85)), win_end)
        b = rng.choice((1, 2, 2, 3, 3))
        out: list[tuple[str, date, int, bool | None, str | None]] = []

        def yes_evidence() -> str | None:
            return rng.choice(EVIDENCE_YES) if rng.random() < 0.85 else None

        if outcome == "met":
            f = rng.randint(b + 1, min(5, b + 2))
            out.append(("baseline", base_day, b, None, None))
            out.append(("follow_up", follow_day, f, True, yes_evidence()))
            extra = rng.random()
            second_base = base_day + timedelta(days=14)
            if extra < 0.05 and second_base < pkg.end:
                # a repeated baseline: the earliest one counts
                out.append(("baseline", second_base, f, None, None))
            elif extra < 0.10 and (follow_day - pkg.end).days >= 6:
                # an earlier, weaker follow-up: the latest one in the window counts
                early = pkg.end + timedelta(days=rng.randint(2, (follow_day - pkg.end).days - 3))
                out.append(("follow_up", early, b, False, rng.choice(EVIDENCE_NO) or None))
        elif outcome == "not_met":
            out.append(("baseline", base_day, b, None, None))
            if rng.random() < 0.5:
                f = max(1, b - rng.randint(0, 1))
                out.append(("follow_up", follow_day, f, rng.random() < 0.5, None))
            else:
                f = rng.randint(b + 1, min(5, b + 2))
                out.append(("follow_up", follow_day, f, False, rng.choice(EVIDENCE_NO) or None))
        elif outcome == "no_baseline":
            out.append(("follow_up", follow_day, rng.randint(3, 5), True, yes_evidence()))
        else:  # no_response (or pending while the window is open)
            out.append(("baseline", base_day, b, None, None))
            v = rng.random()
            if v < 0.35:  # answered too late: outside the 3-month window
                late = win_end + timedelta(days=rng.randint(3, 40))
                out.append(("follow_up", late, min(5, b + 1), True, yes_evidence()))
            elif v < 0.45 and (pkg.end - base_day).days > 30:  # answered before the end
                early = pkg.end - timedelta(days=rng.randint(3, 20))
                out.append(("follow_up", early, min(5, b + 1), True, yes_evidence()))
        for stage, when, conf, impact, ev in out:
            self.responses[contract].append(Response(contract, pkg.package_id, part.pid, stage, when, conf, impact, ev))

    # ---- leadership development (con_9887)
    def _build_leadership(self) -> None:
        rng = self.rng
        plan = (
            # fy, 1:1 LAs, extra 1:1 packages, group LAs, extra groups, first start, last start
            ("2021-22", 22, 6, 12, 2, date(2021, 7, 5), date(2022, 1, 28)),
            ("2022-23", 25, 7, 20, 3, date(2022, 4, 11), date(2023, 1, 13)),
            ("2023-24", 12, 4, 18, 2, date(2023, 4, 17), date(2024, 1, 19)),
        )
        o_probs = (("met", 0.86), ("not_met", 0.05), ("no_baseline", 0.04), ("no_response", 0.05))
        g_probs = (("met", 0.58), ("not_met", 0.17), ("no_baseline", 0.07), ("no_response", 0.18))
        for fy, o_las, o_extra, g_las, g_extra, first, last in plan:
            pool = self._fy_pool(fy)
            fy_start, fy_end = fy_bounds(fy)
            forced_o: tuple[RefLA, ...] = ()
            forced_g: tuple[RefLA, ...] = ()
            if fy == "2021-22":  # the county council, by name
                forced_o = (self._la_by_name("North Yorkshire", fy_start), self._la("E08000014"))
            elif fy == "2022-23":
                forced_o = (self._la_by_name("Bristol, City of", fy_start),)
                forced_g = (self._la_by_name("Cumbria", fy_start),)
            else:  # the new unitary, by the same name; a new LA from the Cumbria split
                forced_g = (self._la_by_name("North Yorkshire", fy_start),)
                forced_o = (self._la_by_name("Cumberland", fy_start),)
            for support, n_las, extra, forced in (
                ("one_to_one", o_las, o_extra, forced_o),
                ("group", g_las, g_extra, forced_g),
            ):
                las = self._pick_las(pool, n_las, forced)
                las += [rng.choice(las) for _ in range(extra)]
                specs = []
                for la in las:
                    start = first + timedelta(days=rng.randint(0, (last - first).days))
                    if support == "one_to_one":
                        end = start + timedelta(days=rng.randint(56, 150))
                        days = (
                            rng.choice((3, 3.5, 4, 4.5))
                            if rng.random() < 0.1
                            else rng.choice((5, 5.5, 6, 6.5, 7, 7.5, 8, 9, 10))
                        )
                    else:
                        end = start + timedelta(days=rng.randint(21, 90))
                        days = rng.choice((2, 2.5, 3, 3, 4, 4.5, 5, 6))
                    if fy == "2021-22":
                        end = min(end, date(2022, 7, 29))
                    else:
                        end = min(end, fy_end - timedelta(days=rng.randint(0, 10)))
                    end = max(end, start + timedelta(days=14))
                    specs.append((start, end, days, la))
                specs.sort(key=lambda s: (s[0], s[3].code))
                if fy == "2023-24":  # the last packages are still running at DEMO_AS_OF
                    for k, end in zip((-1, -2), (date(2024, 3, 28), date(2024, 3, 21))):
                        s = specs[k]
                        specs[k] = (s[0], end, s[2], s[3])
                tag = "O" if support == "one_to_one" else "G"
                for n, (start, end, days, la) in enumerate(specs, 1):
                    label: object = self._la_label(la)
                    if la.name in ("North Yorkshire",):
                        label = "North Yorkshire"
                    elif la.name == "Cumberland":
                        label = 942
                    elif la.name == "Bristol, City of":
                        label = "City of Bristol"
                    focus = rng.choice(("CSC",) * 11 + ("Both",) * 6 + ("SEND",) * 2 + (None,))
                    if support == "one_to_one":
                        gtype = None
                        roles = [rng.choice(ONE_TO_ONE_ROLES)]
                        by = f"Demo Peer Mentor {rng.randint(1, 18):02d}"
                    else:
                        gtype = rng.choice(GROUP_TYPES)
                        lead, others = GROUP_ROLES[gtype]
                        roles = [lead] + [rng.choice(others) for _ in range(rng.randint(3, 7))]
                        by = f"Demo Facilitator {rng.randint(1, 9):02d}"
                    pkg = Package(
                        LD,
                        f"LD-{fy[2:4]}{fy[5:7]}-{tag}{n:03d}",
                        la,
                        label,
                        support,
                        gtype,
                        start,
                        end,
                        days,
                        by,
                        focus,
                        [self._new_participant(r) for r in roles],
                    )
                    self.packages[LD].append(pkg)
                    for part in pkg.participants:
                        self._surveys(LD, pkg, part, o_probs if support == "one_to_one" else g_probs)
        # One participant is in the 2021-22 Q4 return but missing from every later return.
        dropped = next(p for p in self.packages[LD] if p.support == "group" and p.end <= date(2022, 3, 31))
        dropped.participants[1].dropped_after = date(2022, 4, 30)
        self._leadership_finance()

    def _spread(self, pkg: Package, qs: date, qe: date) -> float:
        overlap = (min(pkg.end, qe) - max(pkg.start, qs)).days + 1
        return pkg.days * overlap / ((pkg.end - pkg.start).days + 1) if overlap > 0 else 0.0

    def _add_invoice(
        self,
        contract: str,
        ref: str,
        fy: str,
        q: int,
        inv_date: date,
        items: list[tuple[str, str | None, str | None, float | None, float | None, float]],
    ) -> None:
        for n, (heading, role, level, days, rate, amount) in enumerate(items, 1):
            self.lines[contract].append(
                Line(contract, ref, n, fy, q, heading, role, level, days, rate, _money(amount), inv_date)
            )

    def _leadership_finance(self) -> None:
        rng = self.rng
        for fy, q in quarters_between(("2021-22", 1), ("2023-24", 4)):
            qs, qe = quarter_bounds(fy, q)
            officer = member = group = 0.0
            for p in self.packages[LD]:
                d = self._spread(p, qs, qe)
                if p.support == "group":
                    group += d
                elif p.participants[0].role in OFFICER_ROLES:
                    officer += d
                else:
                    member += d
            items: list = []
            if officer:
                items.append(
                    ("Peer mentors", "Peer mentor (officer)", "Executive", _half(officer), 600.0, _half(officer) * 600)
                )
            if member:
                items.append(("Peer mentors", "Member peer", "Management", _half(member), 550.0, _half(member) * 550))
            if group:
                lead, co = _half(group), _half(group * 0.5)
                items.append(("Facilitated group support", "Lead facilitator", "Management", lead, 500.0, lead * 500))
                if co:
                    items.append(("Facilitated group support", "Co-facilitator", "Other", co, 350.0, co * 350))
            pm = 8 if (fy, q) == ("2021-22", 1) else rng.randint(10, 15)
            po = rng.randint(12, 20)
            items.append(("Programme management", "Programme manager", "Management", pm, 450.0, pm * 450))
            items.append(("Programme management", "Project officer", "Other", po, 300.0, po * 300))
            if (fy, q) == ("2022-23", 3):  # flag: amount differs from days x day rate
                i = next(k for k, it in enumerate(items) if it[1] == "Lead facilitator")
                h, r, lv, d, rate, amt = items[i]
                items[i] = (h, r, lv, d, rate, amt + 125)
            other = sum(_money(it[5]) for it in items)
            # 17.5 % in 2023-24 Q1: not flagged, as con_9887's register sets no overheads cap
            share = 0.175 if (fy, q) == ("2023-24", 1) else 0.10
            items.append(("Overheads", None, None, None, None, other * share))
            # flag in 2022-23 Q2: invoiced 45 days after the quarter end
            inv_date = qe + timedelta(days=45 if (fy, q) == ("2022-23", 2) else rng.randint(6, 18))
            self._add_invoice(LD, f"IDEA-9887-{fy[2:4]}{fy[5:7]}-Q{q}", fy, q, inv_date, items)

    # ---- improvement adviser call-off (Con_10575)
    def _build_adviser(self) -> None:
        rng = self.rng
        sefton = self._la("E08000014")
        p1 = Package(
            IA,
            "IA-SEF-01",
            sefton,
            "Sefton",
            "one_to_one",
            None,
            date(2021, 7, 1),
            date(2022, 6, 29),
            0.0,
            "Improvement adviser",
            "CSC",
            [self._new_participant("Director of Children's Services")],
        )
        p2 = Package(
            IA,
            "IA-SEF-02",
            sefton,
            343,
            "one_to_one",
            None,
            date(2021, 9, 1),
            date(2022, 3, 31),
            6.0,
            "Improvement adviser",
            "Both",
            [self._new_participant("Lead Member")],
        )
        self.packages[IA] += [p1, p2]
        for pkg, base, b, follow, f, impact, ev in (
            (p1, date(2021, 7, 8), 2, date(2022, 7, 12), 4, True, EVIDENCE_YES[3]),
            (p2, date(2021, 9, 10), 3, date(2022, 5, 10), 4, False, EVIDENCE_NO[1]),
        ):
            pid = pkg.participants[0].pid
            self.responses[IA].append(Response(IA, pkg.package_id, pid, "baseline", base, b, None, None))
            self.responses[IA].append(Response(IA, pkg.package_id, pid, "follow_up", follow, f, impact, ev))
        total_days = 0.0
        for fy, q in quarters_between(("2021-22", 2), ("2022-23", 1)):
            qs, qe = quarter_bounds(fy, q)
            items: list = []
            for m in range(3):
                month_start = add_months(qs, m)
                days = rng.choice((3, 3.5, 4, 4))
                rate = 600.0
                if (fy, q) == ("2022-23", 1) or month_start == date(2022, 3, 1):
                    days = min(days, 3.5)
                    rate = 650.0  # flag: above the 600 cap
                total_days += days
                items.append(
                    (
                        "Improvement adviser days",
                        f"Improvement adviser ({month_start:%B %Y})",
                        "Management",
                        days,
                        rate,
                        days * rate,
                    )
                )
            items.append(
                (
                    "Expenses",
                    "Travel and subsistence",
                    None,
                    None,
                    None,
                    rng.randint(80, 240) + rng.choice((0, 0.5, 0.2)),
                )
            )
            self._add_invoice(
                IA, f"INV-10575-{fy[2:4]}{fy[5:7]}Q{q}", fy, q, qe + timedelta(days=rng.randint(5, 16)), items
            )
        p1.days = total_days - p2.days

    # ---- SEND sector-led improvement grant (project_5369)
    def _build_sli(self) -> None:
        rng = self.rng
        las = self.sli_las + [self.sli_las[0]]  # one LA supported twice
        windows = (
            [(date(2022, 2, 1), date(2022, 3, 25))] * 3
            + [(date(2022, 4, 4), date(2022, 12, 16))] * 6
            + [(date(2023, 4, 3), date(2023, 9, 29))] * 3
        )
        short = set(rng.sample(range(12), 3))
        specs = []
        for i, (la, (w0, w1)) in enumerate(zip(las, windows)):
            start = w0 + timedelta(days=rng.randint(0, (w1 - w0).days))
            end = min(start + timedelta(days=rng.randint(150, 300)), date(2024, 3, 8))
            days = rng.choice((24, 28, 30, 32, 35, 36)) if i in short else rng.choice((40, 41, 42, 44, 45, 46, 48))
            specs.append(("one_to_one", la, start, end, days))
        specs[-1] = specs[-1][:3] + (date(2024, 3, 27),) + specs[-1][4:]  # running at DEMO_AS_OF
        for k, (w0, w1) in enumerate(
            [
                (date(2022, 2, 14), date(2022, 2, 28)),
                (date(2022, 5, 2), date(2022, 10, 31)),
                (date(2022, 6, 1), date(2022, 11, 30)),
                (date(2023, 4, 17), date(2023, 7, 31)),
                (date(2023, 6, 1), date(2023, 10, 31)),
                (date(2023, 9, 1), date(2023, 12, 15)),
            ]
        ):
            start = w0 + timedelta(days=rng.randint(0, (w1 - w0).days))
            end = start + timedelta(days=rng.randint(35, 100))
            specs.append(
                ("group", self.sli_las[(3 * k + 1) % len(self.sli_las)], start, end, rng.choice((3, 4, 4.5, 5, 6)))
            )
        specs.sort(key=lambda s: (s[2], s[0], s[1].code))
        o_probs = (("met", 0.78), ("not_met", 0.08), ("no_baseline", 0.04), ("no_response", 0.10))
        g_probs = (("met", 0.60), ("not_met", 0.15), ("no_baseline", 0.10), ("no_response", 0.15))
        n_o = n_g = 0
        for support, la, start, end, days in specs:
            if support == "one_to_one":
                n_o += 1
                pid = f"SLI-{n_o:03d}"
                roles = [
                    rng.choice(("Director of Children's Services",) * 2 + ("Lead Member", "Chief Executive", "Other"))
                ]
                gtype = None
            else:
                n_g += 1
                pid = f"SLI-G{n_g:02d}"
                gtype = rng.choice(("Leadership team", "Action learning set"))
                roles = ["Director of Children's Services"] + [
                    rng.choice(("Other", "Other", "Lead Member", "Chief Finance Officer", "Councillor"))
                    for _ in range(rng.randint(3, 6))
                ]
            pkg = Package(
                SLI,
                pid,
                la,
                self._la_label(la),
                support,
                gtype,
                start,
                end,
                days,
                f"Demo SLI Partner {rng.randint(1, 8):02d}",
                rng.choice(("SEND",) * 5 + ("Both",)),
                [self._new_participant(r) for r in roles],
            )
            self.packages[SLI].append(pkg)
            for part in pkg.participants:
                self._surveys(SLI, pkg, part, o_probs if support == "one_to_one" else g_probs)
        for fy, q in quarters_between(("2021-22", 4), ("2023-24", 4)):
            qs, qe = quarter_bounds(fy, q)
            exec_days = mgmt_days = 0.0
            for p in self.packages[SLI]:
                d = self._spread(p, qs, qe)
                if p.support == "one_to_one" and p.participants[0].role in (
                    "Director of Children's Services",
                    "Chief Executive",
                ):
                    exec_days += d
                else:
                    mgmt_days += d
            items: list = []
            if exec_days:
                items.append(
                    (
                        "Sector-led improvement partners",
                        "Sector-led improvement partner",
                        "Executive",
                        _half(exec_days),
                        800.0,
                        _half(exec_days) * 800,
                    )
                )
            if mgmt_days:
                items.append(
                    (
                        "Sector-led improvement partners",
                        "SEND improvement adviser",
                        "Management",
                        _half(mgmt_days),
                        600.0,
                        _half(mgmt_days) * 600,
                    )
                )
            pm, ps = rng.randint(6, 10), rng.randint(5, 10)
            items.append(("Programme management", "Programme manager", "Management", pm, 500.0, pm * 500))
            items.append(("Programme management", "Programme support officer", "Other", ps, 300.0, ps * 300))
            if qs >= date(2022, 7, 1):
                ev = rng.randint(3, 8)
                items.append(("Evaluation and dissemination", "Evaluation lead", "Management", ev, 575.0, ev * 575))
            if (fy, q) in (("2022-23", 4), ("2023-24", 4)):
                items.append(("Evaluation and dissemination", "Dissemination event", None, None, None, 1850.0))
            self._add_invoice(
                SLI, f"SLI-5369-{fy[2:4]}{fy[5:7]}-{q:02d}", fy, q, qe + timedelta(days=rng.randint(7, 18)), items
            )

    # ---- evaluation contract (2018/028): finance only
    def _build_eval(self) -> None:
        self._add_invoice(
            EVAL,
            "EVAL-028-001",
            "2018-19",
            2,
            date(2018, 10, 12),
            [
                ("Research and fieldwork", "Senior researcher", "Management", 12, 475.0, 12 * 475),
                ("Research and fieldwork", "Researcher", "Other", 18, 375.0, 18 * 375),
                ("Project management", "Project manager", "Management", 4, 425.0, 4 * 425),
            ],
        )
        self._add_invoice(
            EVAL,
            "EVAL-028-002",
            "2018-19",
            4,
            date(2019, 4, 10),
            [
                ("Research and fieldwork", "Senior researcher", "Management", 20, 475.0, 20 * 475),
                ("Research and fieldwork", "Researcher", "Other", 30, 375.0, 30 * 375),
                ("Project management", "Project manager", "Management", 5, 425.0, 5 * 425),
            ],
        )
        self._add_invoice(
            EVAL,
            "EVAL-028-003",
            "2019-20",
            1,
            date(2019, 7, 12),
            [
                ("Reporting", "Research director", "Executive", 8, 600.0, 8 * 600),
                ("Research and fieldwork", "Senior researcher", "Management", 10, 475.0, 10 * 475),
            ],
        )
        self._add_invoice(
            EVAL,
            "EVAL-028-004",
            "2019-20",
            4,
            date(2020, 4, 9),
            [
                ("Reporting", "Research director", "Executive", 12, 600.0, 12 * 600),
                ("Research and fieldwork", "Researcher", "Other", 15, 375.0, 15 * 375),
                ("Project management", "Project manager", "Management", 4, 425.0, 4 * 425),
            ],
        )

    # ---- pricing schedules, derived from spend so that exactly one heading overspends
    def _build_allocations(self) -> None:
        rng = self.rng
        overspent = (LD, "Programme management", "2022-23")
        for c in CONTRACT_ORDER:
            spend: dict[tuple[str, str], float] = {}
            for ln in self.lines[c]:
                spend[(ln.heading, ln.fy)] = spend.get((ln.heading, ln.fy), 0.0) + ln.amount
            alloc: dict[tuple[str, str], float] = {}
            for (heading, fy), s in sorted(spend.items()):
                if (c, heading, fy) == overspent:
                    alloc[(heading, fy)] = math.floor(s * 0.93 / 500) * 500
                elif c == IA and heading == "Improvement adviser days":
                    months = 9 if fy == "2021-22" else 3  # the contract: 4 days a month at 600
                    alloc[(heading, fy)] = 4 * months * 600.0
                elif c == IA:
                    alloc[(heading, fy)] = 1500.0 if fy == "2021-22" else 500.0
                else:
                    margin = rng.uniform(1.02, 1.06) if c == SLI else rng.uniform(1.04, 1.15)
                    alloc[(heading, fy)] = math.ceil(s * margin / 500) * 500
            if c == SLI:  # the grant is worth 518,000: the rest goes to the partners' lines
                rest = CONTRACTS[SLI].value - sum(alloc.values())
                if rest < 0:
                    raise AssertionError(f"SEND grant spend exceeds its value by {-rest}")
                half = math.floor(rest / 2 / 500) * 500
                alloc[("Sector-led improvement partners", "2022-23")] += half
                alloc[("Sector-led improvement partners", "2023-24")] += rest - half
            self.allocations[c] = alloc
        for c in (EVAL, LD, IA):
            CONTRACTS[c].value = sum(self.allocations[c].values())

    def _build_milestones(self) -> None:
        rng = self.rng
        m = self.milestones
        m.append((EVAL, "Scoping report", date(2018, 9, 30), date(2018, 9, 28), None))
        m.append((EVAL, "Interim report", date(2019, 6, 30), date(2019, 6, 14), "Window: March to June 2019"))
        m.append((EVAL, "Final report", date(2020, 3, 31), date(2020, 3, 27), None))
        for name, done in (
            ("Kick-off meeting", date(2021, 6, 15)),
            ("Delivery plan", date(2021, 6, 30)),
            ("Communication strategy", date(2021, 7, 16)),
        ):
            m.append((LD, name, date(2021, 6, 7), done, None))
        for fy, q in quarters_between(("2021-22", 1), ("2023-24", 4)):
            due = quarter_bounds(fy, q)[1] + timedelta(days=30)
            if (fy, q) in (("2023-24", 3), ("2023-24", 4)):
                done = None  # Q3 overdue at DEMO_AS_OF; Q4 not yet due
            else:
                done = due + timedelta(days=rng.choice((-6, -3, -2, 0, 1, 4, 9)))
            m.append((LD, f"Q{q} {fy} progress report", due, done, "Written progress report"))
        m.append((LD, "Final programme report", date(2024, 3, 31), None, "Final report on the programme"))
        due = date(2021, 8, 11)
        n = 0
        while due <= date(2022, 6, 29):
            n += 1
            done = due + timedelta(days=12 if n == 4 else rng.randint(-3, 3))
            m.append((IA, f"Case report {n}", due, done, "Six-weekly case report"))
            due += timedelta(weeks=6)
        m.append((SLI, "Grant agreement signed", date(2022, 1, 14), date(2022, 1, 12), None))
        m.append((SLI, "Delivery plan", date(2022, 2, 28), date(2022, 3, 4), None))
        m.append((SLI, "Annual report 2022-23", date(2023, 4, 30), date(2023, 4, 28), None))
        m.append((SLI, "Extension agreed", date(2023, 3, 31), date(2023, 3, 17), None))
        m.append((SLI, "Final evaluation report", date(2024, 5, 31), None, None))

    def _build_la_status(self) -> list[dict]:
        rng = self.rng
        chosen: list[RefLA] = [self._la("E08000014")] + list(self.sli_las)
        pool_codes = {la.code for la in self._status_pool}
        for p in self.packages[LD]:
            if len(chosen) >= 40:
                break
            if p.la.code in pool_codes and p.la not in chosen:
                chosen.append(p.la)
        latest: dict[str, dict[str, str]] = {}
        for r in self.ilacs:
            if date.fromisoformat(r["inspection_date"]) <= LA_STATUS_AS_AT and (
                r["la_code"] not in latest or r["inspection_date"] > latest[r["la_code"]]["inspection_date"]
            ):
                latest[r["la_code"]] = r
        extra_wsoa = set(rng.sample([la.code for la in chosen[12:]], 3))
        rows = []
        for la in sorted(chosen, key=lambda x: (x.region_code, x.name)):
            insp = latest[la.code]
            judgement = insp["overall_effectiveness"].replace("Requires improvement to be good", "Requires improvement")
            ilacs_date = date.fromisoformat(insp["inspection_date"])
            intervention = judgement == "Inadequate" or rng.random() < 0.05
            r = rng.random()
            declining = None if r < 0.05 else r < 0.2
            label: object = la.name
            v = rng.random()
            if v < 0.15:
                label = la.code
            elif v < 0.22:
                label = int(la.dfe_code)
            review = (
                add_months(LA_STATUS_AS_AT, rng.choice((3, 4, 6)))
                if intervention
                else LA_STATUS_AS_AT + timedelta(days=rng.randint(60, 400))
            )
            rows.append(
                dict(
                    la=la,
                    label=label,
                    judgement=judgement,
                    ilacs_date=ilacs_date,
                    wsoa=la.code in self.sli_wsoa or la.code in extra_wsoa,
                    declining=declining,
                    intervention=intervention,
                    review=review,
                )
            )
        return rows


# --------------------------------------------------------------------------- writing

BOLD = Font(bold=True)
DATE_FMT = "dd/mm/yyyy"
MONEY_FMT = "#,##0.00"
FIXED_TIME = datetime(2024, 4, 30, 9, 0, 0)


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    required: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Style:
    stars: bool = False
    hints: bool = False
    case: str = "as"  # "as" | "upper" | "lower"

    def header(self, col: Col) -> str:
        text = col.header + (col.hint if self.hints and col.hint else "")
        if self.stars and col.required:
            text += "*" if len(text) % 2 else " *"
        return text.upper() if self.case == "upper" else text.lower() if self.case == "lower" else text


ENG = {
    c.key: c
    for c in (
        Col("contract", "Contract reference", True),
        Col("package", "Package ID", True),
        Col("la", "LA", True, " (name, GSS or DfE code)"),
        Col("support", "Support type", True, " (One-to-one / Group)"),
        Col("group_type", "Group type"),
        Col("participant", "Participant ID", True, " (pseudonymous)"),
        Col("role", "Role", True),
        Col("name", "Participant name", False, " (optional)"),
        Col("start", "Start date", True, " (dd/mm/yyyy)"),
        Col("end", "End date", False, " (dd/mm/yyyy)"),
        Col("days", "Days delivered"),
        Col("by", "Delivered by"),
        Col("focus", "Focus", False, " (CSC/SEND/Both)"),
    )
}
SUR = {
    c.key: c
    for c in (
        Col("contract", "Contract reference", True),
        Col("package", "Package ID", True),
        Col("participant", "Participant ID", True),
        Col("stage", "Stage", True, " (Baseline/Follow-up)"),
        Col("date", "Response date", True, " (dd/mm/yyyy)"),
        Col("confidence", "Confidence", True, " (1 = low, 5 = high)"),
        Col("impact", "Impact demonstrated", False, " (Yes/No)"),
        Col("evidence", "Evidence", False, " (brief description)"),
    )
}
FIN = {
    c.key: c
    for c in (
        Col("contract", "Contract reference", True),
        Col("invoice", "Invoice reference", True),
        Col("line", "Line"),
        Col("fy", "Financial year", True, " (e.g. 2021-22)"),
        Col("quarter", "Quarter", True, " (Q1-Q4)"),
        Col("heading", "Expenditure heading", True, " (as in pricing schedule)"),
        Col("role", "Role"),
        Col("level", "Level", False, " (Executive/Management/Other)"),
        Col("days", "Days"),
        Col("rate", "Day rate", False, " (£)"),
        Col("amount", "Amount", True, " (£, ex VAT)"),
        Col("vat", "VAT", False, " (20%)"),
        Col("inv_date", "Invoice date", True, " (dd/mm/yyyy)"),
    )
}


def _new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "Improvement Oversight demo generator"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def _put(ws, row: int, col: int, value: object, fmt: str | None = None) -> None:
    if value is None:
        return
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, (date, datetime)):
        cell.number_format = DATE_FMT
    elif fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = fmt


def _table(ws, row: int, headers: list[str], records: list[list[object]], money_cols: tuple[int, ...] = ()) -> int:
    """Header at ``row`` then records; returns the next free row."""
    for j, h in enumerate(headers, 1):
        ws.cell(row=row, column=j, value=h).font = BOLD
        ws.column_dimensions[ws.cell(row=row, column=j).column_letter].width = max(12, len(h) + 2)
    for i, rec in enumerate(records, row + 1):
        for j, v in enumerate(rec, 1):
            _put(ws, i, j, v, MONEY_FMT if (j - 1) in money_cols else None)
    return row + 1 + len(records)


def _preamble(ws, lines: list[object]) -> int:
    """Title/notes rows above a table; a list item is written across cells. Returns next row."""
    for i, item in enumerate(lines, 1):
        if isinstance(item, (list, tuple)):
            for j, v in enumerate(item, 1):
                _put(ws, i, j, v)
        elif item:
            ws.cell(row=i, column=1, value=item).font = BOLD if i == 1 else Font(italic=True)
    return len(lines) + 1


def _write_register(data: DemoData, path: Path) -> None:
    wb = _new_workbook()
    ws = wb.create_sheet("Contracts")
    row = _preamble(ws, ["Contract register: improvement support for local authorities", None])
    headers = [
        "Contract reference*",
        "Title*",
        "Supplier*",
        "Programme*",
        "Type",
        "Start date (dd/mm/yyyy)*",
        "End date (dd/mm/yyyy)*",
        "Extension up to",
        "Break date",
        "Value (GBP)",
        "Day rate cap (GBP)",
        "Executive day rate cap (GBP)",
        "Minimum package days",
        "Minimum LAs per year",
        "KPI target",
        "Contract manager",
        "Overheads cap",
        "Rates include expenses",
        "Extension notice (months)",
        "Illustrative (demo)",
    ]
    records = []
    for ref in CONTRACT_ORDER:
        c = CONTRACTS[ref]
        records.append(
            [
                c.ref,
                c.title,
                c.supplier,
                c.programme,
                c.ctype,
                c.start,
                c.end,
                c.extension,
                c.break_date,
                c.value,
                c.cap,
                c.exec_cap,
                c.min_days,
                c.min_las,
                c.kpi_target,
                c.manager,
                c.overheads_cap,
                c.rates_include_expenses,
                c.extension_notice,
                f"Not stated in the contract documents: {c.illustrative}" if c.illustrative else None,
            ]
        )
    _table(ws, row, headers, records, money_cols=(9, 10, 11))
    for i in range(len(records)):
        if isinstance(records[i][14], float):
            ws.cell(row=row + 1 + i, column=15).number_format = "0%"
    ws = wb.create_sheet("Milestones")
    recs = [[ref, name, due, done, note] for ref, name, due, done, note in data.milestones]
    _table(ws, 1, ["Contract reference", "Milestone", "Due date (dd/mm/yyyy)", "Completed date", "Notes"], recs)
    wb.save(path)


PART_A_STYLES = {
    EVAL: lambda fy: f"FY{fy[2:4]}/{fy[5:7]}",
    LD: lambda fy: fy,
    IA: lambda fy: f"FY {fy}",
    SLI: None,  # Year n (2021-22)
}


def _write_pricing(data: DemoData, ref: str, path: Path, sheet_names: tuple[str, str], totals_word: str) -> None:
    c = CONTRACTS[ref]
    alloc = data.allocations[ref]
    fys = sorted({fy for _, fy in alloc})
    wb = _new_workbook()
    ws = wb.create_sheet(sheet_names[0])
    row = _preamble(
        ws,
        [f"{c.title}: pricing schedule, Part A (allocations, GBP ex VAT)", None, ["Contract reference", c.ref], None],
    )
    style = PART_A_STYLES[ref]
    fy_headers = [style(fy) if style else f"Year {i} ({fy})" for i, fy in enumerate(fys, 1)]
    records = []
    for heading in c.headings:
        vals = [alloc.get((heading, fy)) for fy in fys]
        records.append([heading] + vals + [sum(v or 0 for v in vals)])
    totals = [sum(r[j] or 0 for r in records) for j in range(1, len(fys) + 2)]
    records.append([totals_word] + totals)
    _table(ws, row, ["Expenditure heading"] + fy_headers + ["Total"], records, money_cols=tuple(range(1, len(fys) + 2)))
    ws.column_dimensions["A"].width = 34
    ws = wb.create_sheet(sheet_names[1])
    row = _preamble(ws, [f"{c.title}: pricing schedule, Part B (day rates)", ["Contract reference", c.ref], None])
    days_by_role: dict[str, float] = {}
    for ln in data.lines[ref]:
        if ln.role and ln.days:
            key = re.sub(r" \(.*\)$", "", ln.role) if ref == IA else ln.role
            days_by_role[key] = days_by_role.get(key, 0) + ln.days
    recs = []
    for role, level, headcount, fte, rate in c.part_b:
        days = math.ceil(days_by_role.get(role, 10) * 1.1 / 5) * 5
        recs.append([role, level, headcount, fte, days, rate, days * rate])
    if ref == LD:
        recs.append(
            ["Total", None, sum(r[2] for r in recs), None, sum(r[4] for r in recs), None, sum(r[6] for r in recs)]
        )
    _table(
        ws,
        row,
        ["Role*", "Level", "Headcount", "FTE", "Number of days", "Day rate (£)*", "Total cost (£)"],
        recs,
        money_cols=(5, 6),
    )
    ws.column_dimensions["A"].width = 32
    wb.save(path)


def _write_la_status(data: DemoData, path: Path) -> None:
    wb = _new_workbook()
    ws = wb.create_sheet("LA status")
    row = _preamble(
        ws,
        [
            (
                f"LA status as at {LA_STATUS_AS_AT:%d/%m/%Y}. "
                "Demo data: WSoA, declining and intervention flags are fictional"
            ),
            (
                "ILACS judgements: Ofsted, latest ILACS inspection on or before that date "
                "(Open Government Licence v3.0)."
            ),
            None,
        ],
    )
    recs = []
    for r in data.la_status:
        recs.append(
            [
                r["label"],
                r["judgement"],
                r["ilacs_date"],
                "Yes" if r["wsoa"] else "No",
                None if r["declining"] is None else ("Y" if r["declining"] else "N"),
                r["intervention"],
                r["review"],
            ]
        )
    _table(
        ws,
        row,
        [
            "LA*",
            "ILACS judgement",
            "ILACS date",
            "SEND WSoA",
            "Declining performance",
            "In intervention",
            "Next review date",
        ],
        recs,
    )
    ws.column_dimensions["A"].width = 30
    wb.save(path)


@dataclass
class ReturnSpec:
    contract: str
    fy: str
    q: int
    sheets: dict[str, str]  # kind ("eng"/"sur"/"fin") -> sheet name, in order
    eng_cols: tuple[str, ...] = ()
    sur_cols: tuple[str, ...] = ()
    fin_cols: tuple[str, ...] = ()
    style: Style = Style()
    title: bool = False
    support: tuple[tuple[str, ...], tuple[str, ...]] = (("One-to-one",), ("Group",))
    stages: tuple[str, str] = ("Baseline", "Follow-up")
    impact: tuple[object, ...] = ("Yes", "No")  # yes form(s) then no form(s), alternately
    quarter_as_date: float = 0.0  # share of finance rows whose quarter is the quarter end date
    text_dates: float = 0.0  # share of survey/invoice dates written as dd/mm/yyyy text
    money_text: bool = False
    lists_sheet: bool = False
    guidance_sheet: bool = False
    totals: bool = True
    # the return's reporting quarter, in a labelled cell above each table: the label, and the
    # value written as "label" (2023-24 Q3), "label_first" (Q3 2023-24), "date" (its last day) or
    # "month" (December 2023)
    period_label: str = "Reporting quarter"
    period_as: str = "label"

    @property
    def quarter_end(self) -> date:
        return quarter_bounds(self.fy, self.q)[1]

    @property
    def period(self) -> list[object]:
        """The labelled cell stating the reporting quarter (spreadsheets.md)."""
        value: object = {
            "label": f"{self.fy} Q{self.q}",
            "label_first": f"Q{self.q} {self.fy}",
            "date": self.quarter_end,
            "month": self.quarter_end.strftime("%B %Y"),
        }[self.period_as]
        return [self.period_label, value]

    @property
    def compiled(self) -> date:
        return self.quarter_end + timedelta(days=RETURN_LAG_DAYS)


LD_ENG = (
    "contract",
    "package",
    "la",
    "support",
    "group_type",
    "participant",
    "role",
    "name",
    "start",
    "end",
    "days",
    "by",
    "focus",
)
LD_SUR = ("package", "participant", "stage", "date", "confidence", "impact", "evidence")
LD_FIN = (
    "contract",
    "invoice",
    "line",
    "fy",
    "quarter",
    "heading",
    "role",
    "level",
    "days",
    "rate",
    "amount",
    "vat",
    "inv_date",
)
SLI_ENG = ("package", "participant", "role", "la", "support", "group_type", "focus", "start", "end", "days", "by")
SLI_SUR = ("package", "participant", "date", "stage", "confidence", "impact", "evidence")
SLI_FIN = ("invoice", "inv_date", "fy", "quarter", "heading", "level", "role", "days", "rate", "amount", "vat")
IA_ENG = ("contract", "la", "package", "participant", "role", "support", "start", "end", "days", "by", "focus")
IA_SUR = ("contract", "package", "participant", "stage", "date", "confidence", "impact")
IA_FIN = (
    "contract",
    "invoice",
    "line",
    "quarter",
    "heading",
    "role",
    "level",
    "days",
    "rate",
    "amount",
    "vat",
    "inv_date",
)
EVAL_FIN = (
    "contract",
    "invoice",
    "line",
    "fy",
    "quarter",
    "heading",
    "role",
    "level",
    "days",
    "rate",
    "amount",
    "vat",
    "inv_date",
)

#: Returns added after the others: written without drawing on the shared random numbers.
ADDED_RETURNS = {(EVAL, "2020-21", 1)}

# Every return states its reporting quarter (spreadsheets.md), each in one of the ways a return may.
# The evaluation's closing return (2020-21 Q1, the quarter after it ended) is in: nothing more is due
# from it. The other contracts' returns are yearly, so at the default as-of dates each has a return
# overdue (the leadership contract's for 2023-24 Q1 as of 15/03/2024, for 2024-25 Q1 as of today),
# and the follow-ups of windows closed since its data-to show as awaiting the return.
RETURNS = (
    ReturnSpec(
        EVAL,
        "2019-20",
        4,
        {"fin": "Finance"},
        fin_cols=EVAL_FIN,
        title=True,
        money_text=True,
        style=Style(stars=False, hints=True),
    ),
    ReturnSpec(
        EVAL,
        "2020-21",
        1,
        {"fin": "Finance"},
        fin_cols=EVAL_FIN,
        title=True,
        money_text=True,
        style=Style(stars=False, hints=True),
        period_label="Quarter ending",
        period_as="date",
    ),
    ReturnSpec(
        IA,
        "2021-22",
        4,
        {"eng": "Engagements", "fin": "Finance"},
        eng_cols=IA_ENG,
        fin_cols=IA_FIN,
        support=(("Individual",), ("Group",)),
        quarter_as_date=1.0,
        text_dates=0.3,
        totals=False,
        period_label="Quarter ending",
        period_as="date",
    ),
    ReturnSpec(
        LD,
        "2021-22",
        4,
        {"eng": "Engagements", "sur": "Survey", "fin": "Finance"},
        eng_cols=LD_ENG,
        sur_cols=LD_SUR,
        fin_cols=LD_FIN,
        title=True,
        style=Style(stars=True, hints=True),
        lists_sheet=True,
        support=(("One-to-one", "1:1"), ("Group",)),
        impact=("Yes", "No", "yes", "no"),
        period_as="label_first",
    ),
    ReturnSpec(
        SLI,
        "2021-22",
        4,
        {"eng": "engagement_data", "sur": "Surveys", "fin": "Finance"},
        eng_cols=SLI_ENG,
        sur_cols=SLI_SUR,
        fin_cols=SLI_FIN,
        style=Style(case="lower"),
        guidance_sheet=True,
        support=(("1:1",), ("Group facilitation",)),
        stages=("Before", "After"),
        impact=("Y", "N"),
        period_label="Period",
        period_as="month",
    ),
    ReturnSpec(
        IA,
        "2022-23",
        1,
        {"eng": "Engagements", "sur": "Survey", "fin": "Finance"},
        eng_cols=IA_ENG,
        sur_cols=IA_SUR,
        fin_cols=IA_FIN,
        support=(("Individual",), ("Group",)),
        stages=("Baseline", "3 month follow-up"),
        impact=("TRUE", "FALSE"),
        quarter_as_date=1.0,
        text_dates=0.3,
        totals=False,
        period_label="Quarter ending",
        period_as="date",
    ),
    ReturnSpec(
        LD,
        "2022-23",
        4,
        {"eng": "Engagement data", "sur": "Survey", "fin": "Finance data"},
        eng_cols=LD_ENG,
        sur_cols=LD_SUR,
        fin_cols=LD_FIN,
        title=True,
        style=Style(stars=True, hints=False),
        lists_sheet=True,
        support=(("One-to-one", "One to one"), ("Group",)),
        stages=("Pre", "Post"),
        impact=("Y", "N", "TRUE", "FALSE"),
    ),
    ReturnSpec(
        SLI,
        "2022-23",
        4,
        {"eng": "Engagements", "sur": "Survey", "fin": "FINANCE"},
        eng_cols=SLI_ENG,
        sur_cols=SLI_SUR,
        fin_cols=SLI_FIN,
        style=Style(case="lower"),
        guidance_sheet=True,
        support=(("1:1",), ("Group facilitation",)),
        stages=("Before", "3 month follow-up"),
        impact=("Y", "N"),
        text_dates=0.1,
        period_label="period",
        period_as="label_first",
    ),
    ReturnSpec(
        LD,
        "2023-24",
        4,
        {"eng": "ENGAGEMENTS", "sur": "Survey", "fin": "Finance"},
        eng_cols=LD_ENG,
        sur_cols=LD_SUR,
        fin_cols=LD_FIN,
        title=True,
        style=Style(stars=True, hints=True, case="upper"),
        lists_sheet=True,
        support=(("One-to-one", "1:1", "One to one"), ("Group", "Group facilitation")),
        impact=(True, False),
        quarter_as_date=0.15,
        period_label="REPORTING QUARTER",
    ),
    ReturnSpec(
        SLI,
        "2023-24",
        4,
        {"eng": "Engagements", "sur": "Survey", "fin": "Finance"},
        eng_cols=SLI_ENG,
        sur_cols=SLI_SUR,
        fin_cols=SLI_FIN,
        style=Style(case="lower"),
        guidance_sheet=True,
        support=(("1:1", "Individual"), ("Group facilitation",)),
        stages=("Before", "After"),
        impact=("Y", "N", "Yes", "No"),
        quarter_as_date=0.2,
        period_label="Period",
        period_as="month",
    ),
)


def _heading_case(rng: random.Random, heading: str) -> str:
    r = rng.random()
    if r < 0.7:
        return heading
    if r < 0.85:
        return heading.lower()
    if r < 0.95:
        return heading.upper()
    return heading.title()


def _datish(rng: random.Random, d: date, share: float) -> object:
    return d.strftime("%d/%m/%Y") if share and rng.random() < share else d


def _write_return(data: DemoData, spec: ReturnSpec, path: Path) -> None:
    rng = data.rng
    c = CONTRACTS[spec.contract]
    qe, compiled = spec.quarter_end, spec.compiled
    wb = _new_workbook()
    if spec.guidance_sheet:
        ws = wb.create_sheet("Guidance")
        for i, text in enumerate(
            (
                "How to complete this return",
                "Complete one row per participant per support package on the engagements sheet.",
                "Record every questionnaire response on the survey sheet.",
                "Invoice lines must use the expenditure headings of the pricing schedule.",
            ),
            1,
        ):
            ws.cell(row=i, column=1, value=text)
    label = f"Quarterly return {spec.fy} Q{spec.q}: {c.title}"
    packages = [p for p in data.packages[spec.contract] if p.start <= qe]
    units = [
        (p, part)
        for p in packages
        for part in p.participants
        if part.dropped_after is None or compiled <= part.dropped_after
    ]
    unit_keys = {(p.package_id, part.pid) for p, part in units}
    for kind, sheet_name in spec.sheets.items():
        ws = wb.create_sheet(sheet_name)
        cols = {"eng": spec.eng_cols, "sur": spec.sur_cols, "fin": spec.fin_cols}[kind]
        defs = {"eng": ENG, "sur": SUR, "fin": FIN}[kind]
        pre: list[object] = []
        if spec.title:
            pre += [label, "Notes: required columns are marked *. Dates as dd/mm/yyyy.", None]
        if "contract" not in cols:
            pre += [["Contract reference", c.ref]]
        pre += [spec.period, None]
        row = _preamble(ws, pre) if pre else 1
        headers = [spec.style.header(defs[k]) for k in cols]
        records: list[dict[str, object]] = []
        money: tuple[str, ...] = ()
        if kind == "eng":
            for p, part in units:
                ended = p.end <= qe
                if ended:
                    days = p.days
                else:
                    frac = ((qe - p.start).days + 1) / ((p.end - p.start).days + 1)
                    days = max(0.5, _half(p.days * frac))
                forms = spec.support[0 if p.support == "one_to_one" else 1]
                records.append(
                    dict(
                        contract=c.ref,
                        package=p.package_id,
                        la=p.la_label,
                        support=rng.choice(forms),
                        group_type=p.group_type,
                        participant=part.pid,
                        role=part.role,
                        name=part.name,
                        start=p.start,
                        end=p.end if ended else None,
                        days=days,
                        by=p.delivered_by,
                        focus=p.focus,
                    )
                )
        elif kind == "sur":
            responses = sorted(
                (r for r in data.responses[spec.contract] if (r.package_id, r.pid) in unit_keys and r.when <= compiled),
                key=lambda r: (r.when, r.package_id, r.pid, r.stage),
            )
            yes_forms, no_forms = spec.impact[0::2], spec.impact[1::2]
            for r in responses:
                impact = None
                if r.impact is not None:
                    impact = rng.choice(yes_forms if r.impact else no_forms)
                records.append(
                    dict(
                        contract=c.ref,
                        package=r.package_id,
                        participant=r.pid,
                        stage=spec.stages[0 if r.stage == "baseline" else 1],
                        date=_datish(rng, r.when, spec.text_dates),
                        confidence=r.confidence,
                        impact=impact,
                        evidence=r.evidence if r.stage == "follow_up" else None,
                    )
                )
        else:
            money = ("rate", "amount", "vat")
            lines = sorted(
                (ln for ln in data.lines[spec.contract] if ln.invoice_date <= compiled),
                key=lambda ln: (ln.invoice_date, ln.invoice_ref, ln.line),
            )
            for ln in lines:
                quarter: object = f"Q{ln.q}"
                if spec.quarter_as_date and rng.random() < spec.quarter_as_date:
                    quarter = quarter_bounds(ln.fy, ln.q)[1]
                amount: object = ln.amount
                if spec.money_text:
                    amount = f"£{ln.amount:,.2f}"
                records.append(
                    dict(
                        contract=c.ref,
                        invoice=ln.invoice_ref,
                        line=ln.line,
                        fy=ln.fy,
                        quarter=quarter,
                        heading=_heading_case(rng, ln.heading),
                        role=ln.role,
                        level=ln.level,
                        days=ln.days,
                        rate=ln.rate,
                        amount=amount,
                        vat=ln.vat,
                        inv_date=_datish(rng, ln.invoice_date, spec.text_dates),
                    )
                )
        rows = [[rec.get(k) for k in cols] for rec in records]
        if kind == "fin" and spec.totals and records:
            total = ["Total"] + [None] * (len(cols) - 1)
            total[cols.index("amount")] = _money(sum(ln_amount(r["amount"]) for r in records))
            total[cols.index("vat")] = _money(sum(r["vat"] for r in records))
            rows += [[None] * len(cols), total]
        _table(ws, row, headers, rows, money_cols=tuple(cols.index(k) for k in money if k in cols))
    if spec.lists_sheet:
        ws = wb.create_sheet("Lists")
        lists = {
            "Support type": ["One-to-one", "Group"],
            "Group type": [
                "Cabinet",
                "Scrutiny committee",
                "Corporate parenting board",
                "Full council",
                "Leadership team",
                "Action learning set",
                "Other",
            ],
            "Role": [
                "Chief Executive",
                "Lead Member",
                "Leader",
                "Chair of Scrutiny",
                "Cabinet Member",
                "Director of Children's Services",
                "Chief Finance Officer",
                "Councillor",
                "Other",
            ],
            "Focus": ["CSC", "SEND", "Both"],
            "Stage": ["Baseline", "Follow-up"],
            "Expenditure heading": list(c.headings),
        }
        for j, (name, values) in enumerate(lists.items(), 1):
            ws.cell(row=1, column=j, value=name).font = BOLD
            for i, v in enumerate(values, 2):
                ws.cell(row=i, column=j, value=v)
        ws.sheet_state = "hidden"
    wb.save(path)


def ln_amount(value: object) -> float:
    if isinstance(value, str):
        return float(value.replace("£", "").replace(",", ""))
    return float(value)


def write_demo_workbooks(out_dir: Path) -> list[Path]:
    """Write every demo workbook into ``out_dir``; return the paths in import order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = DemoData()
    paths: list[Path] = []

    def nxt(name: str) -> Path:
        path = out_dir / f"{len(paths) + 1:02d}_{name}.xlsx"
        paths.append(path)
        return path

    _write_register(data, nxt("contract_register"))
    sheet_names = {
        EVAL: ("Part A", "Part B"),
        LD: ("Part A", "Part B"),
        IA: ("PART A", "PART B"),
        SLI: ("Part_A", "Part_B"),
    }
    totals_words = {EVAL: "Total", LD: "Grand total", IA: "Totals", SLI: "Total"}
    for ref in CONTRACT_ORDER:
        _write_pricing(data, ref, nxt(f"pricing_schedule_{CONTRACTS[ref].slug}"), sheet_names[ref], totals_words[ref])
    _write_la_status(data, nxt("la_status"))
    for spec in sorted(RETURNS, key=lambda s: s.quarter_end):  # stable: same-quarter order kept
        state = data.rng.getstate()
        _write_return(data, spec, nxt(f"quarterly_return_{CONTRACTS[spec.contract].slug}_{spec.fy}_Q{spec.q}"))
        if (spec.contract, spec.fy, spec.q) in ADDED_RETURNS:  # the returns after it come out as before
            data.rng.setstate(state)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the deterministic demo workbooks.")
    parser.add_argument("out_dir", type=Path, help="folder to write the workbooks into")
    args = parser.parse_args(argv)
    for path in write_demo_workbooks(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
