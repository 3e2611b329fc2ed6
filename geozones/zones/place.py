"""Which built region, and so which scheme, each query falls in: the scheme follows the place.

A lookup without a scheme answers under the scheme in force where its point
lies: the ``default_scheme`` of the built region whose boundary holds it
(:func:`scheme_at` for one query, :func:`place_queries` for many). An upload
without a scheme is offered the scheme of the region where most of its rows
lie (:func:`propose_scheme`).

Queries are geocoded GB-wide (postcodes, coordinates, grid references; a
place name needs a region, so it is not found here).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely

from geozones._errors import InputError
from geozones._settings import build_dir
from geozones._vocab import Status
from geozones.geocode.geocoder import Geocoder
from geozones.regions.data import GPKG_FILE, load_region
from geozones.regions.specs import REGIONS
from geozones.schemes.scheme import Scheme, get_scheme

Objects = npt.NDArray[np.object_]

#: What a query placed in no scheme tells the command line to do instead.
CLI_SCHEME_HINT = "name a scheme with --scheme"


@dataclass(frozen=True)
class Placed:
    """Where n queries fall.

    Attributes
    ----------
    region : ndarray of object
        Name of the built region whose boundary holds each query's point; None
        when it was not located or lies in none.
    scheme : ndarray of object
        That region's default scheme id; None without one.
    status : ndarray of object
        :class:`~geozones._vocab.Status`: ``ok`` with a scheme, ``outside_region``
        when located in no built region, else ``error``.
    message : ndarray of object
        Why a query has no scheme (None where it has one), ending with the hint.
    built : list of str
        The regions looked in.

    """

    region: Objects
    scheme: Objects
    status: Objects
    message: Objects
    built: list[str]


def place_queries(
    queries: Sequence[str],
    build: Path | None = None,
    regions: Iterable[str] | None = None,
    hint: str = CLI_SCHEME_HINT,
) -> Placed:
    """The built region and default scheme each query falls in.

    Parameters
    ----------
    queries : sequence of str
        What people typed.
    build : Path, optional
        Build folder (default ``data/build`` or ``$GEOZONES_BUILD``).
    regions : iterable of str, optional
        Region names to look in (default every declared region); only those
        built in ``build`` count, in that order.
    hint : str
        What a message tells the person to do instead, e.g. ``"give scheme="``.

    """
    folder = build_dir(build)
    names = REGIONS if regions is None else regions
    built = [name for name in names if (folder / name / GPKG_FILE).exists()]
    found = Geocoder.for_region(None, build).geocode_many(list(queries))
    east = found["easting"].to_numpy(dtype=float)
    north = found["northing"].to_numpy(dtype=float)
    located = np.isfinite(east) & np.isfinite(north)
    region = np.full(len(found), None, dtype=object)
    for name in built:
        todo = np.flatnonzero(located & (region == None))  # noqa: E711 - elementwise
        if not len(todo):
            break
        outline = load_region(name, build).boundary.geometry.union_all()
        region[todo[shapely.intersects_xy(outline, east[todo], north[todo])]] = name
    defaults = {name: REGIONS[name].default_scheme for name in built}
    scheme = np.array([defaults.get(r) if r is not None else None for r in region], dtype=object)
    matched = found["matched"].to_numpy(dtype=object)
    reason = found["message"].to_numpy(dtype=object)
    where = ", ".join(built) or "none"
    message = np.full(len(found), None, dtype=object)
    status = np.where(scheme == None, Status.ERROR, Status.OK).astype(object)  # noqa: E711
    status[located & (region == None)] = Status.OUTSIDE_REGION  # noqa: E711
    for i in np.flatnonzero(scheme == None).tolist():  # noqa: E711 - the rows without a scheme
        if not located[i]:
            message[i] = f"{queries[i]!r}: {reason[i]}; {hint}"
        elif region[i] is None:
            message[i] = f"{matched[i]} lies in none of the regions built ({where}); {hint}"
        else:
            title = REGIONS[region[i]].title
            message[i] = f"{matched[i]} lies in {title}, which has no default scheme; {hint}"
    return Placed(region, scheme, status, message, built)


def scheme_at(
    query: str,
    build: Path | None = None,
    regions: Iterable[str] | None = None,
    hint: str = CLI_SCHEME_HINT,
) -> Scheme:
    """The scheme in force where ``query`` lies: its region's ``default_scheme``.

    Parameters are those of :func:`place_queries`, for one query.

    Raises
    ------
    InputError
        The query is not located, the point is in no built region, or its
        region declares no default scheme; the message names the place, the
        regions built and ``hint``.

    """
    placed = place_queries([query], build, regions, hint)
    if placed.scheme[0] is None:
        raise InputError(str(placed.message[0]))
    return get_scheme(str(placed.scheme[0]))


@dataclass(frozen=True)
class Proposal:
    """The scheme proposed for a list of queries, and the count behind it.

    ``scheme`` is None when no row lies in a built region with a default
    scheme; ``counts`` is (region, rows) for every region holding a row, most
    first; ``message`` says it in words ("412 of 500 rows lie in Norfolk:
    Norfolk County Council 2019/20 (norfolk-2019)").
    """

    scheme: str | None
    region: str | None
    rows: int
    counts: tuple[tuple[str, int], ...]
    message: str


def propose_scheme(
    queries: Sequence[str], build: Path | None = None, regions: Iterable[str] | None = None
) -> Proposal:
    """The default scheme of the region where most queries lie (ties: the region first built)."""
    placed = place_queries(queries, build, regions)
    n = len(queries)
    counts = [(name, int((placed.region == name).sum())) for name in placed.built]
    counts = sorted([c for c in counts if c[1]], key=lambda c: -c[1])
    with_scheme = [(name, k) for name, k in counts if REGIONS[name].default_scheme is not None]
    if not with_scheme:
        where = ", ".join(placed.built) or "none"
        return Proposal(
            None, None, n, tuple(counts),
            f"none of the {n:,} rows lies in a built region with a default scheme ({where}); "
            "choose the scheme",
        )  # fmt: skip
    name, k = with_scheme[0]
    scheme = get_scheme(str(REGIONS[name].default_scheme))
    message = f"{k:,} of {n:,} rows lie in {REGIONS[name].title}: {scheme.title} ({scheme.id})"
    return Proposal(scheme.id, name, n, tuple(counts), message)
