"""Time the zone editor in Debian's chromium: page load on Norfolk, and each paint's panel update.

The app serves the real build (``data/build``) from a threaded server on
loopback, with a plan store and accounts in a temporary instance folder:
Hertfordshire's lot plan (its 14 lots of LSOAs, from the council's rules) and
a Norfolk plan of one zone per district are saved, and a commissioner logs in.
Then, for each plan:

* **Load**: once the server is warm (the plan's payload and the region's
  basemap made), a fresh page opens ``/plans/<name>/edit``; the script prints the
  time to the editor being ready to paint (its payload fetched, the units
  drawn, the panel filled) and the bytes transferred (compressed, as sent) and
  decoded, page and files together, from the browser's Resource Timing.
* **Paint**: ``--paints`` units on a zone's edge are painted into the
  neighbouring zone one at a time, as a click does (``gzEditor.paint``: the
  move, the zone table with every zone's clients, hours, cost, target and
  viability, the contiguity and unassigned warnings, the units restyled). For
  each, the time from the paint to the panel updated (the editor's own
  ``lastPaintMs``) and to the next frame the browser draws are printed as
  p50/p95. No server round trip is needed: the draft lives in the page.

Target: a paint's panel update under 100 ms on Hertfordshire's and Norfolk's LSOAs.

Usage: python benchmarks/editor.py [--build DIR] [--paints N]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from werkzeug.serving import WSGIRequestHandler, make_server

from geozones._settings import build_dir
from geozones.regions.data import load_region
from geozones.schemes.scheme import get_scheme
from geozones.web import create_app
from geozones.web.auth import user_store
from geozones.zones.builders import district_plan, lot_plan

PASSWORD = "benchmark password 1"  # noqa: S105  (a throwaway account of the benchmark)
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking"]

_NEXT_FRAME = """([code, zone]) => new Promise(done => {
  const start = performance.now();
  const ms = window.gzEditor.paint(code, zone);
  requestAnimationFrame(() => requestAnimationFrame(() => done([ms, performance.now() - start])));
})"""

_BYTES = """() => [performance.getEntriesByType("navigation")[0],
  ...performance.getEntriesByType("resource")].reduce(
    (t, e) => [t[0] + (e.transferSize || 0), t[1] + (e.decodedBodySize || 0)], [0, 0])"""

#: Milliseconds to DOMContentLoaded, and the editor payload's request (start, duration).
_STEPS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const payload = performance.getEntriesByType("resource").find(e => e.name.includes("/editor"));
  return [nav.domContentLoadedEventEnd, payload.startTime, payload.duration];
}"""


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing: the benchmark prints its own figures."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    parser.add_argument("--paints", type=int, default=60)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    build = build_dir(args.build)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"BUILD_DIR": str(build), "INSTANCE_DIR": instance})
        user_store(app).add("bench", PASSWORD, "commissioner")
        store = app.extensions["geozones"].store
        herts = load_region("hertfordshire", build)
        plans = {
            "hertfordshire-lots": lot_plan(
                herts, get_scheme("hertfordshire-2022"), name="hertfordshire-lots"
            ),
            "hertfordshire-districts": district_plan(herts, name="hertfordshire-districts"),
            "norfolk-districts": district_plan(
                load_region("norfolk", build), name="norfolk-districts"
            ),
        }
        for plan in plans.values():
            store.save(plan)
        httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=LAUNCH_ARGS
            )
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Name").fill("bench")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
            for name, plan in plans.items():
                # warm: the server's payload cache and the region's basemap (made once per
                # process, in about a second: a first visit after a restart waits for it)
                page.goto(f"{base}/plans/{name}/edit")
                page.evaluate("window.gzEditor.ready")
                page.wait_for_load_state("networkidle")
                fresh = context.new_page()
                start = time.perf_counter()
                fresh.goto(f"{base}/plans/{name}/edit")
                fresh.evaluate("window.gzEditor.ready")
                ready = time.perf_counter() - start
                sent, decoded = fresh.evaluate(_BYTES)
                dom, asked, took = fresh.evaluate(_STEPS)
                units = len(plan.assignment)
                print(
                    f"{name} ({units} {plan.unit_layer}, {len(plan.zones)} zones): ready to paint "
                    f"in {ready * 1000:,.0f} ms (DOMContentLoaded {dom:,.0f} ms; the payload asked "
                    f"at {asked:,.0f} ms took {took:,.0f} ms); transferred {sent / 1024:,.0f} KB "
                    f"({decoded / 1024:,.0f} KB decoded)"
                )
                panel, frame = [], []
                code: str | None = None
                for _ in range(args.paints):
                    found = fresh.evaluate("c => window.gzEditor.borderUnit(c)", code)
                    if found is None:
                        break
                    code = found[0]
                    ms, framed = fresh.evaluate(_NEXT_FRAME, found)
                    panel.append(ms)
                    frame.append(framed)
                p50, p95 = np.percentile(panel, [50, 95])
                f50, f95 = np.percentile(frame, [50, 95])
                verdict = "met" if p95 < 100 else "MISSED"
                print(
                    f"  {len(panel)} paints: panel updated p50 {p50:.1f} ms, p95 {p95:.1f} ms "
                    f"(target under 100 ms: {verdict}); next frame drawn p50 {f50:.1f} ms, "
                    f"p95 {f95:.1f} ms"
                )
                fresh.close()
            browser.close()
        httpd.shutdown()


if __name__ == "__main__":
    main()
