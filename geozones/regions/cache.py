"""Start-up caches beside a built region: what a command would otherwise re-derive.

A lookup or a batch needs a few GeoPackage layers, the region's postcode keys,
the solved nearest-surgery search and the zone lookup of built plans. Reading
and recomputing those costs more than the answer itself, so ``geozones data
build`` derives them once, inside :func:`writing_caches`, into
``<build>/<region>/cache/<name>`` (an Arrow IPC file for a layer, an
uncompressed ``.npz`` for arrays), and later processes read them instead.
Outside :func:`writing_caches` nothing is written: a lookup only reads, and an
entry it finds missing or stale it derives in memory.

Every entry records the key it was made under, and is used only when the key
is the same now:

* the size and modification time (nanoseconds) of each file of the region's
  build (``build.json``, ``region.gpkg``, ``network/*``), so any rebuild,
  repair or copy over the build makes every entry stale;
* a fingerprint of the geozones files whose code made it (path, size and
  modification time of each; for the zone lookup, whose builders reach into
  most stages, every stage the import contract lets them use), so a changed
  rule, scheme file or algorithm never answers from an entry the old code made;
* the versions of the libraries whose behaviour the entry depends on, taken
  from the ``*.dist-info`` folders beside numpy (no import needed);
* :data:`CACHE_FORMAT` and whatever the caller adds (parameters, a hash of
  its inputs).

A stale, unreadable or foreign entry is ignored, and the value is derived as
it would be without a cache (and written again). Writing is best effort: a
read-only build folder simply goes uncached. Files are written to a temporary
name and renamed into place, so a reader never sees half an entry. A frame is
cached only when reading the entry back gives the very same frame (values,
dtypes, index, geometry coordinates and CRS).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import mmap
import os
import struct
import sys
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

import numpy as np
import numpy.typing as npt

from geozones._cache import clearable

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)

#: Folder inside a region's build folder holding the entries.
CACHE_DIR = "cache"
#: Version of the entry layout and keys; entries of another version are stale.
CACHE_FORMAT = 1
#: Files of a region's build folder whose size and mtime key every entry.
STAMPED_FILES: tuple[str, ...] = (
    "build.json",
    "region.gpkg",
    "network/network.npz",
    "network/network.json",
)
#: Libraries whose installed versions key every entry.
LIBRARIES: tuple[str, ...] = (
    "numpy", "pandas", "pyarrow", "shapely", "geopandas", "pyproj", "pyogrio", "scipy",
)  # fmt: skip

_KEY_MEMBER = "__cache_key__"
_META_KEY = b"geozones.cache.key"
_META_GEOMETRY = b"geozones.cache.geometry"
_META_CRS = b"geozones.cache.crs"
_ZIP_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent

Arrays = dict[str, npt.NDArray[Any]]
FrameT = TypeVar("FrameT", bound="pd.DataFrame")


# -- keys ----------------------------------------------------------------------------------------


def _stamp(path: Path) -> list[int] | None:
    """[size in bytes, mtime in ns] of a file, or None when it does not exist."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


@clearable(maxsize=1)
def _package_files() -> tuple[tuple[str, str], ...]:
    """(path inside the package, "[size, mtime ns]") of every file of geozones, in order."""
    files: list[tuple[str, str]] = []
    for folder, dirs, names in os.walk(_PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if not name.endswith((".pyc", ".pyo")):
                path = Path(folder) / name
                files.append((path.relative_to(_PACKAGE_DIR).as_posix(), str(_stamp(path))))
    return tuple(files)


@clearable(maxsize=32)
def code_fingerprint(parts: tuple[str, ...] = ()) -> str:
    """A hash of the path, size and mtime (ns) of files of the geozones package.

    Parameters
    ----------
    parts : tuple of str
        Files and folders of the package (``"distance/facility.py"``,
        ``"network"``) whose code an entry depends on; empty: every file.

    """
    digest = hashlib.sha256()
    for relative, stamp in _package_files():
        if not parts or any(relative == p or relative.startswith(f"{p}/") for p in parts):
            digest.update(f"{relative}\0{stamp}\n".encode())
    return digest.hexdigest()


@clearable(maxsize=1)
def library_versions() -> dict[str, str]:
    """Installed version of each of :data:`LIBRARIES` ('' when not found), without importing them.

    Read from the names of the ``<name>-<version>.dist-info`` folders in the
    folder numpy is installed in.
    """
    found: dict[str, str] = {}
    site = Path(np.__file__).resolve().parent.parent
    try:
        entries = [p.name for p in site.iterdir()]
    except OSError:
        entries = []
    for entry in entries:
        if entry.endswith(".dist-info") and "-" in entry:
            name, version = entry.removesuffix(".dist-info").split("-", 1)
            found[name.lower().replace("_", "-")] = version
    return {lib: found.get(lib, "") for lib in LIBRARIES}


def entry_key(
    region_dir: Path,
    name: str,
    extra: Mapping[str, object] | None = None,
    code: tuple[str, ...] = (),
) -> str:
    """The key an entry ``name`` of the region in ``region_dir`` must carry to be used now.

    Parameters
    ----------
    region_dir : Path
        The region's build folder (``<build>/<region>``).
    name : str
        The entry's file name inside :data:`CACHE_DIR`.
    extra : mapping, optional
        JSON-serialisable values the entry also depends on (parameters, input hashes).
    code : tuple of str
        The package files and folders whose code made the entry
        (:func:`code_fingerprint`); empty: the whole package.

    """
    key = {
        "format": CACHE_FORMAT,
        "entry": name,
        "files": {f: _stamp(region_dir / f) for f in STAMPED_FILES},
        "code": code_fingerprint(tuple(sorted(code))),
        "libraries": library_versions(),
        "python": list(sys.version_info[:2]),
        "extra": dict(extra or {}),
    }
    return json.dumps(key, sort_keys=True, default=str)


def array_digest(*arrays: npt.ArrayLike) -> str:
    """A short hash of the dtype, shape and bytes of some arrays (to key an entry by its inputs)."""
    digest = hashlib.sha256()
    for array in arrays:
        a = np.ascontiguousarray(array)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()[:32]


def value_digest(value: object) -> str:
    """A short hash of a JSON-serialisable value (to name an entry after what it depends on)."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _entry_path(region_dir: Path, name: str) -> Path:
    return region_dir / CACHE_DIR / name


_WRITING = threading.local()


@contextlib.contextmanager
def writing_caches(on: bool = True) -> Iterator[None]:
    """Within this block (in this thread), entries derived are written to the build's cache.

    ``writing_caches(False)`` turns writing off again inside an outer block.
    """
    before = getattr(_WRITING, "on", False)
    _WRITING.on = on
    try:
        yield
    finally:
        _WRITING.on = before


def _writes_on() -> bool:
    """Whether this thread is inside :func:`writing_caches`."""
    return bool(getattr(_WRITING, "on", False))


def _replace_atomically(path: Path, write: Callable[[Path], None]) -> bool:
    """Call ``write(tmp_path)`` then rename the file into ``path``; False (logged) on failure.

    Outside :func:`writing_caches` nothing is written and the answer is False.
    """
    if not _writes_on():
        return False
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        write(tmp)
        tmp.replace(path)
    except OSError as exc:
        log.debug("cache %s not written: %s", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
    return True


# -- arrays --------------------------------------------------------------------------------------


def load_npz(path: Path) -> Arrays:
    """Every array of an ``.npz`` file, memory-mapped read-only when the file allows it.

    Members of an uncompressed ``.npz`` (``np.savez``) are mapped straight from
    the file, so opening it costs nothing until an array's pages are read;
    a compressed member, or one holding Python objects, is read as ``np.load``
    reads it. The arrays are the same values ``np.load`` gives, read-only.

    Raises
    ------
    OSError, ValueError, zipfile.BadZipFile
        The file cannot be read as an ``.npz``.

    """
    out: Arrays = {}
    # one open file for the directory and the mapping: a file renamed over ``path``
    # meanwhile (a rebuild) cannot mix two versions
    with path.open("rb") as fh, zipfile.ZipFile(fh) as zf:
        size = os.fstat(fh.fileno()).st_size
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        for info in zf.infolist():
            name = info.filename.removesuffix(".npy")
            array = _mapped_member(fh, mapped, info) if mapped is not None else None
            if array is None:
                with zf.open(info) as member:
                    array = np.lib.format.read_array(member, allow_pickle=False)
            out[name] = array
    return out


def _mapped_member(
    fh: BinaryIO, mapped: mmap.mmap, info: zipfile.ZipInfo
) -> npt.NDArray[Any] | None:
    """One stored ``.npy`` member as a read-only view of the mapped file, else None."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None
    fh.seek(info.header_offset)
    header = fh.read(_ZIP_LOCAL_HEADER.size)
    if len(header) != _ZIP_LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        return None
    fields = _ZIP_LOCAL_HEADER.unpack(header)
    name_len, extra_len = fields[-2], fields[-1]
    start = info.header_offset + _ZIP_LOCAL_HEADER.size + name_len + extra_len
    fh.seek(start)
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        return None
    if dtype.hasobject:
        return None
    offset = fh.tell()
    count = int(np.prod(shape, dtype=np.int64))
    if offset + count * dtype.itemsize > start + info.file_size:
        return None
    if count == 0:
        return np.empty(shape, dtype=dtype)
    flat = np.frombuffer(mapped, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C")


def read_arrays(
    region_dir: Path,
    name: str,
    extra: Mapping[str, object] | None = None,
    code: tuple[str, ...] = (),
) -> Arrays | None:
    """The arrays of entry ``name`` (an ``.npz``) when its key is current, else None."""
    path = _entry_path(region_dir, name)
    if not path.exists():
        return None
    try:
        arrays = load_npz(path)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        log.debug("cache %s unreadable: %s", path, exc)
        return None
    stored = arrays.pop(_KEY_MEMBER, None)
    if stored is None or str(stored[()]) != entry_key(region_dir, name, extra, code):
        return None
    return arrays


def write_arrays(
    region_dir: Path,
    name: str,
    arrays: Mapping[str, npt.ArrayLike],
    extra: Mapping[str, object] | None = None,
    code: tuple[str, ...] = (),
) -> bool:
    """Write entry ``name`` (an uncompressed ``.npz``) keyed as now; True when written.

    Arrays of Python objects cannot be cached (they are refused, as ``np.load``
    refuses pickles).
    """
    if not _writes_on():
        return False
    values = {k: np.asarray(v) for k, v in arrays.items()}
    if _KEY_MEMBER in values or any(v.dtype.hasobject for v in values.values()):
        raise ValueError(f"cache entry {name}: arrays must be plain (no objects, no {_KEY_MEMBER})")
    key = np.array(entry_key(region_dir, name, extra, code))

    members: dict[str, Any] = {**values, _KEY_MEMBER: key}

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            np.savez(fh, **members)

    return _replace_atomically(_entry_path(region_dir, name), write)


# -- frames (GeoPackage layers) ------------------------------------------------------------------


def read_frame(
    region_dir: Path,
    name: str,
    extra: Mapping[str, object] | None = None,
    code: tuple[str, ...] = (),
) -> pd.DataFrame | None:
    """The frame of entry ``name`` (Arrow IPC) when its key is current, else None.

    A frame written with a geometry column comes back as a GeoDataFrame with
    that geometry and CRS.
    """
    import pyarrow as pa

    path = _entry_path(region_dir, name)
    if not path.exists():
        return None
    try:
        with pa.memory_map(str(path), "r") as source:
            reader = pa.ipc.open_file(source)
            meta = reader.schema.metadata or {}
            if meta.get(_META_KEY, b"").decode() != entry_key(region_dir, name, extra, code):
                return None
            return _from_table(reader.read_all())
    except (OSError, pa.ArrowException) as exc:
        log.debug("cache %s unreadable: %s", path, exc)
        return None


def write_frame(
    region_dir: Path,
    name: str,
    frame: pd.DataFrame,
    extra: Mapping[str, object] | None = None,
    code: tuple[str, ...] = (),
) -> bool:
    """Write entry ``name`` (Arrow IPC) keyed as now; True when written.

    Nothing is written (False) when the frame would not come back exactly
    as it is: other dtypes, index, column names, attributes, geometries or CRS.
    """
    if not _writes_on():
        return False
    import pyarrow as pa

    try:
        table = _to_table(frame)
        same = _same_frame(frame, _from_table(table))
    except (TypeError, ValueError, pa.ArrowException) as exc:
        log.debug("cache %s: frame not cacheable: %s", name, exc)
        return False
    if not same:
        log.debug("cache %s: frame does not round-trip exactly; not cached", name)
        return False
    key = entry_key(region_dir, name, extra, code).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META_KEY: key})

    def write(tmp: Path) -> None:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)

    return _replace_atomically(_entry_path(region_dir, name), write)


def _geometry(frame: pd.DataFrame) -> tuple[str, str | None] | None:
    """(geometry column, CRS as it was given) of a GeoDataFrame; None for a plain frame."""
    if "geopandas" not in sys.modules:  # no GeoDataFrame exists before geopandas is imported
        return None
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame) or frame.active_geometry_name is None:
        return None
    crs = frame.crs
    return frame.active_geometry_name, None if crs is None else str(crs.srs)


def _to_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table; a geometry column as WKB, named with its CRS in the metadata."""
    import pandas as pd
    import pyarrow as pa
    import shapely

    geo = _geometry(frame)
    plain = pd.DataFrame(frame, copy=False)
    meta: dict[bytes, bytes] = {}
    wkb: npt.NDArray[Any] | None = None
    if geo is not None:
        name, crs = geo
        wkb = np.asarray(shapely.to_wkb(plain[name].to_numpy()), dtype=object)
        position = list(frame.columns).index(name)
        plain = plain.drop(columns=[name])
        meta[_META_GEOMETRY] = json.dumps({"name": name, "position": position}).encode()
        meta[_META_CRS] = (crs or "").encode()
    table = pa.Table.from_pandas(plain, preserve_index=True)
    if geo is not None:
        table = table.append_column(f"__geometry__{geo[0]}", pa.array(wkb, type=pa.binary()))
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})


def _from_table(table: pa.Table) -> pd.DataFrame:
    """The frame :func:`_to_table` made the table from."""
    meta = table.schema.metadata or {}
    if _META_GEOMETRY not in meta:
        frame: pd.DataFrame = table.to_pandas()
        return frame
    import geopandas as gpd
    import shapely

    where = json.loads(meta[_META_GEOMETRY])
    name, position = str(where["name"]), int(where["position"])
    column = f"__geometry__{name}"
    wkb = table.column(column).to_numpy(zero_copy_only=False)
    plain: pd.DataFrame = table.drop_columns([column]).to_pandas()
    crs = meta.get(_META_CRS, b"").decode() or None
    plain.insert(position, name, gpd.GeoSeries(shapely.from_wkb(wkb), index=plain.index, crs=crs))
    return gpd.GeoDataFrame(plain, geometry=name, crs=crs)


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when ``b`` is ``a`` exactly: type, values, dtypes, index, attributes, geometry, CRS."""
    import pandas as pd
    import shapely

    if type(a) is not type(b) or a.attrs != b.attrs or list(a.columns) != list(b.columns):
        return False
    geo_a, geo_b = _geometry(a), _geometry(b)
    if geo_a != geo_b:
        return False
    if geo_a is not None and geo_b is not None:
        name = geo_a[0]
        if getattr(a, "crs", None) != getattr(b, "crs", None):
            return False
        wkb_a = shapely.to_wkb(a[name].to_numpy())
        if not np.array_equal(wkb_a, shapely.to_wkb(b[name].to_numpy())):
            return False
        a, b = pd.DataFrame(a.drop(columns=[name])), pd.DataFrame(b.drop(columns=[name]))
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_flags=True, check_freq=True)
    except AssertionError:
        return False
    return True


#: The code a cached layer depends on: how it is read and how it is cached.
LAYER_CODE: tuple[str, ...] = ("regions/cache.py", "regions/data.py")


def cached_layer(
    region_dir: Path,
    layer: str,
    read: Callable[[], FrameT],
    extra: Mapping[str, object] | None = None,
    code: tuple[str, ...] = LAYER_CODE,
) -> FrameT:
    """Layer ``layer`` of a region: its cache entry when current, else ``read()`` (then cached).

    Parameters
    ----------
    region_dir : Path
        The region's build folder.
    layer : str
        Layer name (the entry is ``layer-<layer>.arrow``).
    read : callable
        Reads the layer from the GeoPackage; called only when the entry is missing or stale.
    extra : mapping, optional
        More values the entry depends on.
    code : tuple of str
        The package files whose code ``read`` runs (see :func:`entry_key`).

    """
    name = f"layer-{layer}.arrow"
    cached = read_frame(region_dir, name, extra, code)
    if cached is not None:
        # an entry is written only when it reads back as the very frame read() gave
        return cast("FrameT", cached)
    frame = read()
    write_frame(region_dir, name, frame, extra, code)
    return frame


def cached_arrays(
    region_dir: Path,
    name: str,
    make: Callable[[], Mapping[str, npt.ArrayLike]],
    extra: Mapping[str, object] | None = None,
    names: Iterable[str] | None = None,
    code: tuple[str, ...] = (),
) -> Arrays:
    """Entry ``name``'s arrays when current, else ``make()`` (a dict of arrays, then cached).

    ``names``, when given, are the arrays the entry must hold; an entry without
    one of them is stale. ``code`` is as for :func:`entry_key`.
    """
    arrays = read_arrays(region_dir, name, extra, code)
    if arrays is not None and all(n in arrays for n in names or ()):
        return arrays
    made: Arrays = {k: np.asarray(v) for k, v in make().items()}
    write_arrays(region_dir, name, made, extra, code)
    return made


def arrays_if_made(
    region_dir: Path,
    name: str,
    make: Callable[[], Mapping[str, npt.ArrayLike]],
    extra: Mapping[str, object] | None = None,
    code: tuple[str, ...] = (),
) -> Arrays | None:
    """Entry ``name``'s arrays when current; inside :func:`writing_caches`, ``make()`` them.

    For what only makes answers quicker and costs more to derive than the
    answers it serves: outside :func:`writing_caches` a missing or stale entry
    gives None (the caller answers the long way) rather than being derived.
    """
    arrays = read_arrays(region_dir, name, extra, code)
    if arrays is not None or not _writes_on():
        return arrays
    made: Arrays = {k: np.asarray(v) for k, v in make().items()}
    write_arrays(region_dir, name, made, extra, code)
    return made
