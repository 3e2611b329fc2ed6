"""Zone rules: how a scheme's named zones are built from a region's units.

Each ``rules/<scheme id>.toml`` beside this module holds one table per zone
layer of that scheme (e.g. ``[lot-areas]`` for ``hertfordshire-2022``), read
into a :class:`ZoneRules`. Reading validates the file; a malformed one raises
:class:`~geozones._errors.DataError` naming the file and the key.

Schema of one table
-------------------
``kind``: ``districts``, ``lots`` or ``pcn`` (which ``geozones zones build``
command uses it); ``units``: ``units`` (LSOAs) or ``wards``.

``[<layer>.districts]``: LAD 2013 code = zone name; every unit starts in its
district's zone. Every district of the region must be listed. Instead of a
table, ``districts`` may be the name of another table of the same file whose
districts table it shares (``districts = "core-areas"``).

``[<layer>.rural]`` (optional): ``max_density_per_km2`` (residents per km2)
and ``[[<layer>.rural.lots]]`` of ``name`` and ``districts`` (LAD codes): the
units of those districts with a lower density move to that lot.

``[<layer>.hard-to-cover]`` (optional, LSOA units only): ``rural`` (the
rural-urban flag of the region's units: ``rural11``, RUC 2011 classes D and E,
or ``rural21``), ``min_age65`` and ``max_age65`` (residents aged 65+) and
``name`` (text with ``{district}`` and/or ``{zone}``): each contiguous group
of rural units within one zone is halved, balanced on 65+ residents, until no
piece has more than ``max_age65``; each piece with at least ``min_age65``
becomes a zone of its own, named after its zone and the district holding most
of its 65+ residents (pieces sharing a name are numbered 1, 2... north to
south); smaller pieces stay in their zone.

``[[<layer>.halves]]`` (optional): ``zone`` and ``names`` (two names): the
zone splits into two contiguous halves balanced on population, the northern
half taking the first name.

A ``pcn`` table has, instead of the keys above but ``kind`` and ``units``
(``units`` only): ``practices`` (``icb``: the practices of the region's ICB,
wherever they are; ``in-region``: the practices inside the region) and
``name`` (text with ``{pcn}``, the PCN's name without the word "PCN"): each
LSOA goes to the PCN of its nearest such practice
(:func:`geozones.zones.builders.pcn_plan`), and the zone is named from it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from geozones._errors import DataError, NotFoundError
from geozones._vocab import RuleKind
from geozones.zones.units import UNIT_LAYERS

__all__ = [
    "PCN_PRACTICES",
    "RULES_DIR",
    "RULE_KINDS",
    "RURAL_FLAGS",
    "HalvesRule",
    "HardToCoverRule",
    "PcnRule",
    "RuralLot",
    "RuralRule",
    "ZoneRules",
    "rules_for",
]

#: Folder of the shipped rule files.
RULES_DIR = Path(__file__).resolve().parent / "rules"
#: Values of ``kind``.
RULE_KINDS: tuple[RuleKind, ...] = tuple(RuleKind)
#: Rural-urban flags of a region's units a hard-to-cover rule may use (RUC 2011, RUC 2021).
RURAL_FLAGS: tuple[str, ...] = ("rural11", "rural21")
#: Values of a pcn table's ``practices``.
PCN_PRACTICES: tuple[str, ...] = ("icb", "in-region")

_ZONE_KEYS = {"kind", "units", "districts", "rural", "hard-to-cover", "halves"}
_LAYER_KEYS = {
    RuleKind.DISTRICTS: _ZONE_KEYS,
    RuleKind.LOTS: _ZONE_KEYS,
    RuleKind.PCN: {"kind", "units", "practices", "name"},
}
_FIELD = re.compile(r"\{(\w*)\}")


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
class HardToCoverRule:
    """Contiguous rural groups of units split out of their zones (see the module docstring).

    Attributes
    ----------
    rural : str
        The boolean rural-urban column of the region's units (:data:`RURAL_FLAGS`).
    min_age65, max_age65 : float
        Residents aged 65+ a hard-to-cover area has at least, and at most
        unless it is a single unit.
    name : str
        Name template with ``{district}`` and/or ``{zone}``.

    """

    rural: str
    min_age65: float
    max_age65: float
    name: str


@dataclass(frozen=True)
class PcnRule:
    """Zones from PCN areas: which practices make them and how each zone is named."""

    practices: str
    name: str


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
        ``districts``, ``lots`` or ``pcn``.
    units : str
        Unit layer: ``units`` or ``wards``.
    districts : dict of str to str
        LAD 2013 code to zone name (empty for ``pcn``).
    rural : RuralRule or None
    halves : tuple of HalvesRule
    path : Path
        The rule file.
    hard_to_cover : HardToCoverRule or None
    pcn : PcnRule or None
        The ``pcn`` table's rule (kind ``pcn`` only).

    """

    scheme: str
    layer: str
    kind: RuleKind
    units: str
    districts: dict[str, str]
    rural: RuralRule | None
    halves: tuple[HalvesRule, ...]
    path: Path
    hard_to_cover: HardToCoverRule | None = None
    pcn: PcnRule | None = None

    @property
    def source(self) -> str:
        """Where the rules come from, for a plan's ``method`` (``<file> [<layer>]``)."""
        return f"geozones/zones/rules/{self.path.name} [{self.layer}]"


def _fail(path: Path, key: str, expected: str, value: object) -> DataError:
    return DataError(f"{path}: {key}: expected {expected}, got {value!r}")


def _table(path: Path, value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _fail(path, where, "a table", value)
    return value


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


def _positive(path: Path, table: dict[str, object], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _fail(path, f"{where}.{key}", "a number above 0", value)
    return float(value)


def _choice(
    path: Path, table: dict[str, object], key: str, where: str, options: tuple[str, ...]
) -> str:
    value = _text(path, table, key, where)
    if value not in options:
        raise _fail(path, f"{where}.{key}", f"one of {', '.join(options)}", value)
    return value


def _template(
    path: Path, table: dict[str, object], key: str, where: str, fields: tuple[str, ...]
) -> str:
    """A name template using only ``fields`` (``{district}``...), at least one of them."""
    value = _text(path, table, key, where)
    used = _FIELD.findall(value)
    wanted = " and/or ".join(f"{{{f}}}" for f in fields)
    braces = (value.count("{"), value.count("}"))
    if not used or set(used) - set(fields) or braces != (len(used), len(used)):
        raise _fail(path, f"{where}.{key}", f"a name with {wanted} and no other braces", value)
    return value


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


def _read_districts(
    path: Path, raw: dict[str, object], table: dict[str, object], layer: str
) -> dict[str, str]:
    """The layer's districts table, or that of the table its ``districts`` names."""
    districts = table.get("districts")
    where = f"{layer}.districts"
    if isinstance(districts, str):
        other = raw.get(districts)
        shared = other.get("districts") if isinstance(other, dict) else None
        if districts == layer or not isinstance(shared, dict):
            tables = ", ".join(k for k, v in raw.items() if k != layer and isinstance(v, dict))
            raise _fail(path, where, f"a table, or the name of another table ({tables})", districts)
        districts = shared
    if not isinstance(districts, dict) or not districts:
        raise _fail(path, where, "a table of LAD code = zone name", districts)
    for code in districts:
        _text(path, districts, code, where)
    return {str(k): str(v).strip() for k, v in districts.items()}


def _read_rural(path: Path, raw: object, where: str) -> RuralRule:
    table = _table(path, raw, where)
    _check_keys(path, table, where, {"max_density_per_km2", "lots"})
    density = _positive(path, table, "max_density_per_km2", where)
    lots = table.get("lots")
    if not isinstance(lots, list) or not lots:
        raise _fail(path, f"{where}.lots", "one or more [[lots]] tables", lots)
    return RuralRule(
        density,
        tuple(
            RuralLot(
                _text(path, lot, "name", f"{where}.lots[{i}]"),
                _texts(path, lot, "districts", f"{where}.lots[{i}]"),
            )
            for i, lot in enumerate(lots)
        ),
    )


def _read_hard_to_cover(path: Path, raw: object, where: str) -> HardToCoverRule:
    table = _table(path, raw, where)
    _check_keys(path, table, where, {"rural", "min_age65", "max_age65", "name"})
    low = _positive(path, table, "min_age65", where)
    high = _positive(path, table, "max_age65", where)
    if high <= low:
        raise _fail(path, f"{where}.max_age65", f"a number above min_age65 ({low:g})", high)
    return HardToCoverRule(
        rural=_choice(path, table, "rural", where, RURAL_FLAGS),
        min_age65=low,
        max_age65=high,
        name=_template(path, table, "name", where, ("district", "zone")),
    )


def _read_pcn(path: Path, table: dict[str, object], layer: str) -> PcnRule:
    return PcnRule(
        practices=_choice(path, table, "practices", layer, PCN_PRACTICES),
        name=_template(path, table, "name", layer, ("pcn",)),
    )


def _read_layer(
    path: Path, scheme: str, raw: dict[str, object], layer: str, table: object
) -> ZoneRules:
    table = _table(path, table, layer)
    kind = _text(path, table, "kind", layer)
    if kind not in RULE_KINDS:
        raise _fail(path, f"{layer}.kind", f"one of {', '.join(RULE_KINDS)}", kind)
    _check_keys(path, table, layer, _LAYER_KEYS[RuleKind(kind)])
    units = _text(path, table, "units", layer)
    if units not in UNIT_LAYERS:
        raise _fail(path, f"{layer}.units", f"one of {', '.join(UNIT_LAYERS)}", units)
    needs_lsoas = kind == RuleKind.PCN or "hard-to-cover" in table
    if needs_lsoas and units != "units":
        raise _fail(path, f"{layer}.units", "units (LSOAs carry the data this table uses)", units)
    if kind == RuleKind.PCN:
        pcn = _read_pcn(path, table, layer)
        return ZoneRules(scheme, layer, RuleKind.PCN, units, {}, None, (), path, pcn=pcn)
    halves = table.get("halves", [])
    if not isinstance(halves, list):
        raise _fail(path, f"{layer}.halves", "[[halves]] tables", halves)
    return ZoneRules(
        scheme=scheme,
        layer=layer,
        kind=RuleKind(kind),
        units=units,
        districts=_read_districts(path, raw, table, layer),
        rural=_read_rural(path, table["rural"], f"{layer}.rural") if "rural" in table else None,
        halves=tuple(_read_halves(path, h, f"{layer}.halves[{i}]") for i, h in enumerate(halves)),
        path=path,
        hard_to_cover=(
            _read_hard_to_cover(path, table["hard-to-cover"], f"{layer}.hard-to-cover")
            if "hard-to-cover" in table
            else None
        ),
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
    return tuple(_read_layer(path, path.stem, raw, layer, table) for layer, table in raw.items())


def scheme_rules(scheme_id: str) -> tuple[ZoneRules, ...]:
    """Every rule table of a scheme (none when it has no rule file)."""
    path = RULES_DIR / f"{scheme_id}.toml"
    return read_rules(path) if path.exists() else ()


def rules_for(scheme_id: str, kind: str) -> ZoneRules:
    """Return the rules of ``kind`` (``districts``, ``lots`` or ``pcn``) for a scheme.

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
