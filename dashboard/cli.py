"""``python -m dashboard``: the dashboard's figures without a browser.

    python -m dashboard kpis --json [--as-of YYYY-MM-DD] [--contract REF] [--db URL]
    python -m dashboard board-pack [--as-of YYYY-MM-DD] --out FILE.xlsx|FILE.pdf [--db URL]

Exit codes: 0 done; 2 bad command line (an unknown ``--contract`` too) or unreadable database.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import NoReturn

from dashboard import calendar
from data_access.db import DatabaseUnavailable


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _as_of(text: str) -> date:
    try:
        found = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got '{text}'") from None
    if not calendar.within_range(found):
        raise argparse.ArgumentTypeError(f"expected a date {calendar.range_text()}, got '{text}'")
    return found


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m dashboard", description="Improvement Oversight figures from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    kpis = commands.add_parser("kpis", help="KPIs, coverage and finance as of a date")
    kpis.add_argument("--json", action="store_true", required=True, help="print one JSON object")
    kpis.add_argument("--as-of", type=_as_of, default=None, help="date of the figures (default: today)")
    kpis.add_argument("--contract", help="only this contract")
    kpis.add_argument("--db", help="SQLAlchemy database URL")
    pack = commands.add_parser("board-pack", help="the Board pack workbook as at a date")
    pack.add_argument("--as-of", type=_as_of, default=None, help="date of the figures (default: today)")
    pack.add_argument("--out", required=True, help="the file to write: .xlsx (Excel) or .pdf")
    pack.add_argument("--db", help="SQLAlchemy database URL")
    return parser


def run_kpis(arguments: argparse.Namespace) -> int:
    from data_access.db import ready_engine
    from data_access.queries import UnknownContract, summary

    engine = ready_engine(arguments.db)
    try:
        result = summary(engine, arguments.as_of or date.today(), arguments.contract)
    except UnknownContract as error:  # a bad command line: exit 2, as a mistyped option does
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
    return 0


def run_board_pack(arguments: argparse.Namespace) -> int:
    from dashboard.board_pack import write_board_pack_from_database

    try:
        write_board_pack_from_database(arguments.db, arguments.as_of or date.today(), arguments.out)
    except OSError as error:  # e.g. a folder that does not exist, or --out naming a folder
        print(f"error: cannot write {arguments.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"wrote {arguments.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        if arguments.command == "kpis":
            return run_kpis(arguments)
        return run_board_pack(arguments)
    except DatabaseUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
