"""Circuity: how much longer the road is than the straight line, measured where we have roads.

A region without a road network (Herefordshire and Hertfordshire in the shared
data) cannot answer "how far by road is the nearest surgery?". geozones does
not pretend: it takes the straight-line distance to the nearest surgery and
multiplies it by a circuity factor (road distance / straight-line distance)
measured on the regions that do have networks, by straight-line distance
range, and labels the answer ``straight-line estimate``.

:func:`measure_circuity` computes the factor from every in-region postcode of
every built region with a network (road distance to the nearest surgery by
road, over the straight-line distance to the nearest surgery as the crow
flies, which is what an estimate starts from), and writes it into the build
folder as ``circuity.json``; :func:`load_circuity` reads it back. Nothing in
the code holds a factor.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from geozones._errors import BuildMissingError, DataError
from geozones._settings import METRES_PER_MILE, build_dir
from geozones.distance.facility import NearestFacility
from geozones.regions.data import NETWORK_DIR, RegionData
from geozones.regions.specs import REGIONS

log = logging.getLogger(__name__)

#: File name of the measured factors inside the build folder.
CIRCUITY_FILE = "circuity.json"
#: Straight-line distance ranges (miles) the factor is measured in.
RANGE_EDGES_MILES: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 10.0)
#: Points closer than this to a surgery (metres) say nothing about circuity.
MIN_STRAIGHT_M = 100.0
#: Quantiles that bound the spread of the factor in each range.
SPREAD = (0.1, 0.9)


@dataclass(frozen=True)
class Circuity:
    """Measured factors by straight-line range: median and spread (10th to 90th percentile).

    Attributes
    ----------
    table : DataFrame
        One row per region (and ``all`` for the pooled sample) and range:
        region, from_m, to_m, points, median, low, high.

    """

    table: pd.DataFrame

    def pooled(self) -> pd.DataFrame:
        """The pooled rows (region ``all``), ordered by range."""
        return self.table[self.table["region"] == "all"].sort_values("from_m")

    def estimate(
        self, straight_m: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Road-distance estimate and its spread for straight-line distances (metres).

        Returns
        -------
        estimate, low, high : ndarray of float64
            ``straight_m`` times the pooled median factor of its range, and times
            the range's 10th and 90th percentile factors.

        """
        pooled = self.pooled()
        straight = np.asarray(straight_m, dtype=float)
        row = np.clip(
            np.searchsorted(pooled["from_m"].to_numpy(), straight, side="right") - 1,
            0,
            len(pooled) - 1,
        )
        take = pooled.iloc[row]
        return (
            straight * take["median"].to_numpy(),
            straight * take["low"].to_numpy(),
            straight * take["high"].to_numpy(),
        )

    def save(self, folder: Path) -> Path:
        """Write ``circuity.json`` into ``folder``."""
        path = folder / CIRCUITY_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"ranges": self.table.to_dict("records")}, indent=2))
        tmp.replace(path)
        return path


def measure_circuity(regions: list[RegionData]) -> Circuity:
    """Measure road/straight-line circuity to the nearest surgery on each region's network.

    Parameters
    ----------
    regions : list of RegionData
        Built regions; those without a network are skipped.

    Raises
    ------
    DataError
        When none of the regions has a road network.

    """
    frames = []
    for region in regions:
        if region.network is None:
            continue
        practices = region.gp_practices
        postcodes = region.postcodes[region.postcodes["in_region"]]
        xy = np.column_stack([postcodes.geometry.x, postcodes.geometry.y])
        road = NearestFacility(region.network, practices, reachable_only=True)
        answer = road.distance_to_nearest(xy)
        from scipy.spatial import cKDTree  # loads only when circuity is measured

        tree = cKDTree(np.column_stack([practices.geometry.x, practices.geometry.y]))
        # the stub does not tell the answer for many points from the answer for one
        straight, _ = cast("tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]", tree.query(xy))
        keep = (answer["status"].to_numpy() == "ok") & (straight >= MIN_STRAIGHT_M)
        frames.append(
            pd.DataFrame(
                {
                    "region": region.name,
                    "straight_m": straight[keep],
                    "factor": answer["metres"].to_numpy()[keep] / straight[keep],
                }
            )
        )
    if not frames:
        raise DataError(
            "no built region has a road network to measure circuity on; build one with "
            "geozones data build --region rutland (or norfolk, isle-of-wight)"
        )
    sample = pd.concat(frames, ignore_index=True)
    pooled = sample.assign(region="all")
    edges = np.asarray([*RANGE_EDGES_MILES, np.inf]) * METRES_PER_MILE
    both = pd.concat([sample, pooled], ignore_index=True)
    both["range"] = pd.cut(both["straight_m"], edges.tolist(), right=False, labels=False)
    grouped = both.groupby(["region", "range"])["factor"]
    table = pd.DataFrame(
        {
            "points": grouped.size(),
            "median": grouped.median(),
            "low": grouped.quantile(SPREAD[0]),
            "high": grouped.quantile(SPREAD[1]),
        }
    ).reset_index()
    table["from_m"] = edges[table["range"].to_numpy()]
    table["to_m"] = edges[table["range"].to_numpy() + 1]
    cols = ["region", "from_m", "to_m", "points", "median", "low", "high"]
    return Circuity(table[cols].round({"median": 4, "low": 4, "high": 4}))


def load_circuity(build: Path | None = None) -> Circuity:
    """Read the measured factors from the build folder.

    Raises
    ------
    BuildMissingError
        When they have not been measured, naming the command that does it.

    """
    path = build_dir(build) / CIRCUITY_FILE
    if not path.exists():
        raise BuildMissingError(
            f"no circuity factors in {path.parent}: straight-line estimates need them; "
            "run: geozones data circuity"
        )
    table = pd.DataFrame(json.loads(path.read_text())["ranges"])
    table["to_m"] = table["to_m"].astype(float)
    return Circuity(table)


def update_circuity(out: Path | None = None) -> tuple[Circuity, Path]:
    """Re-measure circuity on every built region with a network; write ``circuity.json``."""
    out = build_dir(out)
    regions = [
        RegionData(spec, out / spec.name)
        for spec in REGIONS.values()
        if (out / spec.name / NETWORK_DIR).exists()
    ]
    circuity = measure_circuity(regions)
    path = circuity.save(out)
    log.info("circuity measured on %s: %s", ", ".join(r.name for r in regions), path)
    return circuity, path
