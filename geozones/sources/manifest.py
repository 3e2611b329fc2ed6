"""The source manifest: every dataset the region build reads, and where it comes from.

``data/boundaries/sources.toml`` (shipped as ``geozones/sources/sources.toml``)
names each dataset's file inside the source folder and its provenance, so a
council can rebuild from official downloads. Light to import: no data library.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from geozones._cache import clearable
from geozones._errors import DataError
from geozones._settings import MANIFEST_PATH

_REQUIRED_KEYS = ("file", "title", "publisher", "url", "licence", "attribution", "vintage")


@dataclass(frozen=True)
class SourceInfo:
    """One manifest entry: a dataset, its file in the source folder and its provenance."""

    id: str
    file: str
    title: str
    publisher: str
    url: str
    licence: str
    attribution: str
    vintage: str
    required: bool = True

    def path(self, source: Path) -> Path:
        """Return where this dataset lives inside ``source``."""
        return source / self.file


@clearable(maxsize=None)
def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, SourceInfo]:
    """Read and validate the source manifest; raise DataError naming a bad key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"cannot read the source manifest {path}: {exc}") from exc
    out: dict[str, SourceInfo] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict):
            raise DataError(f"{path}: [{key}] must be a table of dataset keys")
        missing = [k for k in _REQUIRED_KEYS if not isinstance(entry.get(k), str)]
        if missing:
            raise DataError(f"{path}: [{key}] needs text values for {', '.join(missing)}")
        unknown = set(entry) - set(_REQUIRED_KEYS) - {"required"}
        if unknown:
            raise DataError(f"{path}: [{key}] has unknown keys {', '.join(sorted(unknown))}")
        out[key] = SourceInfo(id=key, **entry)
    return out


def source_info(dataset: str) -> SourceInfo:
    """Return the manifest entry of ``dataset``."""
    try:
        return load_manifest()[dataset]
    except KeyError:
        raise DataError(f"the source manifest has no dataset {dataset!r}") from None
