"""The Great Britain postcode index: every live and terminated postcode as arrays.

Built once from OS Code-Point Open and the ONS postcode lookup into one
uncompressed ``.npz`` file in the build folder; loading it is a few array reads,
and lookups are ``np.searchsorted`` over sorted fixed-width keys, so a million
postcodes resolve without a Python loop.

Keys are postcodes upper-cased with spaces removed (``"NR13QU"``). Points are
EPSG:27700 metres.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geozones._errors import BuildMissingError
from geozones.regions.cache import load_npz
from geozones.sources.readers import read_codepoint, read_postcode_lookup

log = logging.getLogger(__name__)

#: File name of the index inside the build folder.
INDEX_FILE = "gb_postcodes.npz"
#: Version of the index layout and content rules; a build with another one is rebuilt.
INDEX_FORMAT = 2

#: A UK postcode (no spaces, upper case): outward code then inward code.
POSTCODE_RE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2})$")

#: Postcode keys or labels as a numpy ``str`` array.
_Text: TypeAlias = npt.NDArray[np.str_]


def normalise(values: pd.Series | npt.NDArray[np.object_ | np.str_] | list[str]) -> _Text:
    """Upper-case and strip every white space from each value; return a numpy ``str`` array."""
    arr = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    arr = pc.replace_substring_regex(pc.utf8_upper(arr), r"\s+", "")
    return np.asarray(arr.fill_null("").to_numpy(zero_copy_only=False), dtype=str)


def format_postcode(keys: _Text) -> _Text:
    """Official spacing for normalised keys: ``"NR13QU"`` -> ``"NR1 3QU"``."""
    s = pd.Series(keys, dtype="string")
    return (s.str[:-3] + " " + s.str[-3:]).to_numpy(dtype=str)


def sector_key(keys: _Text) -> _Text:
    """Postcode sector of normalised keys, spaced: ``"NR13QU"`` -> ``"NR1 3"``."""
    s = pd.Series(keys, dtype="string")
    return (s.str[:-3] + " " + s.str[-3]).to_numpy(dtype=str)


def district_key(keys: _Text) -> _Text:
    """Postcode district (outward code) of normalised keys: ``"NR13QU"`` -> ``"NR1"``."""
    return pd.Series(keys, dtype="string").str[:-3].to_numpy(dtype=str)


def sorted_lookup(
    table: npt.NDArray[np.bytes_ | np.str_], queries: npt.NDArray[np.bytes_ | np.str_]
) -> npt.NDArray[np.int64]:
    """Position of each query in the sorted ``table``, or -1 when absent."""
    if len(table) == 0:
        return np.full(len(queries), -1, dtype=np.int64)
    q = queries.astype(table.dtype)
    pos = np.searchsorted(table, q)
    pos = np.minimum(pos, len(table) - 1)
    return np.where(table[pos] == q, pos, -1)


def _centroids(keys: pd.Series, e: pd.Series, n: pd.Series) -> pd.DataFrame:
    """Mean point of the rows sharing each key, sorted by key."""
    frame = pd.DataFrame({"key": keys, "e": e, "n": n})
    return frame.groupby("key", sort=True)[["e", "n"]].mean()


@dataclass
class PostcodeIndex:
    """Sorted arrays of live postcodes, terminated postcodes, sectors and districts.

    Attributes
    ----------
    keys : ndarray of bytes
        Live postcode keys (Code-Point Open), sorted.
    xy : ndarray (N, 2) float64
        EPSG:27700 points of the live postcodes.
    quality : ndarray (N,) uint8
        Code-Point positional quality (10 best ... 60 sector mean).
    lsoa : ndarray (N,) str
        LSOA 2011 code from the ONS lookup ('' for postcodes newer than May 2022).
    terminated_keys, terminated_xy, terminated_month, terminated_basis
        Postcodes in the ONS lookup but not in Code-Point: the centroid of the live
        postcodes of their output area (basis 'oa') or else their LSOA ('lsoa'),
        and the month they were terminated ('' when the ONS lookup still had them
        live in May 2022 but Code-Point no longer lists them).
    sector_keys, sector_xy, district_keys, district_xy
        Mean points of the live postcodes of each sector (``"NR1 3"``) and
        postcode district (``"NR1"``).

    """

    keys: npt.NDArray[np.bytes_]
    xy: npt.NDArray[np.float64]
    quality: npt.NDArray[np.uint8]
    lsoa: npt.NDArray[np.bytes_]
    terminated_keys: npt.NDArray[np.bytes_]
    terminated_xy: npt.NDArray[np.float64]
    terminated_month: npt.NDArray[np.bytes_]
    terminated_basis: npt.NDArray[np.bytes_]
    terminated_lsoa: npt.NDArray[np.bytes_]
    sector_keys: npt.NDArray[np.bytes_]
    sector_xy: npt.NDArray[np.float64]
    district_keys: npt.NDArray[np.bytes_]
    district_xy: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, keys: _Text) -> npt.NDArray[np.int64]:
        """Row of each normalised key among the live postcodes, or -1."""
        return sorted_lookup(self.keys, keys)

    def find_terminated(self, keys: _Text) -> npt.NDArray[np.int64]:
        """Row of each normalised key among the terminated postcodes, or -1."""
        return sorted_lookup(self.terminated_keys, keys)

    def find_sector(self, keys: _Text) -> npt.NDArray[np.int64]:
        """Row of each key's sector among the sector centroids, or -1."""
        return sorted_lookup(self.sector_keys, sector_key(keys))

    def find_district(self, keys: _Text) -> npt.NDArray[np.int64]:
        """Row of each key's postcode district among the district centroids, or -1."""
        return sorted_lookup(self.district_keys, district_key(keys))

    def frame(self) -> pd.DataFrame:
        """Live postcodes as a DataFrame: postcode, easting, northing, quality, lsoa."""
        return pd.DataFrame(
            {
                "postcode": format_postcode(self.keys.astype(str)),
                "easting": self.xy[:, 0],
                "northing": self.xy[:, 1],
                "quality": self.quality,
                "lsoa": self.lsoa.astype(str),
            }
        )

    def save(self, path: Path) -> None:
        """Write the index as one uncompressed ``.npz`` file."""
        np.savez(path, **{k: getattr(self, k) for k in self.__dataclass_fields__})

    @classmethod
    def load(cls, path: Path) -> PostcodeIndex:
        """Read an index written by :meth:`save`."""
        if not path.exists():
            raise BuildMissingError(
                f"the GB postcode index {path} has not been built; run: geozones data build"
            )
        # memory-mapped: a lookup reads only the pages of the rows it needs
        data = load_npz(path)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def build_postcode_index(source: Path) -> PostcodeIndex:
    """Build the GB postcode index from Code-Point Open and the ONS postcode lookup."""
    cp = read_codepoint(source)
    cp["key"] = normalise(cp["postcode"])
    lookup = read_postcode_lookup(source)
    lookup["key"] = normalise(lookup["postcode"])
    lookup = lookup.drop_duplicates("key")

    live = cp.merge(lookup[["key", "oa11cd", "lsoa11cd"]], on="key", how="left")
    live = live.sort_values("key", kind="stable").drop_duplicates("key").reset_index(drop=True)
    live[["oa11cd", "lsoa11cd"]] = live[["oa11cd", "lsoa11cd"]].fillna("")

    oa_xy = _centroids(live["oa11cd"], live["easting"], live["northing"])
    lsoa_xy = _centroids(live["lsoa11cd"], live["easting"], live["northing"])
    live_keys = live["key"].to_numpy(dtype=str)
    gone = lookup[sorted_lookup(live_keys, lookup["key"].to_numpy(dtype=str)) < 0]
    gone = gone.sort_values("key")
    by_oa = oa_xy.reindex(gone["oa11cd"]).to_numpy()
    by_lsoa = lsoa_xy.reindex(gone["lsoa11cd"]).to_numpy()
    use_oa = ~np.isnan(by_oa[:, 0]) & (gone["oa11cd"].to_numpy() != "")
    txy = np.where(use_oa[:, None], by_oa, by_lsoa)
    placed = ~np.isnan(txy[:, 0]) & (gone["lsoa11cd"].to_numpy() != "") | use_oa
    gone, txy, use_oa = gone[placed], txy[placed], use_oa[placed]

    keys = live_keys
    sectors = _centroids(pd.Series(sector_key(keys)), live["easting"], live["northing"])
    districts = _centroids(pd.Series(district_key(keys)), live["easting"], live["northing"])
    index = PostcodeIndex(
        keys=keys.astype("S7"),
        xy=live[["easting", "northing"]].to_numpy(dtype=np.float64),
        quality=live["quality"].to_numpy(dtype=np.uint8),
        lsoa=live["lsoa11cd"].to_numpy(dtype="S9"),
        terminated_keys=gone["key"].to_numpy(dtype="S7"),
        terminated_xy=txy.astype(np.float64),
        terminated_month=gone["doterm"].to_numpy(dtype="S6"),
        terminated_basis=np.where(use_oa, "oa", "lsoa").astype("S4"),
        terminated_lsoa=gone["lsoa11cd"].to_numpy(dtype="S9"),
        sector_keys=sectors.index.to_numpy(dtype="S6"),
        sector_xy=sectors.to_numpy(dtype=np.float64),
        district_keys=districts.index.to_numpy(dtype="S4"),
        district_xy=districts.to_numpy(dtype=np.float64),
    )
    log.info(
        "postcode index: %d live, %d terminated, %d sectors, %d districts",
        len(index.keys),
        len(index.terminated_keys),
        len(index.sector_keys),
        len(index.district_keys),
    )
    return index
