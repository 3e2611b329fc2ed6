"""Front-end libraries served by the app itself, never from a CDN.

The libraries folium's maps need (Leaflet, jQuery, Bootstrap, Font Awesome,
Leaflet.awesome-markers) and the accessibility engine the browser tests run on the
pages (axe-core) are npm packages pinned in the project's ``package.json``.
``make assets`` installs them with ``npm ci`` and :func:`main` copies the files
listed in :data:`VENDOR_FILES` into the (git-ignored) vendor folder. :func:`localise`
points a folium map at those copies.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import folium

from geozones._errors import DataError

__all__ = [
    "MAP_CSS",
    "MAP_JS",
    "VENDOR_DIR",
    "VENDOR_FILES",
    "copy_vendor",
    "localise",
    "main",
    "missing",
]

#: Where the copies live: ``/static/vendor/...`` in the app.
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"

#: Vendor path (under :data:`VENDOR_DIR`) to the file or folder in ``node_modules`` it comes from.
VENDOR_FILES: dict[str, str] = {
    "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet/images": "leaflet/dist/images",
    "jquery/jquery.min.js": "jquery/dist/jquery.min.js",
    "bootstrap/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "fontawesome/css/all.min.css": "@fortawesome/fontawesome-free/css/all.min.css",
    "fontawesome/webfonts": "@fortawesome/fontawesome-free/webfonts",
    "awesome-markers/leaflet.awesome-markers.js": (
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.js"
    ),
    "awesome-markers/leaflet.awesome-markers.css": (
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.css"
    ),
    "awesome-markers/images": "leaflet.awesome-markers/dist/images",
    # the accessibility engine the browser tests run on the pages (tests/test_browser.py)
    "axe-core/axe.min.js": "axe-core/axe.min.js",
}

#: folium's script names (``folium.Map.default_js``) and the vendor file serving each.
MAP_JS: list[tuple[str, str]] = [
    ("leaflet", "leaflet/leaflet.js"),
    ("jquery", "jquery/jquery.min.js"),
    ("bootstrap", "bootstrap/bootstrap.bundle.min.js"),
    ("awesome_markers", "awesome-markers/leaflet.awesome-markers.js"),
]
#: folium's style sheet names (``folium.Map.default_css``) and the vendor file serving each;
#: Bootstrap 3 glyphicons and folium's marker-rotation sheet are left out (no map uses them).
MAP_CSS: list[tuple[str, str]] = [
    ("leaflet_css", "leaflet/leaflet.css"),
    ("bootstrap_css", "bootstrap/bootstrap.min.css"),
    ("awesome_markers_font_css", "fontawesome/css/all.min.css"),
    ("awesome_markers_css", "awesome-markers/leaflet.awesome-markers.css"),
]


def localise(fmap: folium.Map, url: Callable[[str], str]) -> folium.Map:
    """Point ``fmap``'s scripts and style sheets at the vendor copies.

    Parameters
    ----------
    fmap : folium.Map
        The map; its instance ``default_js``/``default_css`` are replaced.
    url : callable
        Vendor path (e.g. ``"leaflet/leaflet.js"``) to the URL the app serves it at.

    """
    fmap.default_js = [(name, url(path)) for name, path in MAP_JS]
    fmap.default_css = [(name, url(path)) for name, path in MAP_CSS]
    return fmap


def missing(vendor: Path = VENDOR_DIR) -> list[str]:
    """Vendor paths of :data:`VENDOR_FILES` not present in ``vendor``."""
    return [path for path in VENDOR_FILES if not (vendor / path).exists()]


def copy_vendor(node_modules: Path, vendor: Path = VENDOR_DIR) -> int:
    """Copy :data:`VENDOR_FILES` from an ``npm ci`` tree into a fresh vendor folder.

    Returns
    -------
    int
        The number of files copied.

    Raises
    ------
    DataError
        A listed file is not in ``node_modules`` (run ``npm ci`` first).

    """
    absent = [src for src in VENDOR_FILES.values() if not (node_modules / src).exists()]
    if absent:
        raise DataError(
            f"{node_modules} lacks {', '.join(absent)}; run `npm ci` in the project folder first"
        )
    shutil.rmtree(vendor, ignore_errors=True)
    count = 0
    for dest, src in VENDOR_FILES.items():
        source, target = node_modules / src, vendor / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
            count += sum(1 for p in target.rglob("*") if p.is_file())
        else:
            shutil.copyfile(source, target)
            count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    """Copy the vendor files: ``main(["NODE_MODULES", "VENDOR_DIR"])`` (default ``sys.argv[1:]``).

    ``make assets`` runs it as
    ``python -c "from geozones.web.assets import main; main()" node_modules VENDOR_DIR``.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.exit("usage: main(NODE_MODULES, VENDOR_DIR)")
    try:
        copied = copy_vendor(Path(args[0]), Path(args[1]))
    except DataError as exc:
        sys.exit(str(exc))
    print(f"copied {copied} front-end files into {args[1]}")
