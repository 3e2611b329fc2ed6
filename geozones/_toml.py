"""Reading TOML data files (schemes, regions) with errors that name the file and the key.

A :class:`Table` hands out the values a reader asks for, each checked
(``text``, ``ident``, ``number``, ``money``, ``day``...), and :meth:`Table.finish`
refuses every key nobody asked for, suggesting the close one a user misspelt.
:func:`load_toml` reads a file, numbers as :class:`~decimal.Decimal`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from difflib import get_close_matches
from pathlib import Path
from typing import TypeVar

from geozones._errors import DataError

T = TypeVar("T")
S = TypeVar("S", bound=str)

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_DURATION = re.compile(r"(\d+):([0-5]\d)")
_MONEY = "a decimal amount in pounds like 18.24 (at most two decimal places, not negative)"


def load_toml(path: str | Path, what: str) -> Table:
    """The top-level table of TOML file ``path`` (numbers as Decimal); ``what`` names it in errors.

    Raises
    ------
    DataError
        The file cannot be read or is not TOML.

    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read {what} {file}: {exc.strerror or exc}") from exc
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{file}: not valid TOML: {exc}") from exc
    return Table(file, "", raw)


def shown(value: object) -> str:
    """A TOML value as an error message shows it."""
    return str(value) if isinstance(value, Decimal) else repr(value)


class Table:
    """One TOML table being read; the keys asked for are the known ones, the rest are errors.

    Every error is a :class:`~geozones._errors.DataError` naming the file, the
    key (a dotted path such as ``bands[1].rate``) and what was expected.
    """

    def __init__(self, file: Path, key: str, raw: object) -> None:
        if not isinstance(raw, dict):
            raise DataError(f"{file}: {key or 'the file'}: expected a table, got {shown(raw)}")
        self.file = file
        self.path = key
        self.raw: dict[str, object] = raw
        self.known: list[str] = []

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, expected: str, value: object) -> DataError:
        return DataError(f"{self.file}: {self.key(name)}: expected {expected}, got {shown(value)}")

    def has(self, name: str) -> bool:
        self.known.append(name)
        return name in self.raw

    def value(self, name: str) -> object:
        if not self.has(name):
            others = [k for k in self.raw if k not in self.known]
            close = get_close_matches(name, others, n=1)
            hint = f" (found {self.key(close[0])}: is it misspelt?)" if close else ""
            raise DataError(f"{self.file}: missing key {self.key(name)}{hint}")
        return self.raw[name]

    def text(self, name: str) -> str:
        value = self.value(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "non-empty text", value)
        return value.strip()

    def ident(self, name: str) -> str:
        value = self.text(name)
        if not _ID.fullmatch(value):
            raise self.fail(name, "an id of lower-case letters, digits and '-'", value)
        return value

    def choice(self, name: str, options: tuple[S, ...]) -> S:
        value = self.value(name)
        for option in options:
            if value == option:
                return option
        raise self.fail(name, "one of " + ", ".join(options), value)

    def flag(self, name: str) -> bool:
        value = self.value(name)
        if not isinstance(value, bool):
            raise self.fail(name, "true or false", value)
        return value

    def day(self, name: str) -> date:
        value = self.value(name)
        if not isinstance(value, date):
            raise self.fail(name, "a TOML date like 2019-04-08 (no quotes)", value)
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.value(name)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, "a list of non-empty texts", value)
        if not value:
            raise self.fail(name, "at least one text", value)
        return tuple(v.strip() for v in value)

    def number(self, name: str, expected: str, check: Callable[[Decimal], bool]) -> Decimal:
        value = self.value(name)
        number = decimal(value)
        if number is None or not check(number):
            raise self.fail(name, expected, value)
        return number

    def money(self, name: str) -> Decimal:
        return self.number(name, _MONEY, _is_money)

    def seconds(self, name: str) -> int:
        value = self.value(name)
        match = _DURATION.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(name, "a duration as text 'mm:ss' like \"20:59\"", value)
        return int(match[1]) * 60 + int(match[2])

    def table(self, name: str) -> Table:
        return Table(self.file, self.key(name), self.value(name))

    def tables(self, name: str) -> list[Table]:
        value = self.value(name)
        if not isinstance(value, list) or not value:
            raise self.fail(name, f"one or more [[{self.key(name)}]] tables", value)
        return [Table(self.file, f"{self.key(name)}[{i}]", v) for i, v in enumerate(value)]

    def finish(self) -> None:
        unknown = sorted(set(self.raw) - set(self.known))
        if unknown:
            allowed = ", ".join(dict.fromkeys(self.known))
            raise DataError(
                f"{self.file}: unknown key {self.key(unknown[0])}; "
                f"expected only these keys here: {allowed}"
            )


def decimal(value: object) -> Decimal | None:
    """Read a TOML number or numeric text as Decimal; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _is_money(amount: Decimal) -> bool:
    exponent = amount.as_tuple().exponent
    return amount >= 0 and isinstance(exponent, int) and exponent >= -2


def positive(number: Decimal) -> bool:
    """More than 0."""
    return number > 0


def not_negative(number: Decimal) -> bool:
    """0 or more."""
    return number >= 0


def read_each(tables: list[Table], read: Callable[[Table], T]) -> tuple[T, ...]:
    """Each of ``tables`` read with ``read``; unknown keys of each are errors."""
    out = []
    for table in tables:
        out.append(read(table))
        table.finish()
    return tuple(out)


def sub(t: Table, name: str, read: Callable[[Table], T]) -> T:
    """Read sub-table ``name`` of ``t`` with ``read``; its unknown keys are errors."""
    table = t.table(name)
    out = read(table)
    table.finish()
    return out


def optional(t: Table, name: str, read: Callable[[Table], T]) -> T | None:
    """:func:`sub` when ``t`` has ``name``, else None."""
    return sub(t, name, read) if t.has(name) else None


def each(t: Table, name: str, read: Callable[[Table], T]) -> tuple[T, ...]:
    """Each ``[[name]]`` table of ``t`` read with ``read`` (none when absent)."""
    return read_each(t.tables(name), read) if t.has(name) else ()
