"""Time the web service under gunicorn (2 workers) on loopback.

* ``GET /api/v1/lookup`` for a Norwich postcode, asked again and again by a
  small pool of threads with keep-alive sessions, then for postcodes never
  asked before (each a fresh classification). Targets for both: p50 under
  10 ms, p99 under 50 ms, 300 requests a second or more. The default load is
  one client per gunicorn worker (2), so latency is service time; the fresh
  postcodes are then asked again by twice as many clients, for information:
  there the latency includes queueing behind the other clients, and the load
  generator shares the machine's 2 cores with the server.
* ``POST /api/v1/batch`` of a 10,000-row CSV (target: under 5 s).

gunicorn is started on a free 127.0.0.1 port and stopped at the end; every
request loop is bounded.

Usage: python benchmarks/web.py [--build DIR] [--requests N] [--threads N] [--rows N]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

from geozones._settings import build_dir
from geozones.regions.data import load_region

SCHEME = "norfolk-2019"
POSTCODE = "NR1 3QU"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(build: Path, instance: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "GEOZONES_BUILD": str(build),
        "GEOZONES_INSTANCE": str(instance),
        "GEOZONES_REGIONS": "norfolk",
    }
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning", "app:app",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent, env=env)


def wait_until_up(base: str, server: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            if requests.get(f"{base}/healthz", timeout=5).ok:
                return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout_s:.0f} s")


def run(base: str, queries: list[str], threads: int) -> tuple[np.ndarray, float]:
    """Ask ``queries`` from ``threads`` threads, one keep-alive session each.

    Returns per-request latencies (seconds) and the wall time.
    """
    local = threading.local()

    def ask(query: str) -> float:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        t = time.perf_counter()
        response = local.session.get(
            f"{base}/api/v1/lookup", params={"q": query, "scheme": SCHEME}, timeout=30
        )
        elapsed = time.perf_counter() - t
        response.raise_for_status()
        return elapsed

    t = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = np.array(list(pool.map(ask, queries)))
    return latencies, time.perf_counter() - t


def report(label: str, latencies: np.ndarray, wall: float, targets: bool) -> None:
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    rate = len(latencies) / wall
    print(f"{label}: {len(latencies):,} requests in {wall:.2f} s: {rate:,.0f} a second, "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms")  # fmt: skip
    if targets:
        verdict = "met" if p50 < 10 and p99 < 50 and rate >= 300 else "MISSED"
        print(f"  targets p50 < 10 ms, p99 < 50 ms, >= 300 a second: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, default=None)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    build = build_dir(args.build).resolve()
    region = load_region("norfolk", build)
    postcodes = region.postcodes.loc[region.postcodes["in_region"], "postcode"].to_numpy()
    rng = np.random.default_rng(0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as instance:
        server = start_gunicorn(build, Path(instance), port)
        try:
            t = time.perf_counter()
            wait_until_up(base, server)
            run(base, [POSTCODE] * 40, args.threads)
            print(f"gunicorn (2 workers) up and both warmed in {time.perf_counter() - t:.1f} s")

            latencies, wall = run(base, [POSTCODE] * args.requests, args.threads)
            print(f"load: {args.threads} keep-alive clients against 2 sync workers")
            report(f"GET /lookup {POSTCODE} (answer cached)", latencies, wall, targets=True)

            fresh = [str(p) for p in rng.choice(postcodes, size=min(2000, args.requests))]
            latencies, wall = run(base, fresh, args.threads)
            report("GET /lookup, postcodes not asked before", latencies, wall, targets=True)
            again = [str(p) for p in rng.choice(postcodes, size=min(2000, args.requests))]
            latencies, wall = run(base, again, 2 * args.threads)
            report(f"  the same with {2 * args.threads} clients", latencies, wall, targets=False)

            rows = rng.choice(postcodes, size=args.rows)
            hours = rng.integers(1, 40, size=args.rows)
            body = "package_id,address,weekly_hours\n" + "".join(
                f"P{i},{pc},{h}\n" for i, (pc, h) in enumerate(zip(rows, hours, strict=True))
            )
            t = time.perf_counter()
            response = requests.post(
                f"{base}/api/v1/batch",
                files={"file": ("packages.csv", body.encode(), "text/csv")},
                data={"scheme": SCHEME},
                timeout=120,
            )
            elapsed = time.perf_counter() - t
            response.raise_for_status()
            lines = response.content.decode("utf-8-sig").count("\n") - 1
            verdict = "met" if elapsed < 5 and lines == args.rows else "MISSED"
            print(
                f"POST /batch: {args.rows:,}-row CSV ({len(body) / 1e6:.2f} MB) classified and "
                f"returned ({lines:,} rows) in {elapsed:.2f} s; target under 5 s: {verdict}"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
