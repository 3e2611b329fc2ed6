"""The worked examples in notebooks/ run against a build and print what they promise."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.mark.parametrize(
    ("notebook", "regions", "expected"),
    [
        ("norfolk_price_bands.py", ["norfolk"], ["CENTRAL NORWICH PCN", "Band 1", "Total"]),
        ("herefordshire_rates_2016_vs_2017.py", ["herefordshire"],
         ["Rural", "D-pathway blended rate 2017: 13.70"]),
    ],
)  # fmt: skip
def test_notebook_runs(notebook, regions, expected, request, build_root, source, instance):
    for region in regions:
        request.getfixturevalue(region)
    env = {**os.environ, "GEOZONES_BUILD": str(build_root), "GEOZONES_SOURCE": str(source),
           "GEOZONES_INSTANCE": str(instance)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, str(NOTEBOOKS / notebook)], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    for text in expected:
        assert text in done.stdout
