"""Zone rules: how a scheme's named zones are built from a region's units.

Each ``rules/<scheme id>.toml`` beside this module holds one table per zone
layer of that scheme (e.g. ``[lot-areas]`` for ``hertfordshire-2022``), read
into a :class:`ZoneRules`. Reading validates the file; a malformed one raises
:class:`~geozones._errors.DataError` naming the file and the key.

Schema of one table
-------------------
``kind``: ``districts`` or ``lots`` (which ``geozones zones build`` command
uses it); ``units``: ``units`` (LSOAs) or ``wards``.

``[<layer>.districts]``: LAD 2013 code = zone name; every unit starts in its
district's zone. Every district of the region must be listed.

``[<layer>.rural]`` (optional): ``max_density_per_km2`` (residents per km2)
and ``[[<layer>.rural.lots]]`` of ``name`` and ``districts`` (LAD codes): the
units of those districts with a lower density move to that lot.

``[[<layer>.halves]]`` (optional): ``zone`` and ``names`` (two names): the
zone splits into two contiguous halves balanced on population, the northern
half taking the first name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from geozones._errors import DataError, NotFoundError
from geozones._vocab import RuleKind
from geozones.zones.units import UNIT_LAYERS

__all__ = [
    "RULES_DIR",
    "RULE_KINDS",
    "HalvesRule",
    "RuralLot",
    "RuralRule",
    "ZoneRules",
    "rules_for",
]

#: Folder of the shipped rule files.
RULES_DIR = Path(__file__).resolve().parent / "rules"
#: Values of ``kind``.
RULE_KINDS: tuple[RuleKind, ...] = tuple(RuleKind)


@dataclass(frozen=True)
class RuralLot:
    """A lot made of the low-density units of some districts."""

    name: str
    districts: tuple[str, ...]


@dataclass(frozen=True)
class RuralRule:
    """Units under ``max_density_per_km2`` residents per km2 move to their district's rural lot."""

    max_density_per_km2: float
    lots: tuple[RuralLot, ...]


@dataclass(frozen=True)
class HalvesRule:
    """Zone ``zone`` splits into two population-balanced contiguous halves, north first."""

    zone: str
    names: tuple[str, str]


@dataclass(frozen=True)
class ZoneRules:
    """How one zone layer of a scheme is built.

    Attributes
    ----------
    scheme, layer : str
        Scheme id and the zone layer id (table name).
    kind : RuleKind
        ``districts`` or ``lots``.
    units : str
        Unit layer: ``units`` or ``wards``.
    districts : dict of str to str
        LAD 2013 code to zone name.
    rural : RuralRule or None
    halves : tuple of HalvesRule
    path : Path
        The rule file.

    """

    scheme: str
    layer: str
    kind: RuleKind
    units: str
    districts: dict[str, str]
    rural: RuralRule | None
    halves: tuple[HalvesRule, ...]
    path: Path

    @property
    def source(self) -> str:
        """Where the rules come from, for a plan's ``method`` (``<file> [<layer>]``)."""
        return f"geozones/zones/rules/{self.path.name} [{self.layer}]"


def _fail(path: Path, key: str, expected: str, value: object) -> DataError:
    return DataError(f"{path}: {key}: expected {expected}, got {value!r}")


def _text(path: Path, table: dict[str, object], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"{where}.{key}", "non-empty text", value)
    return value.strip()


def _texts(
    path: Path, table: dict[str, object], key: str, where: str, count: int | None = None
) -> tuple[str, ...]:
    value = table.get(key)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v for v in value)
        or (count is not None and len(value) != count)
    ):
        size = f"{count} " if count is not None else ""
        raise _fail(path, f"{where}.{key}", f"a list of {size}non-empty texts", value)
    return tuple(value)


def _check_keys(path: Path, table: dict[str, object], where: str, allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise DataError(
            f"{path}: unknown key {where}.{unknown[0]}; expected only: {', '.join(sorted(allowed))}"
        )


def _read_halves(path: Path, table: dict[str, object], where: str) -> HalvesRule:
    zone = _text(path, table, "zone", where)
    first, second = _texts(path, table, "names", where, count=2)
    return HalvesRule(zone, (first, second))


def _read_layer(path: Path, scheme: str, layer: str, table: object) -> ZoneRules:
    if not isinstance(table, dict):
        raise _fail(path, layer, "a table", table)
    _check_keys(path, table, layer, {"kind", "units", "districts", "rural", "halves"})
    kind = _text(path, table, "kind", layer)
    if kind not in RULE_KINDS:
        raise _fail(path, f"{layer}.kind", f"one of {', '.join(RULE_KINDS)}", kind)
    units = _text(path, table, "units", layer)
    if units not in UNIT_LAYERS:
        raise _fail(path, f"{layer}.units", f"one of {', '.join(UNIT_LAYERS)}", units)
    districts = table.get("districts")
    if not isinstance(districts, dict) or not districts:
        raise _fail(path, f"{layer}.districts", "a table of LAD code = zone name", districts)
    for code in districts:
        _text(path, districts, code, f"{layer}.districts")
    rural = None
    if "rural" in table:
        raw = table["rural"]
        where = f"{layer}.rural"
        if not isinstance(raw, dict):
            raise _fail(path, where, "a table", raw)
        _check_keys(path, raw, where, {"max_density_per_km2", "lots"})
        density = raw.get("max_density_per_km2")
        if isinstance(density, bool) or not isinstance(density, int | float) or density <= 0:
            raise _fail(path, f"{where}.max_density_per_km2", "a number above 0", density)
        lots = raw.get("lots")
        if not isinstance(lots, list) or not lots:
            raise _fail(path, f"{where}.lots", "one or more [[lots]] tables", lots)
        rural = RuralRule(
            float(density),
            tuple(
                RuralLot(
                    _text(path, lot, "name", f"{where}.lots[{i}]"),
                    _texts(path, lot, "districts", f"{where}.lots[{i}]"),
                )
                for i, lot in enumerate(lots)
            ),
        )
    halves = table.get("halves", [])
    if not isinstance(halves, list):
        raise _fail(path, f"{layer}.halves", "[[halves]] tables", halves)
    return ZoneRules(
        scheme=scheme,
        layer=layer,
        kind=RuleKind(kind),
        units=units,
        districts={str(k): str(v).strip() for k, v in districts.items()},
        rural=rural,
        halves=tuple(_read_halves(path, h, f"{layer}.halves[{i}]") for i, h in enumerate(halves)),
        path=path,
    )


def read_rules(path: Path) -> tuple[ZoneRules, ...]:
    """Read and validate one rule file (named ``<scheme id>.toml``).

    Raises
    ------
    DataError
        The file cannot be read or breaks the schema (module docstring).

    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"cannot read zone rules {path}: {exc}") from exc
    return tuple(_read_layer(path, path.stem, layer, table) for layer, table in raw.items())


def scheme_rules(scheme_id: str) -> tuple[ZoneRules, ...]:
    """Every rule table of a scheme (none when it has no rule file)."""
    path = RULES_DIR / f"{scheme_id}.toml"
    return read_rules(path) if path.exists() else ()


def rules_for(scheme_id: str, kind: str) -> ZoneRules:
    """Return the rules of ``kind`` (``districts`` or ``lots``) for a scheme.

    Raises
    ------
    NotFoundError
        No rule file for the scheme or no table of that kind in it; the
        message lists what there is.

    """
    for rules in scheme_rules(scheme_id):
        if rules.kind == kind:
            return rules
    having = sorted(
        f"{r.scheme} ({r.kind})" for p in RULES_DIR.glob("*.toml") for r in read_rules(p)
    )
    raise NotFoundError(
        f"no zone rules of kind {str(kind)!r} for scheme {scheme_id}; rules exist for: "
        f"{', '.join(having) or 'none'}"
    )
