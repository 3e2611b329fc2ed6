"""Time the Norfolk map page's first load in Debian's chromium, against gunicorn on loopback.

gunicorn (2 workers, as ``benchmarks/web.py`` starts it) serves the real build;
each worker's map is rendered once before timing (the page is kept per
process). Then, ``--runs`` times, a fresh browser context (an empty cache, as a
first visit) opens ``/?region=norfolk&scheme=norfolk-2019`` at 1400 x 900 and
at 390 x 844 (a phone), and the script prints, from the browser's own
Navigation and Resource Timing:

* the time to DOMContentLoaded and to the load event (every script, sheet and
  the map's layers, which are in the page), and to the first basemap tiles
  drawn (the app draws them from the build: ``static/basemap.js``);
* the bytes transferred (compressed, as sent) and decoded, the page alone and
  with everything it loaded.

Target: the load event under 1 s. Then the same page asking for a postcode in
its address (``&q=NR13 3XR``): the time until the answer and its route are shown.

Usage: python benchmarks/first_load.py [--build DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web import free_port, start_gunicorn, wait_until_up

from geozones._settings import build_dir

PAGE = "/?region=norfolk&scheme=norfolk-2019"
SIZES = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking"]

#: Navigation and resource timing, in the page: milliseconds and bytes.
_TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const all = [nav, ...performance.getEntriesByType("resource")];
  const sum = (key) => all.reduce((total, e) => total + (e[key] || 0), 0);
  return {
    dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
    page_sent: nav.transferSize, page_decoded: nav.decodedBodySize,
    sent: sum("transferSize"), decoded: sum("decodedBodySize"), files: all.length
  };
}"""


def _kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB"


def first_load(browser: Any, base: str, size: dict[str, int]) -> dict[str, float]:
    """One first visit: timings (ms) and bytes, with the first basemap tile drawn."""
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.goto(base + PAGE, wait_until="load")
    figures: dict[str, float] = page.evaluate(_TIMING)
    page.wait_for_function("document.querySelector('.leaflet-tile-loaded') !== null")
    figures["tiles"] = page.evaluate("performance.now()")
    context.close()
    return figures


def answered(browser: Any, base: str) -> float:
    """Milliseconds from navigation to the answer and its route shown, for a shared link."""
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    page.goto(base + PAGE + "&q=NR13%203XR")
    page.wait_for_selector("#gz-answer .gz-route")
    shown: float = page.evaluate("performance.now()")
    context.close()
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as instance:
        server = start_gunicorn(build_dir(args.build), Path(instance), port)
        try:
            wait_until_up(base, server)
            for _ in range(4):  # each worker renders its map once, and warms its classifier
                requests.get(base + PAGE, timeout=120).raise_for_status()
                requests.get(
                    f"{base}/api/v1/route", params={"q": "NR13 3XR"}, timeout=120
                ).raise_for_status()
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=LAUNCH_ARGS
                )
                for name, size in SIZES.items():
                    runs = [first_load(browser, base, size) for _ in range(args.runs)]
                    load = [r["load"] for r in runs]
                    last = runs[-1]
                    print(
                        f"{name} {size['width']}x{size['height']}, first visit, {args.runs} runs: "
                        f"load event median {statistics.median(load):.0f} ms (best "
                        f"{min(load):.0f}, worst {max(load):.0f}; target under 1,000 ms), "
                        f"DOMContentLoaded {statistics.median(r['dom'] for r in runs):.0f} ms, "
                        f"first basemap tiles {statistics.median(r['tiles'] for r in runs):.0f} ms"
                    )
                    print(
                        f"  transferred: the page {_kb(last['page_sent'])} "
                        f"({_kb(last['page_decoded'])} decoded); with its {last['files']:.0f} "
                        f"files {_kb(last['sent'])} ({_kb(last['decoded'])} decoded)"
                    )
                shared = [answered(browser, base) for _ in range(args.runs)]
                print(
                    f"a shared link (&q=NR13 3XR): answer and route shown in median "
                    f"{statistics.median(shared):.0f} ms (best {min(shared):.0f})"
                )
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
