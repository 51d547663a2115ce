"""``python -m data_access``: import workbooks and load demo data without a browser.

    python -m data_access import FILE [FILE ...] [--contract REF] [--quarter 2023-24Q3] [--dry-run] [--db URL]
    python -m data_access reference [FILE ...] [--dry-run] [--db URL]
    python -m data_access demo [--db URL]
    python -m data_access add-user EMAIL ROLE [--contract REF ...] [--la CODE ...] [--region CODE ...] [--db URL]
    python -m data_access erase-personal-data --contract REF [--db URL]
    python -m data_access export-participant PARTICIPANT_ID [--out FILE] [--db URL]

Exit codes: 0 imported (or valid, with --dry-run), or done; 1 a file is invalid
(every error printed as FILE:SHEET:ROW:COLUMN: message, nothing written for it),
or the erasure / user change was refused (one line saying why); 2 bad command
line, or a database that cannot be opened or written (a folder that does not
exist, read-only, a full disk, the connection lost): one line saying which, no
traceback. Output piped into a command that stops reading (``| head``) is
dropped quietly and every file is still imported.

Whoever runs these commands can reach the database, so they act as an
administrator, recorded in the audit log as ``cli:<login name>`` (the operating system's login
name, which the machine vouches for; there is no option to name someone else): imports and
rejected files (``import``, ``import_rejected``), user changes, erasures and exports. A dry run
writes nothing and is not audited.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dashboard.access import ADMIN, ROLE_NAMES, ROLES, Viewer
from dashboard.wording import listed
from data_access import audit
from data_access.db import DatabaseUnavailable, failure_message, ready_engine
from data_access.importer import CellError, ImportPlan, RowAction, parse_reporting_quarter, quarter_text
from data_access.services import ImportOutcome, checked_in_order, import_file


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # exit code 2, one clear line
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m data_access", description="Load spreadsheets into the oversight database.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    load = commands.add_parser(
        "import", help="import workbooks (contract register, pricing schedule, quarterly return, LA status)"
    )
    load.add_argument("files", nargs="+", metavar="FILE")
    load.add_argument("--contract", help="contract reference for files that do not name one")
    load.add_argument(
        "--quarter",
        type=_reporting_quarter,
        metavar="QUARTER",
        help="reporting quarter (e.g. 2023-24Q3) of returns that do not state one",
    )
    load.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    load.add_argument("--db", help="SQLAlchemy database URL (default: DASHBOARD_DATABASE_URL or the SQLite file)")
    refresh = commands.add_parser(
        "reference",
        help="refresh the LAIT outcome measures, values and statistical neighbours from files of the "
        "shipped shape (default: the shipped files)",
    )
    refresh.add_argument("files", nargs="*", metavar="FILE")
    refresh.add_argument("--dry-run", action="store_true", help="check and report what would change, write nothing")
    refresh.add_argument("--db", help="SQLAlchemy database URL")
    demo = commands.add_parser("demo", help="load the demo workbooks into an empty database")
    demo.add_argument("--db", help="SQLAlchemy database URL")
    user = commands.add_parser(
        "add-user", help="add a user (or change their role) and assign contracts, LAs or regions"
    )
    user.add_argument("email", metavar="EMAIL")
    user.add_argument("role", metavar="ROLE", choices=ROLES, help=f"one of {', '.join(ROLES)}")
    user.add_argument("--contract", action="append", default=[], metavar="REF", help="a contract (contract managers)")
    user.add_argument("--la", action="append", default=[], metavar="CODE", help="an LA's GSS code (case leads)")
    user.add_argument("--region", action="append", default=[], metavar="CODE", help="a region's E12 code (case leads)")
    user.add_argument("--db", help="SQLAlchemy database URL")
    erase = commands.add_parser(
        "erase-personal-data",
        help="erase participants' names and survey evidence of a contract past its retention period",
    )
    erase.add_argument("--contract", required=True, metavar="REF")
    erase.add_argument("--db", help="SQLAlchemy database URL")
    export = commands.add_parser("export-participant", help="everything held about one participant ID, as JSON")
    export.add_argument("participant_id", metavar="PARTICIPANT_ID")
    export.add_argument("--out", metavar="FILE", help="write the JSON here (default: standard output)")
    export.add_argument("--db", help="SQLAlchemy database URL")
    return parser


def _operator() -> Viewer:
    """The person at the command line: an administrator (they can reach the database)."""
    return Viewer(email=f"cli:{getpass.getuser()}", role=ADMIN)


def run_add_user(arguments: argparse.Namespace) -> int:
    from data_access import access

    engine = ready_engine(arguments.db)
    operator = _operator()
    try:
        with Session(engine) as session, session.begin():
            access.add_user(session, operator, arguments.email, arguments.role)
            for scope, values in (("contract", arguments.contract), ("la", arguments.la), ("region", arguments.region)):
                for value in values:
                    access.assign(session, operator, arguments.email, scope, value)
    except (ValueError, LookupError) as error:
        print(f"error: {error}; nothing was changed", file=sys.stderr)
        return 1
    assigned = [
        f"{scope} {value}"
        for scope, values in (("contract", arguments.contract), ("LA", arguments.la), ("region", arguments.region))
        for value in values
    ]
    _say(
        f"{arguments.email.strip().lower()}: {ROLE_NAMES[arguments.role]}"
        + (f", assigned {', '.join(assigned)}" if assigned else "")
    )
    return 0


def run_erase(arguments: argparse.Namespace) -> int:
    from data_access.privacy import ErasureRefused, erase_personal_data

    engine = ready_engine(arguments.db)
    try:
        with Session(engine) as session, session.begin():
            result = erase_personal_data(session, arguments.contract, _operator())
    except ErasureRefused as error:
        print(f"error: {error}; nothing was erased", file=sys.stderr)
        return 1
    _say(
        f"{result['contract']}: erased {result['names_erased']} participant name(s) and "
        f"{result['evidence_erased']} survey evidence text(s); figures are unchanged"
    )
    return 0


def run_export(arguments: argparse.Namespace) -> int:
    from data_access.privacy import export_participant

    engine = ready_engine(arguments.db)
    with Session(engine) as session, session.begin():
        result = export_participant(session, arguments.participant_id, _operator())
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if arguments.out:
        try:
            Path(arguments.out).write_text(text, encoding="utf-8")
        except OSError as error:
            print(f"error: cannot write {arguments.out}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(
            f"wrote {arguments.out}: {len(result['engagements'])} engagement(s), "
            f"{len(result['survey_responses'])} survey response(s)",
            file=sys.stderr,
        )
    else:
        _say(text, end="")
    if not result["engagements"] and not result["survey_responses"]:
        print(f"note: nothing is held about participant '{arguments.participant_id}'", file=sys.stderr)
    return 0


def summary_lines(plan: ImportPlan, dry_run: bool = False) -> list[str]:
    """One line per file and sheet: inserted, updated, unchanged, skipped, flags."""
    verb = "would import" if dry_run else "imported"
    lines = [f"{plan.file_name}: {plan.kind}, {verb}", *_quarter_note(plan)]
    for sheet in plan.sheets:
        lines.append(
            f"{plan.file_name}:{sheet.sheet}: {sheet.count(RowAction.INSERT)} inserted, {sheet.count(RowAction.UPDATE)} updated, "
            f"{sheet.count(RowAction.UNCHANGED)} unchanged, {sheet.skipped} skipped, {len(sheet.flags)} flags"
            + (f", {len(sheet.vanished)} no longer in this return (kept, flagged)" if sheet.vanished else "")
            + (f", {len(sheet.removed)} removed (no longer in the pricing schedule)" if sheet.removed else "")
        )
    for flag in plan.flags:
        lines.append(f"{plan.file_name}: flag: {flag}")
    for ignored in plan.ignored_sheets:
        lines.append(f"{plan.file_name}: ignored sheet {ignored}")
    if plan.has_no_data:
        lines.append(f"{plan.file_name}: note: {plan.no_data_note()}")
    return lines


def _reporting_quarter(text: str) -> str:
    """``--quarter``: checked when the command line is read (a bad one exits 2)."""
    try:
        parse_reporting_quarter(text)
    except CellError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _quarter_note(plan: ImportPlan) -> list[str]:
    """A quarterly return's reporting quarter, or a note that it states none (data currency)."""
    if plan.reporting_quarter_end is not None:
        return [f"{plan.file_name}: reporting quarter {quarter_text(plan.reporting_quarter_end)}"]
    if plan.return_contracts:
        return [
            (
                f"{plan.file_name}: note: no reporting quarter: the data currency of "
                f"{listed(plan.return_contracts)} stays as it was (say which quarter with --quarter, "
                "or a cell labelled 'Reporting quarter')"
            )
        ]
    return []


def run_import(arguments: argparse.Namespace) -> int:
    engine = ready_engine(arguments.db)
    status = 0
    imported_by = f"cli:{getpass.getuser()}"
    with ExitStack() as stack:
        if arguments.dry_run:  # each file checked as the files before it would leave the data
            check = stack.enter_context(checked_in_order(engine, imported_by))
        else:

            def check(name: str, data: bytes, contract: str | None, quarter: str | None) -> ImportOutcome:
                outcome = import_file(engine, name, data, imported_by, contract, quarter=quarter)
                with Session(engine) as session, session.begin():  # audited as the Upload page's imports
                    audit.record_import(session, imported_by, outcome.plan, outcome.import_id)
                return outcome

        for name in arguments.files:
            status = max(status, _import_one(name, check, arguments))
    return status


def _import_one(name: str, check: Callable[..., ImportOutcome], arguments: argparse.Namespace) -> int:
    """Import (or dry-run) one file and print its summary or its errors; 1 when rejected."""
    try:
        data = Path(name).read_bytes()
    except OSError as error:
        _say(f"{name}:::: cannot read the file: {error.strerror or error}")
        return 1
    outcome = check(name, data, arguments.contract, arguments.quarter)
    if outcome.plan.ok:
        _say("\n".join(summary_lines(outcome.plan, arguments.dry_run)))
        return 0
    _say("\n".join(str(problem) for problem in outcome.plan.errors))
    _say(f"{name}: rejected with {len(outcome.plan.errors)} error(s); nothing was written")
    return 1


def run_reference(arguments: argparse.Namespace) -> int:
    """Refresh the LAIT reference data: each file replaces its kind (measures, then values, then
    neighbours, whatever the order given); a file with an error is rejected whole."""
    from data_access import lait
    from data_access.audit import REFERENCE_REFRESH, record_event

    engine = ready_engine(arguments.db)
    lait.ensure_loaded(engine)  # a refresh compares with what is loaded: the shipped data, at least
    names = arguments.files or [str(path) for path in lait.shipped_files()]
    read: list[tuple[str, bytes]] = []
    status = 0
    for name in names:
        try:
            read.append((name, Path(name).read_bytes()))
        except OSError as error:
            print(f"{name}:::: cannot read the file: {error.strerror or error}")
            status = 1
    with Session(engine) as session:
        known_las, measures = lait.la_numbers(session), lait.measure_codes(session)
    parsed = sorted(
        (lait.parse_file(name, data, known_las) for name, data in read),
        key=lambda item: lait.ORDER.index(item.kind) if item.kind else -1,
    )
    given = [item for item in parsed if item.kind == lait.MEASURES and item.ok]
    if given:  # the values are checked against the measures they will sit beside
        measures = set().union(*({str(key[0]) for key in item.rows} for item in given))  # measure codes
    for item in parsed:
        if item.kind == lait.INDICATORS:
            lait.check_measures(item, measures)
        if item.kind is None or not item.ok:  # (a file that is ok has a kind)
            print("\n".join(str(problem) for problem in item.problems))
            print(f"{item.file_name}: rejected with {len(item.problems)} error(s); nothing was written")
            status = 1
            continue
        with Session(engine) as session, session.begin():
            changes = lait.refresh(session, item, write=not arguments.dry_run)
            if any(change.any for change in changes) and not arguments.dry_run:
                record_event(
                    session,
                    _operator(),
                    REFERENCE_REFRESH,
                    {
                        "file": Path(item.file_name).name,
                        "kind": item.kind,
                        **{
                            f"{change.kind}_{what}": getattr(change, what)
                            for change in changes
                            for what in ("added", "changed", "removed")
                        },
                    },
                )
        verb = "would change" if arguments.dry_run else "changed"
        if not any(change.any for change in changes):
            print(
                f"{item.file_name}: {lait.KIND_NAMES[item.kind]}, unchanged ({changes[0].unchanged} rows): "
                "nothing to change"
            )
        else:
            print(f"{item.file_name}: {lait.KIND_NAMES[item.kind]}, {verb}")
            for change in changes:
                print(f"{item.file_name}: {change.line()}")
    return status


def run_demo(arguments: argparse.Namespace) -> int:
    from data_access.demo import load_demo

    engine = ready_engine(arguments.db)
    loaded = load_demo(engine)
    _say(
        f"demo data: {loaded} workbook(s) imported"
        if loaded
        else "demo data: the database already holds data; nothing loaded"
    )
    return 0


def _say(text: str, end: str = "\n") -> None:
    """Print to standard output; when whoever reads it has stopped (``| head``), drop the rest quietly."""
    try:
        sys.stdout.write(text + end)
    except BrokenPipeError:
        _stdout_gone()


def _stdout_gone() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        commands = {
            "import": run_import,
            "reference": run_reference,
            "demo": run_demo,
            "add-user": run_add_user,
            "erase-personal-data": run_erase,
            "export-participant": run_export,
        }
        status = commands[arguments.command](arguments)
    except DatabaseUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        status = 2
    except SQLAlchemyError as error:  # any other failure of the database: one line, never a traceback
        said = failure_message(error) or str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"error: the database failed: {said}", file=sys.stderr)
        status = 2
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_gone()
    return status
