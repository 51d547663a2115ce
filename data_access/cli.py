"""``python -m data_access``: import workbooks and load demo data without a browser.

    python -m data_access import FILE [FILE ...] [--contract REF] [--dry-run] [--db URL]
    python -m data_access demo [--db URL]

Exit codes: 0 imported (or valid, with --dry-run); 1 a file is invalid (every
error printed as FILE:SHEET:ROW:COLUMN: message, nothing written for it);
2 bad command line or unreadable database.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from data_access.db import DatabaseUnavailable, ready_engine
from data_access.importer import ImportPlan
from data_access.services import import_file
from data_access.settings import load_settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit code 2, one clear line
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m data_access", description="Load spreadsheets into the oversight database.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    load = commands.add_parser("import", help="import workbooks (contract register, pricing schedule, quarterly return, LA status)")
    load.add_argument("files", nargs="+", metavar="FILE")
    load.add_argument("--contract", help="contract reference for files that do not name one")
    load.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    load.add_argument("--db", help="SQLAlchemy database URL (default: DASHBOARD_DATABASE_URL or the SQLite file)")
    demo = commands.add_parser("demo", help="load the demo workbooks into an empty database")
    demo.add_argument("--db", help="SQLAlchemy database URL")
    return parser


def summary_lines(plan: ImportPlan, dry_run: bool = False) -> list[str]:
    """One line per file and sheet: inserted, updated, unchanged, skipped, flags."""
    verb = "would import" if dry_run else "imported"
    lines = [f"{plan.file_name}: {plan.kind}, {verb}"]
    for sheet in plan.sheets:
        lines.append(
            f"{plan.file_name}:{sheet.sheet}: {sheet.count('insert')} inserted, {sheet.count('update')} updated, "
            f"{sheet.count('unchanged')} unchanged, {sheet.skipped} skipped, {len(sheet.flags)} flags"
            + (f", {len(sheet.vanished)} no longer in this return (kept, flagged)" if sheet.vanished else "")
        )
    for flag in plan.flags:
        lines.append(f"{plan.file_name}: flag: {flag}")
    for ignored in plan.ignored_sheets:
        lines.append(f"{plan.file_name}: ignored sheet {ignored}")
    return lines


def _engine(url: str | None):
    """The migrated engine for ``url``; a URL that cannot be used is an unreadable database (exit 2)."""
    try:
        return ready_engine(url)
    except DatabaseUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - bad scheme, malformed URL, path that cannot be made
        raise DatabaseUnavailable(f"cannot open the database {_shown_url(url)}: {error}") from error


def _shown_url(url: str | None) -> str:
    """The URL as messages show it, without a password."""
    try:
        return make_url(url or load_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all
        return repr(url)


def run_import(arguments: argparse.Namespace) -> int:
    engine = _engine(arguments.db)
    status = 0
    for name in arguments.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as error:
            print(f"{name}:::: cannot read the file: {error.strerror or error}")
            status = 1
            continue
        outcome = import_file(engine, name, data, f"cli:{getpass.getuser()}", arguments.contract, arguments.dry_run)
        if outcome.plan.ok:
            print("\n".join(summary_lines(outcome.plan, arguments.dry_run)))
        else:
            print("\n".join(str(problem) for problem in outcome.plan.errors))
            print(f"{name}: rejected with {len(outcome.plan.errors)} error(s); nothing was written")
            status = 1
    return status


def run_demo(arguments: argparse.Namespace) -> int:
    from data_access.demo import load_demo

    engine = _engine(arguments.db)
    loaded = load_demo(engine)
    print(f"demo data: {loaded} workbook(s) imported" if loaded else "demo data: the database already holds data; nothing loaded")
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        if arguments.command == "import":
            return run_import(arguments)
        return run_demo(arguments)
    except DatabaseUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
