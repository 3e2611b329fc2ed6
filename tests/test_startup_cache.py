"""Start-up caches: the same answers as without them, and never an entry made from other inputs.

Every test works on a copy of the session's Rutland build, so moving its files'
modification times (set explicitly, never read from the clock) touches no
other test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from scipy.spatial import cKDTree

from geozones.classification.classifier import Classifier
from geozones.distance.cache import NearestPoint, _SolvedFacility, solved_facility
from geozones.distance.facility import NearestFacility
from geozones.regions import cache
from geozones.regions.cache import (
    CACHE_DIR,
    LAYER_CODE,
    code_fingerprint,
    load_npz,
    read_frame,
    write_frame,
)
from geozones.regions.data import GPKG_FILE, REPORT_FILE, RegionData
from geozones.regions.postcodes import INDEX_FILE
from geozones.schemes.scheme import get_scheme
from geozones.zones.builders import pcn_plan
from geozones.zones.cache import CachedPlanZones
from geozones.zones.lookup import PlanZones
from geozones.zones.store import PlanStore

ENTRY = "import sys; from geozones.cli.main import main; sys.exit(main())"
WARM = (
    "import sys; from geozones.zones.lookup import warm_caches; warm_caches('rutland', sys.argv[1])"
)


@pytest.fixture(autouse=True)
def writing():
    """Entries are written here as ``geozones data build`` writes them (a lookup only reads)."""
    with cache.writing_caches():
        yield


@pytest.fixture
def build(rutland, build_root, tmp_path):
    """A build folder holding a copy of Rutland (without caches) and the session's GB index."""
    folder = tmp_path / "build"
    folder.mkdir()
    shutil.copytree(rutland.path, folder / "rutland", ignore=shutil.ignore_patterns(CACHE_DIR))
    (folder / INDEX_FILE).symlink_to(build_root / INDEX_FILE)
    return folder


@pytest.fixture
def region(rutland, build):
    return RegionData(rutland.spec, build / "rutland")


def fresh(region):
    """A new RegionData over the same folder: nothing read yet, in this process."""
    return RegionData(region.spec, region.path)


def touch(path, seconds=1):
    """Move a file's modification time on by ``seconds`` (as a rebuild or a copy would)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def same_frame(a, b):
    pd.testing.assert_frame_equal(
        pd.DataFrame(a).drop(columns="geometry", errors="ignore"),
        pd.DataFrame(b).drop(columns="geometry", errors="ignore"),
        check_exact=True,
    )
    assert type(a) is type(b) and list(a.columns) == list(b.columns)
    if "geometry" in a:
        assert a.crs == b.crs
        assert (
            shapely.to_wkb(a.geometry.to_numpy()) == shapely.to_wkb(b.geometry.to_numpy())
        ).all()


def texts(values):
    """Object arrays compared element by element, telling None, NaN and text apart."""
    return [v if isinstance(v, str) else repr(v) for v in values]


# -- arrays --------------------------------------------------------------------------------------


def test_load_npz_maps_the_arrays_np_load_reads(tmp_path):
    arrays = {
        "ints": np.arange(12, dtype=np.int64).reshape(3, 4),
        "keys": np.array([b"NR13QU", b"LE156DT"], dtype="S7"),
        "fortran": np.asfortranarray(np.linspace(0, 1, 6).reshape(2, 3)),
        "empty": np.empty((0, 2)),
        "scalar": np.array("a key"),
    }
    for save, mapped in ((np.savez, True), (np.savez_compressed, False)):
        path = tmp_path / f"{save.__name__}.npz"
        save(path, **arrays)
        got = load_npz(path)
        assert sorted(got) == sorted(arrays)
        for name, want in arrays.items():
            assert got[name].dtype == want.dtype and got[name].shape == want.shape, name
            np.testing.assert_array_equal(got[name], want)
        if mapped:
            assert not got["ints"].flags.writeable  # a view of the file, not a copy


# -- layers --------------------------------------------------------------------------------------


def test_every_layer_reads_back_exactly_from_its_entry(region):
    for name in fresh(region).layer_names():
        from_gpkg = pyogrio.read_dataframe(region.path / GPKG_FILE, layer=name)
        first = fresh(region)._layer(name)  # reads the GeoPackage and writes the entry
        assert (region.path / CACHE_DIR / f"layer-{name}.arrow").exists(), name
        second = fresh(region)._layer(name)  # reads the entry
        same_frame(first, from_gpkg)
        same_frame(second, from_gpkg)


@pytest.mark.parametrize("changed", [REPORT_FILE, GPKG_FILE, "network/network.npz"])
def test_an_entry_is_used_only_while_the_build_is_the_one_it_was_made_from(region, changed):
    real = fresh(region).districts
    fake = real.assign(name="not a district")
    assert write_frame(region.path, "layer-districts.arrow", fake, code=LAYER_CODE)
    assert fresh(region).districts["name"].tolist() == ["not a district"]  # the entry is read
    touch(region.path / changed)
    same_frame(fresh(region).districts, real)  # stale: the GeoPackage is read again, and cached
    same_frame(read_frame(region.path, "layer-districts.arrow", code=LAYER_CODE), real)


def test_an_entry_made_by_other_code_is_not_used(region, monkeypatch):
    real = fresh(region).districts
    old = real.assign(name="made by the old code")
    assert write_frame(region.path, "layer-districts.arrow", old, code=LAYER_CODE)
    files = cache._package_files()
    edited = tuple((p, s + "edited" if p == "regions/data.py" else s) for p, s in files)
    monkeypatch.setattr(cache, "_package_files", lambda: edited)
    code_fingerprint.cache_clear()
    try:
        same_frame(fresh(region).districts, real)
    finally:
        code_fingerprint.cache_clear()


def test_a_damaged_entry_is_ignored_and_replaced(region):
    real = fresh(region).units
    entry = region.path / CACHE_DIR / "layer-units.arrow"
    entry.write_bytes(b"not an arrow file")
    same_frame(fresh(region).units, real)
    same_frame(read_frame(region.path, "layer-units.arrow", code=LAYER_CODE), real)


def test_a_build_that_cannot_hold_a_cache_is_read_as_before(region):
    (region.path / CACHE_DIR).write_text("a file where the cache folder would go")
    from_gpkg = pyogrio.read_dataframe(region.path / GPKG_FILE, layer="boundary")
    same_frame(fresh(region).boundary, from_gpkg)
    assert (region.path / CACHE_DIR).is_file()


# -- distances -----------------------------------------------------------------------------------


def points_around(region, n=400, seed=0):
    """In-region postcodes, then random points over the region's extent and a little beyond."""
    pcs = region.postcodes
    xy = np.column_stack([pcs.geometry.x, pcs.geometry.y])[pcs["in_region"].to_numpy()]
    x0, y0, x1, y1 = region.boundary.total_bounds
    rng = np.random.default_rng(seed)
    extra = rng.uniform([x0 - 3000, y0 - 3000], [x1 + 3000, y1 + 3000], size=(n, 2))
    return np.vstack([xy, extra])


@pytest.mark.parametrize("reachable_only", [True, False])
def test_a_restored_search_answers_as_a_fresh_one(region, reachable_only):
    practices = region.gp_practices.reset_index(drop=True)
    want = NearestFacility(region.network, practices, reachable_only=reachable_only).solve()
    made = solved_facility(region, practices, reachable_only=reachable_only)
    restored = solved_facility(fresh(region), practices, reachable_only=reachable_only)
    assert type(made) is NearestFacility and isinstance(restored, _SolvedFacility)
    xy = points_around(region)
    for got in (made, restored):
        for a, b in zip(got.nearest(xy), want.nearest(xy), strict=True):
            np.testing.assert_array_equal(a, b)
        pd.testing.assert_frame_equal(got.distance_to_nearest(xy), want.distance_to_nearest(xy))
        pd.testing.assert_frame_equal(got.facility_snap, want.facility_snap)
    # the drive minutes too: the entry holds each node's quickest minutes
    minutes = restored.nearest(xy).minutes
    np.testing.assert_array_equal(minutes, want.nearest(xy).minutes)
    for got, wanted in zip(restored.solved, want.solved, strict=True):
        np.testing.assert_array_equal(got, wanted)
    assert np.isfinite(minutes).sum() > len(xy) / 2
    # and the routes: the entry holds each node's predecessor on its shortest drive
    routed = xy[np.flatnonzero(want.nearest(xy).status == "ok")[::97]]
    assert len(routed) >= 10
    for point in routed:
        a, b = restored.route(point), want.route(point)
        assert shapely.equals_exact(a.line, b.line, tolerance=0) and a.pieces == b.pieces
        np.testing.assert_array_equal(a.nodes, b.nodes)
        np.testing.assert_array_equal(a.edges, b.edges)
        assert (a.metres, a.minutes, a.facility) == (b.metres, b.minutes, b.facility)
    touch(region.path / "network" / "network.npz")
    assert type(solved_facility(fresh(region), practices, reachable_only=reachable_only)) is (
        NearestFacility
    )


def test_the_search_of_other_facilities_is_never_restored(region):
    practices = region.gp_practices.reset_index(drop=True)
    solved_facility(region, practices, reachable_only=True)
    moved = practices.copy()
    moved.geometry = moved.geometry.translate(xoff=250.0)
    got = solved_facility(fresh(region), moved, reachable_only=True)
    want = NearestFacility(region.network, moved, reachable_only=True).solve()
    assert type(got) is NearestFacility
    xy = points_around(region)
    for a, b in zip(got.nearest(xy), want.nearest(xy), strict=True):
        np.testing.assert_array_equal(a, b)


def kdtree_cases(seed):
    """Places with several sharing a point, and queries: random, on places, on a grid, midway."""
    rng = np.random.default_rng(seed)
    places = rng.integers(0, 2000, size=(40, 2)).astype(float)
    places = np.vstack([places, places[[3, 3, 7, 11, 20]], places[[7]]])
    places = places[rng.permutation(len(places))]
    grid = np.stack(np.meshgrid(np.arange(0, 2001, 50.0), np.arange(0, 2001, 50.0)), -1)
    queries = np.vstack([
        rng.uniform(-500, 2500, size=(3000, 2)),
        places,
        grid.reshape(-1, 2),
        (places[:-1] + places[1:]) / 2,
    ])  # fmt: skip
    return places, queries


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_point_answers_as_ckdtree_bit_for_bit(tmp_path, seed):
    places, queries = kdtree_cases(seed)
    want_d, want_i = cKDTree(places).query(queries)
    for region_dir in (None, tmp_path, tmp_path):  # no cache, then writing, then reading it
        got_d, got_i = NearestPoint(places, region_dir).query(queries)
        assert got_d.dtype == want_d.dtype and got_i.dtype == np.int64
        np.testing.assert_array_equal(got_d.view(np.int64), want_d.view(np.int64))
        np.testing.assert_array_equal(got_i, want_i)


def test_nearest_point_needs_no_kdtree_once_shared_places_are_cached(tmp_path):
    places, _ = kdtree_cases(0)
    NearestPoint(places, tmp_path)
    again = NearestPoint(places, tmp_path)
    rng = np.random.default_rng(5)
    again.query(rng.uniform(0, 2000, size=(500, 2)))
    assert again._tree is None


# -- zones ---------------------------------------------------------------------------------------


def test_cached_zones_answer_as_plan_zones_until_a_plan_is_saved(region, build, tmp_path):
    scheme = get_scheme("rutland-demo")
    store = PlanStore(tmp_path / "zones.sqlite", build)
    xy = points_around(region)
    want = PlanZones(region, scheme, store).zones_at(xy)
    for _ in range(2):  # writes the entry, then reads it
        got = CachedPlanZones(fresh(region), scheme, store).zones_at(xy)
        assert got.keys() == want.keys()
        for column in want:
            assert texts(got[column]) == texts(want[column]), column
    plan = pcn_plan(region)
    store.save(plan.reassign(dict.fromkeys(plan.assignment.index, "Saved")))
    got = CachedPlanZones(fresh(region), scheme, store).zones_at(xy)
    want = PlanZones(fresh(region), scheme, store).zones_at(xy)
    assert {k: texts(v) for k, v in got.items()} == {k: texts(v) for k, v in want.items()}
    assert "Saved" in set(next(iter(got.values())))


# -- whole commands ------------------------------------------------------------------------------


def run(build, *args):
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, *map(str, args), "--build", str(build)],
        capture_output=True,
        text=True,
        check=False,
        cwd=build.parent,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_commands_give_the_same_output_with_no_fresh_or_stale_caches(region, build, tmp_path):
    with cache.writing_caches(False):  # only the warming step may write, as in data build
        pcs = region.postcodes
    rows = [*pcs.loc[pcs["in_region"], "postcode"].head(300), "LE15 6DT", "Oakham", "nowhere"]
    infile = tmp_path / "in.csv"
    pd.DataFrame({"address": rows}).to_csv(infile, index=False)
    outputs = []
    for step in ("no cache", "fresh cache", "stale cache"):
        if step == "fresh cache":
            subprocess.run([sys.executable, "-c", WARM, str(build)], check=True)
        if step == "stale cache":
            touch(build / "rutland" / REPORT_FILE)
        outfile = tmp_path / f"{step}.csv"
        said = run(build, "classify", infile, "-o", outfile, "--scheme", "rutland-demo")
        looked = run(build, "lookup", "LE15 6DT", "--scheme", "rutland-demo", "--json")
        outputs.append((outfile.read_bytes(), said.replace(str(outfile), "OUT"), looked))
        # the lookups themselves never write: only warming (as data build does) makes entries
        assert (build / "rutland" / CACHE_DIR).is_dir() == (step != "no cache")
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_read_outside_warming_writes_no_cache_entry(region):
    with cache.writing_caches(False):
        assert len(fresh(region)._layer("boundary")) == 1
    assert not (region.path / CACHE_DIR).exists()


def test_postcodes_measured_once_answer_as_when_measured_afresh(region, build):
    scheme = get_scheme("rutland-demo")
    postcodes = fresh(region).postcodes
    queries = [*postcodes["postcode"], "52.67, -0.72", "LE15 6", "Oakham", "SK 86 08"]
    with cache.writing_caches(False):
        expected = Classifier(scheme, build).classify_many(queries)
    assert not list((region.path / CACHE_DIR).glob("measured-*.npz"))
    made = Classifier(scheme, build).classify_many(queries)  # makes and writes the entry
    assert len(list((region.path / CACHE_DIR).glob("measured-*.npz"))) == 1
    with cache.writing_caches(False):
        read = Classifier(scheme, build).classify_many(queries)
    for got in (made, read):
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert (expected["status"] == "ok").sum() > 1000
