"""Command-line values of lots' targets and groups, and the councils' reference tables.

* ``--target "Zone A=1682"``: a lot's name and its target hours a week.
* ``--targets-from herefordshire-2017:o-zones``: a scheme's zone layer whose
  published table (``[[zone_layers.reference]]``) gives each zone's weekly
  hours as its target, and its figures to show beside the plan's.
* ``--group "Complex A & B=Zone A,Zone B"``: a union's name and the zones it
  joins, separated by commas (or by semicolons when a name holds a comma:
  ``"D lots=Complex A & B;Complex C, D, E"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geozones._errors import InputError

if TYPE_CHECKING:
    from geozones.schemes.scheme import ZoneLayer

__all__ = ["parse_groups", "parse_targets", "reference_layer"]


def _pair(value: str, option: str, example: str) -> tuple[str, str]:
    """``NAME=VALUE`` split at its first ``=``, both sides stripped and non-empty."""
    name, equals, rest = value.partition("=")
    if not equals or not name.strip() or not rest.strip():
        raise InputError(f"{option} takes NAME=VALUE, e.g. {example}; got {value!r}")
    return name.strip(), rest.strip()


def parse_targets(values: tuple[str, ...]) -> dict[str, float]:
    """``--target`` values as lot name -> hours a week, in order.

    Raises
    ------
    InputError
        A value that is not ``NAME=HOURS`` with hours a number above 0, or a lot given twice.

    """
    targets: dict[str, float] = {}
    for value in values:
        name, hours = _pair(value, "--target", '"Zone A=1682"')
        try:
            number = float(hours)
        except ValueError:
            number = float("nan")
        if not number > 0 or number == float("inf"):
            raise InputError(f"--target {value!r}: the hours a week must be a number above 0")
        if name in targets:
            raise InputError(f"--target names lot {name!r} twice; give each lot one target")
        targets[name] = number
    return targets


def parse_groups(values: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """``--group`` values as union name -> the zones it joins, in order.

    Raises
    ------
    InputError
        A value that is not ``NAME=ZONE,ZONE...``, an empty zone name, or a union given twice.

    """
    groups: dict[str, tuple[str, ...]] = {}
    for value in values:
        name, rest = _pair(value, "--group", '"Complex A & B=Zone A,Zone B"')
        members = tuple(z.strip() for z in rest.split(";" if ";" in rest else ","))
        if not all(members):
            raise InputError(f"--group {value!r} has an empty zone name between separators")
        if name in groups:
            raise InputError(f"--group names {name!r} twice; give each union once")
        groups[name] = members
    return groups


def reference_layer(value: str, region: str | None = None) -> ZoneLayer:
    """The zone layer ``SCHEME:LAYER`` (e.g. ``herefordshire-2017:o-zones``), with its table.

    Raises
    ------
    InputError
        Not ``SCHEME:LAYER``, a scheme of another region than ``region``, or
        a layer without a published table (the message lists those with one).
    NotFoundError
        An unknown scheme or layer.

    """
    from geozones.schemes.scheme import get_scheme, list_schemes

    scheme_id, colon, layer_id = value.partition(":")
    if not colon or not scheme_id.strip() or not layer_id.strip():
        raise InputError(f"give SCHEME:LAYER, e.g. herefordshire-2017:o-zones; got {value!r}")
    scheme = get_scheme(scheme_id.strip())
    if region is not None and scheme.region != region:
        raise InputError(f"scheme {scheme.id} is a scheme of {scheme.region}, not of {region}")
    layer = scheme.zone_layer(layer_id.strip())
    if not layer.reference:
        having = [f"{s.id}:{z.id}" for s in list_schemes() for z in s.zone_layers if z.reference]
        raise InputError(
            f"zone layer {value} has no published per-zone table; layers with one: "
            + (", ".join(having) or "none")
        )
    return layer
