"""The worked examples in notebooks/ run against the session build and show what they promise."""

import os
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
#: Seconds one cell may run before the notebook fails (each notebook takes seconds in all).
CELL_TIMEOUT_S = 120
#: Jupyter's inline matplotlib backend: it draws with Agg (no display) and shows the PNG.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

#: Each notebook, the regions it reads and text a reader checks in what it shows.
CASES = {
    "norfolk_bands_and_prices.ipynb": (
        ["norfolk"],
        [
            "Central Belt: Norwich, South Norfolk and North Norfolk CCG areas (April 2019)",
            "CENTRAL NORWICH PCN",
            "Band 1",
            "Spot rate (outside the Central Belt)",
            "Price bands",  # the map's layers
        ],
    ),
    "herefordshire_four_mile_rule.ipynb": (
        ["herefordshire"],
        [
            "D-pathway blended rate 2017: 13.70 (70% at £12.80 + 30% at £15.80)",
            (
                "RUC 2011: of the 55,942 people the four-mile rule calls rural, 96% live in "
                "LSOAs RUC 2011 calls rural; of the 100,531 people RUC 2011 calls rural, the "
                "rule calls 54% rural"
            ),
            "Rural village and dispersed",
            "Four miles from a centre",
        ],
    ),
    "hertfordshire_lots_and_calls.ipynb": (
        ["hertfordshire"],
        [
            "Hertfordshire: 20:59 call, 40% of £21.92 = £8.77",
            "Hertfordshire: 21-minute call, 60% of £21.92 = £13.15",
            "Hertfordshire: 60:01 call, pro rata 60:01 of 60 minutes x £21.92 = £21.93",
            "East & North Herts Rural",
            "Lot areas",
        ],
    ),
    "nottinghamshire_areas_and_minimum.ipynb": (
        ["nottinghamshire"],
        [
            "South Nottinghamshire: Broxtowe, Gedling, Rushcliffe",
            "11 hard-to-cover areas: 127 LSOAs, 53,898 residents aged 65+",
            "MANSFIELD NORTH CDG",
            "15-minute visit: £7.78",
            "45-minute visit: £11.67",
            "extra: £0.00 a year",
            "the cost of 3,461 15-minute visits a week",
            "Core provider areas",  # the map's layers
        ],
    ),
}


def execute(notebook: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    """Run every cell of ``notebook`` in a fresh kernel started in notebooks/, as Jupyter does."""
    nb = nbformat.read(notebook, as_version=4)
    # ipykernel's own kernel spec runs this interpreter (the venv's), whatever else is installed
    kernel = KernelManager(
        kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[])
    )
    client = NotebookClient(
        nb, km=kernel, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute(env=env)
    return nb


def outputs(nb: nbformat.NotebookNode, mime: str) -> list[str]:
    """Every output of ``nb`` of one kind: printed text (``stream``) or a display's MIME type."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if mime == "stream" and output.output_type == "stream":
                found.append(output.text)
            elif mime in output.get("data", {}):
                found.append(output.data[mime])
    return found


@pytest.mark.parametrize(("notebook", "regions", "expected"), [(n, *c) for n, c in CASES.items()])
def test_notebook_runs(notebook, regions, expected, request, build_root, source, instance):
    for region in regions:
        request.getfixturevalue(region)
    env = {**os.environ, "GEOZONES_BUILD": str(build_root), "GEOZONES_SOURCE": str(source),
           "GEOZONES_INSTANCE": str(instance), "MPLBACKEND": INLINE_BACKEND}  # fmt: skip
    nb = execute(NOTEBOOKS / notebook, env)
    shown = "\n".join(outputs(nb, "stream") + outputs(nb, "text/plain") + outputs(nb, "text/html"))
    for text in expected:
        assert text in shown
    assert outputs(nb, "image/png"), f"{notebook} draws no chart"
    assert any("leaflet" in html for html in outputs(nb, "text/html")), f"{notebook} shows no map"


def test_every_notebook_is_run():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(CASES)


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(notebook):
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert "widgets" not in nb.metadata
