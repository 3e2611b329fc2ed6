"""Street names of a region's roads, indexed for street geocoding and for suggestions.

:class:`StreetIndex` is built once per region build (the geocoder keeps it) from
the named road centre lines of :attr:`~geozones.regions.data.RegionData.roads`
(EPSG:27700 metres) and the places streets belong to. Names are matched by a
folded key (:func:`~geozones.geocode.geocoder.place_key`: case, accents,
punctuation, spaces and Saint or St do not count; "Market Pl" is not "Market
Place"), held as sorted ASCII bytes, so that one name, or every name starting
with some text, is found by :func:`numpy.searchsorted` (:func:`prefix_range`).

* Streets: each key once, the ways of that name one run of lines, so
  :meth:`StreetIndex.nearest` measures only that name's ways, all at once.
* Entries: one per street and place it lies in, the place being the nearest
  of the towns given (the geocoder gives its cities, towns and villages) to
  the midpoint of one of the street's ways, within that town's reach. Entries
  are keyed by the folded street name then the folded place name, so the
  prefix ``"marketplaceayl"`` (typed "Market Place, Ayl" or "market place
  ayl") finds Market Place in Aylsham (:meth:`StreetIndex.complete`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geozones.regions.postcodes import sorted_lookup

__all__ = ["StreetIndex", "Towns", "prefix_range"]

Bytes = npt.NDArray[np.bytes_]
Ints = npt.NDArray[np.int64]
Objects = npt.NDArray[np.object_]

#: Sorts after every byte of a folded key (ASCII): ``prefix + _AFTER`` ends a prefix's run.
_AFTER = b"\xff"


def prefix_range(keys: Bytes, prefix: bytes) -> slice:
    """The run of the sorted ``keys`` that start with ``prefix`` (empty when none does)."""
    return slice(int(np.searchsorted(keys, prefix)), int(np.searchsorted(keys, prefix + _AFTER)))


@dataclass(frozen=True)
class Towns:
    """The places streets can belong to, one row each.

    Attributes
    ----------
    row : ndarray of int64, shape (m,)
        Each town's row in the caller's table of places.
    key : ndarray of bytes, shape (m,)
        Folded names (:func:`~geozones.geocode.geocoder.place_key`).
    xy : ndarray of float64, shape (m, 2)
        Points, EPSG:27700 metres.
    reach_m : ndarray of float64, shape (m,)
        How far from its point a town's streets reach (metres).
    listed : ndarray of bool, shape (m,)
        Towns whose streets get entries (the region's own); the others only
        keep their streets from the listed ones (a town across the border).

    """

    row: Ints
    key: Bytes
    xy: npt.NDArray[np.float64]
    reach_m: npt.NDArray[np.float64]
    listed: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class StreetIndex:
    """A region's named roads by folded name, and the streets of each town.

    Attributes
    ----------
    keys : ndarray of bytes, shape (s,)
        Each street key once, sorted.
    names : ndarray of object, shape (s,)
        The name each street is shown by: the most common spelling among its ways.
    start : ndarray of int64, shape (s + 1,)
        Street ``i``'s ways are ``lines[start[i]:start[i + 1]]``.
    lines : ndarray of object
        The named ways (shapely LineStrings, EPSG:27700 metres), street by street.
    entry_keys : ndarray of bytes, shape (k,)
        The folded street name then the folded town name of each street of a
        listed town, sorted.
    entry_street, entry_town : ndarray of int64, shape (k,)
        Each entry's street (row of ``keys``) and town (:attr:`Towns.row`).

    """

    keys: Bytes
    names: Objects
    start: Ints
    lines: Objects
    entry_keys: Bytes
    entry_street: Ints
    entry_town: Ints

    @classmethod
    def build(cls, keys: Bytes, names: Objects, lines: Objects, towns: Towns) -> StreetIndex:
        """Index ways by their folded names and give each street its towns.

        Parameters
        ----------
        keys : ndarray of bytes, shape (n,)
            Each way's folded name; ``b""`` for a way without a name (left out).
        names : ndarray of object, shape (n,)
            Each way's name as mapped.
        lines : ndarray of object, shape (n,)
            The ways, shapely LineStrings in EPSG:27700 metres.
        towns : Towns
            The places streets belong to.

        Returns
        -------
        StreetIndex
            The named ways by street, and one entry per street of a listed town
            whose reach holds the midpoint of one of its ways (EPSG:27700 metres).

        """
        from scipy.spatial import cKDTree  # only building the index needs it

        named = np.flatnonzero(keys != b"")
        codes, uniques = pd.factorize(keys[named], sort=True)
        order = np.argsort(codes, kind="stable")
        way_street = codes[order].astype(np.int64)
        ways = lines[named][order]
        counts = np.bincount(way_street, minlength=len(uniques))
        start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        spellings = pd.DataFrame({"street": way_street, "name": names[named][order]})
        spellings = spellings.value_counts().reset_index()
        spellings = spellings.sort_values(
            ["street", "count", "name"], ascending=[True, False, True], kind="stable"
        )
        shown = spellings.drop_duplicates("street")["name"].to_numpy(dtype=object)

        middle = shapely.line_interpolate_point(ways, 0.5, normalized=True)
        metres, nearest = cKDTree(towns.xy).query(shapely.get_coordinates(middle))
        town = np.asarray(nearest, dtype=np.int64)
        mine = (metres <= towns.reach_m[town]) & towns.listed[town]
        pairs = np.unique(np.column_stack([way_street[mine], town[mine]]), axis=0)
        street_keys = np.asarray(uniques, dtype=np.bytes_)
        entry_keys = np.char.add(street_keys[pairs[:, 0]], towns.key[pairs[:, 1]])
        by_key = np.argsort(entry_keys, kind="stable")
        return cls(
            keys=street_keys,
            names=shown,
            start=start,
            lines=ways,
            entry_keys=entry_keys[by_key],
            entry_street=pairs[by_key, 0].astype(np.int64),
            entry_town=towns.row[pairs[by_key, 1]],
        )

    def street(self, key: bytes) -> int:
        """Row of the street whose folded name is ``key``, or -1."""
        return int(sorted_lookup(self.keys, np.array([key]))[0])

    def nearest(
        self, street: int, x: float, y: float, reach_m: float
    ) -> tuple[float, float] | None:
        """The point of a street nearest a place, when one of its ways is within reach.

        Parameters
        ----------
        street : int
            Row of the street (:meth:`street`).
        x, y : float
            The place's point, EPSG:27700 metres.
        reach_m : float
            How far from the point the street may lie (metres).

        Returns
        -------
        tuple of float or None
            EPSG:27700 metres of the point on the street's ways nearest (x, y);
            None when none of them comes within ``reach_m``.

        """
        ways = self.lines[self.start[street] : self.start[street + 1]]
        centre = shapely.Point(x, y)
        metres = shapely.distance(ways, centre)
        nearest = int(np.argmin(metres))
        if metres[nearest] > reach_m:
            return None
        way = ways[nearest]
        on = shapely.line_interpolate_point(way, shapely.line_locate_point(way, centre))
        return float(on.x), float(on.y)

    def complete(self, prefix: bytes) -> slice:
        """The run of entries whose folded street-then-town text starts with ``prefix``."""
        return prefix_range(self.entry_keys, prefix)
