"""Match an LA cell (GSS code, DfE code or name) to a reference LA record.

spreadsheets.md, "LA": "any of the GSS code (`E08000014`), the DfE 3-digit LA
code (`343`) or the name; names match ignoring case, punctuation, `&`/`and`, a
leading `The`, and the forms `Bristol, City of` / `City of Bristol`. A name or
DfE code that belonged to different LAs over time (e.g. `North Yorkshire`,
`815`) means the LA valid on the row's own date [...]. An LA that did not
exist on that date, or an unknown LA, is an error that suggests the closest
known names."

Pure: built from ``LocalAuthority`` records (``load_reference_las`` reads them
from ``la_reference.csv``); no database.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dashboard.records import LocalAuthority
from dashboard.wording import listed

from .cells import CellError, check_excel_error, format_date, is_blank, shown

__all__ = ["LAMatcher", "load_reference_las", "name_key"]

_GSS_CODE = re.compile(r"^[EWSN]\d{8}$", re.IGNORECASE)
_DFE_CODE = re.compile(r"^(?P<code>\d{3})(?:\.0+)?$")
# "Bristol, City of" / "Herefordshire, County of" and "City of Bristol".
_PLACE_OF_SUFFIX = re.compile(r"^(?P<place>.+?),?\s+(?P<kind>city|county)\s+of$", re.IGNORECASE)
_PLACE_OF_PREFIX = re.compile(r"^(?P<kind>city|county)\s+of\s+(?P<place>.+)$", re.IGNORECASE)
_CACHE_LIMIT = 50_000
_LATEST = date.max


def name_key(text: str) -> str:
    """Name key ignoring case, punctuation, spacing, ``&``/``and``, a leading ``The``.

    ``'St. Helens'`` and ``'St Helens'`` -> ``'sthelens'``;
    ``'Telford & Wrekin'`` -> ``'telfordandwrekin'``; ``'The Wirral'`` -> ``'wirral'``.
    """
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['\u2018\u2019`.]", "", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    return "".join("st" if word == "saint" else word for word in words)


def _name_variants(name: str) -> list[str]:
    """The official name plus its `City of` forms: 'Bristol, City of' -> also 'City of Bristol'."""
    variants = [name]
    match = _PLACE_OF_SUFFIX.match(name.strip())
    if match:
        place, kind = match.group("place"), match.group("kind")
        variants += [place, f"{kind} of {place}"]
    return variants


def _place_without_city_of(text: str) -> str | None:
    """'City of York' / 'York, City of' -> 'York' (a fallback for unknown names)."""
    text = text.strip()
    match = _PLACE_OF_SUFFIX.match(text) or _PLACE_OF_PREFIX.match(text)
    return match.group("place") if match else None


def _live(la: LocalAuthority, on_date: date) -> bool:
    return la.valid_from <= on_date <= (la.valid_to or _LATEST)


def _label(la: LocalAuthority) -> str:
    return f"{la.name} ({la.code})"


class LAMatcher:
    """Finds the reference LA record a cell means on a given date.

    ``match`` is fast for repeated values: the date-independent part (which
    records a value can mean) is cached per raw cell value, so each further
    call is one dict lookup and a check of one or two date ranges.
    """

    def __init__(
        self,
        las: Iterable[LocalAuthority],
        other_names: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self._las = tuple(las)
        self._by_code = {la.code.upper(): la for la in self._las}
        self._by_dfe: dict[str, list[LocalAuthority]] = defaultdict(list)
        self._by_name: dict[str, list[LocalAuthority]] = defaultdict(list)
        self._shown_name: dict[str, str] = {}  # name key -> name shown in suggestions
        self._predecessors: dict[str, list[LocalAuthority]] = defaultdict(list)
        for la in self._las:
            self._by_dfe[la.dfe_code].append(la)
            for successor in la.successor_codes:
                self._predecessors[successor.upper()].append(la)
            for variant in _name_variants(la.name):
                self._add_name(variant, la, shown_as=la.name)
        for code, names in (other_names or {}).items():
            known = self._by_code.get(code.upper())
            if known is None:
                continue
            for name in names:
                if name.strip():
                    self._add_name(name, known, shown_as=known.name)
        self._name_keys = list(self._by_name)
        self._resolved: dict[tuple[type, Any], tuple[tuple[LocalAuthority, ...], bool] | str] = {}

    def _add_name(self, name: str, la: LocalAuthority, shown_as: str) -> None:
        key = name_key(name)
        if key and la not in self._by_name[key]:
            self._by_name[key].append(la)
            self._shown_name.setdefault(key, shown_as)

    @property
    def las(self) -> tuple[LocalAuthority, ...]:
        return self._las

    # ------------------------------------------------------------------ match

    def match(self, value: Any, on_date: date | None) -> LocalAuthority:
        """The LA record ``value`` means on ``on_date``, or raise ``CellError``.

        ``value``: a GSS code (``E08000014``, any case), a DfE code (``343``,
        ``343.0``, ``'343'``) or a name. A name or DfE code shared by several
        records over time gives the record live on ``on_date``. An explicit
        GSS code gives that record, but it must be live on ``on_date``.
        ``on_date`` None (no date known) skips the date check and takes the
        latest record.
        """
        if isinstance(on_date, datetime):
            on_date = on_date.date()
        resolved = self._resolve(value)
        if isinstance(resolved, str):
            raise CellError(resolved)
        candidates = resolved[0]  # the records it can mean (whether a GSS code was given is not needed)
        if on_date is None:
            return max(candidates, key=lambda la: la.valid_to or _LATEST)
        live = [la for la in candidates if _live(la, on_date)]
        if len(live) == 1:
            return live[0]
        if live:
            raise CellError(
                f"{shown(value)} could mean {listed([_label(la) for la in live])} "
                f"on {format_date(on_date)}: give the GSS code"
            )
        raise CellError(self._not_live_message(candidates, on_date))

    def match_throughout(self, value: Any, first: date, last: date) -> LocalAuthority | None:
        """The record ``value`` means on every date from ``first`` to ``last``, when it is the one
        record it can mean and is live on both (so on every day between): what ``match`` gives on
        each of those dates. None otherwise: ``match``, date by date, then says which record it
        means or what is wrong."""
        if isinstance(first, datetime) or isinstance(last, datetime):
            return None
        resolved = self._resolve(value)
        if isinstance(resolved, str) or len(resolved[0]) != 1:
            return None
        (la,) = resolved[0]
        return la if _live(la, first) and _live(la, last) else None

    def _resolve(self, value: Any) -> tuple[tuple[LocalAuthority, ...], bool] | str:
        """The records a cell value can mean and whether it was a GSS code, or an error message."""
        cache_key = (type(value), value.strip() if isinstance(value, str) else value)
        try:
            return self._resolved[cache_key]
        except KeyError:
            pass
        except TypeError:  # unhashable: not a cell value
            return f"expected an LA name, GSS code or DfE code, got {shown(value)}"
        try:
            resolved: tuple[tuple[LocalAuthority, ...], bool] | str = self._lookup(value)
        except CellError as error:
            resolved = str(error)
        if len(self._resolved) >= _CACHE_LIMIT:
            self._resolved.clear()
        self._resolved[cache_key] = resolved
        return resolved

    def _lookup(self, value: Any) -> tuple[tuple[LocalAuthority, ...], bool]:
        check_excel_error(value)
        if is_blank(value):
            raise CellError("expected an LA name, GSS code or DfE code, got a blank cell")
        if isinstance(value, bool):
            raise CellError(f"expected an LA name, GSS code or DfE code, got {shown(value)}")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int):
            return self._lookup_dfe(f"{value:03d}" if value >= 0 else str(value), value)
        if not isinstance(value, str):
            raise CellError(f"expected an LA name, GSS code or DfE code, got {shown(value)}")
        text = value.strip()
        if _GSS_CODE.match(text):
            la = self._by_code.get(text.upper())
            if la is None:
                raise CellError(f"unknown LA code {shown(text)}: no LA in the reference list has this GSS code")
            return (la,), True
        dfe = _DFE_CODE.match(text)
        if dfe:
            return self._lookup_dfe(dfe.group("code"), text)
        return self._lookup_name(text), False

    def _lookup_dfe(self, code: str, original: Any) -> tuple[tuple[LocalAuthority, ...], bool]:
        las = self._by_dfe.get(code)
        if not las:
            raise CellError(f"unknown DfE LA code {shown(original)}: no LA in the reference list has this code")
        return tuple(las), False

    def _lookup_name(self, text: str) -> tuple[LocalAuthority, ...]:
        las = self._by_name.get(name_key(text))
        if not las:
            place = _place_without_city_of(text)
            las = self._by_name.get(name_key(place)) if place else None
        if not las:
            raise CellError(self._unknown_name_message(text))
        return tuple(las)

    # --------------------------------------------------------------- messages

    def suggestions(self, text: str, limit: int = 3) -> list[str]:
        """Up to ``limit`` known LA names closest to ``text``.

        Names containing ``text`` come first ('Hull' -> Kingston upon Hull), then names
        ``text`` contains, longest first ('Leeds City Council' -> Leeds), then difflib's
        closest matches ('Sheffeld' -> Sheffield).
        """
        key = name_key(text)
        containing = [known for known in self._name_keys if len(key) >= 4 and key in known]
        contained = sorted(
            (known for known in self._name_keys if len(known) >= 4 and known in key and known != key),
            key=len,
            reverse=True,
        )
        keys = containing + contained + difflib.get_close_matches(key, self._name_keys, n=limit * 3, cutoff=0.6)
        names: list[str] = []
        for key in keys:
            name = self._shown_name[key]
            if name not in names:
                names.append(name)
        return names[:limit]

    def _unknown_name_message(self, text: str) -> str:
        message = f"unknown LA {shown(text)}"
        names = self.suggestions(text)
        if names:  # a name with a comma in it ("Herefordshire, County of") is quoted, to be read as one
            return f"{message}: did you mean {listed([f'{name!r}' if ',' in name else name for name in names], 'or')}?"
        return f"{message}: give its name, GSS code (e.g. E08000014) or DfE code (e.g. 343)"

    def _not_live_message(self, candidates: tuple[LocalAuthority, ...], on_date: date) -> str:
        ended = [(la.valid_to, la) for la in candidates if la.valid_to is not None and la.valid_to < on_date]
        if ended:
            valid_to, la = max(ended, key=lambda pair: pair[0])
            return f"{_label(la)} did not exist on {format_date(on_date)}: {self._after_end(la, valid_to)}"
        la = min(candidates, key=lambda la: la.valid_from)
        return f"{_label(la)} did not exist on {format_date(on_date)}: {self._before_start(la)}"

    def _after_end(self, la: LocalAuthority, valid_to: date) -> str:
        """Why ``la``, live up to ``valid_to``, is not live after it."""
        successors = [self._by_code[code.upper()] for code in la.successor_codes if code.upper() in self._by_code]
        change = format_date(valid_to + timedelta(days=1))
        if successors:
            return f"it was replaced by {listed([_label(s) for s in successors])} on {change}"
        return f"it ended on {format_date(valid_to)}"

    def _before_start(self, la: LocalAuthority) -> str:
        predecessors = self._predecessors.get(la.code.upper(), [])
        if predecessors:
            return f"it started on {format_date(la.valid_from)}, replacing {listed([_label(p) for p in predecessors])}"
        return f"the reference list has it only from {format_date(la.valid_from)}"


# ------------------------------------------------------------------- loading


def _iso_date(text: str) -> date | None:
    text = text.strip()
    return date.fromisoformat(text) if text else None


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def load_reference_las(path: str | Path) -> tuple[list[LocalAuthority], dict[str, list[str]]]:
    """Read ``la_reference.csv``: the LA records and the other names per GSS code.

    Columns used: la_code, la_name, old_la_code, region_code, valid_from,
    valid_to (empty = still live), successor_codes and other_names_in_sources
    (both ``;``-separated).
    """
    las: list[LocalAuthority] = []
    other_names: dict[str, list[str]] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            code = row["la_code"].strip()
            las.append(
                LocalAuthority(
                    code=code,
                    dfe_code=row["old_la_code"].strip(),
                    name=row["la_name"].strip(),
                    region_code=row["region_code"].strip(),
                    valid_from=date.fromisoformat(row["valid_from"].strip()),
                    valid_to=_iso_date(row["valid_to"]),
                    successor_codes=tuple(_split(row.get("successor_codes"))),
                )
            )
            names = _split(row.get("other_names_in_sources"))
            if names:
                other_names[code] = names
    return las, other_names
