"""Every command the README shows runs as written, against the session's build.

The README's ``sh`` blocks are read in order. ``.venv/bin/geozones`` commands
run through the CLI's entry point and ``curl`` examples through the app's test
client, from a working directory beside a ``../shared`` link, so relative paths
resolve as they do in a checkout. Commands that start a long-running process or
the whole suite (``make``, ``gunicorn``, the benchmarks) are not run here: CI
runs ``make lint`` and ``make test`` itself, and the benchmarks are not tests.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
#: The README's example build folder, kept inside the test's own folder here.
README_OUT = "/tmp/geozones-build"  # noqa: S108
#: Commands not run here, by their first word, and why.
NOT_RUN = {
    "make": "runs the app or the suite itself",
    ".venv/bin/gunicorn": "a server that runs until stopped",
    ".venv/bin/python": "benchmarks, run by make bench",
    ".venv/bin/jupyter": "notebooks, run by test_notebooks",
}


def readme_commands() -> list[list[str]]:
    """Every command of the README's ``sh`` blocks, as argument lists, in order."""
    blocks = re.findall(
        r"^```sh\n(.*?)^```", README.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL
    )
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(words)
    return commands


def test_the_readme_starts_with_make_run_and_make_test():
    assert [c[:2] for c in readme_commands()[:2]] == [["make", "run"], ["make", "test"]]


def test_every_command_is_either_run_or_named_as_not_run():
    for words in readme_commands():
        assert words[0] in ("curl", ".venv/bin/geozones", *NOT_RUN), words


@pytest.fixture
def checkout(tmp_path, source, build_root, norfolk, herefordshire, hertfordshire, rutland,
             circuity_measured, monkeypatch):  # fmt: skip
    """A working directory like a checkout's: ``../shared`` beside it, its own build and plans."""
    (tmp_path / "shared").symlink_to(source.parent)
    work = tmp_path / "checkout"
    work.mkdir()
    build = tmp_path / "build"
    shutil.copytree(build_root, build, copy_function=os.link, ignore=shutil.ignore_patterns(".*"))
    for path in build.rglob("*.json"):  # rewritten in place by a build: never share them
        data = path.read_bytes()
        path.unlink()
        path.write_bytes(data)
    other = tmp_path / "other-build"  # the README's --out example: its postcode index is built
    other.mkdir()
    for name in ("gb_postcodes.npz", "gb_postcodes.json"):
        shutil.copy2(build_root / name, other / name)
    monkeypatch.chdir(work)
    monkeypatch.setenv("GEOZONES_BUILD", str(build))
    monkeypatch.setenv("GEOZONES_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("GEOZONES_SOURCE", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    return work


def _curl(client, words: list[str], work: Path) -> None:
    """Run a README ``curl`` example (GET, or -F form fields with -o FILE) on the test client."""
    url = next(w for w in words if w.startswith("http"))
    path = url.split("127.0.0.1:5000", 1)[1]
    fields = [words[i + 1] for i, w in enumerate(words) if w == "-F"]
    if not fields:
        response = client.get(path)
    else:
        data = {}
        for field in fields:
            key, value = field.split("=", 1)
            data[key] = (work / value[1:]).open("rb") if value.startswith("@") else value
        response = client.post(path, data=data)
    assert response.status_code == 200, (words, response.get_data(as_text=True)[:500])
    if "-o" in words:
        (work / words[words.index("-o") + 1]).write_bytes(response.get_data())


#: What the README's prompting commands are answered, by their first two arguments.
ANSWERS = {("users", "add"): "a README password\na README password\n"}


def test_every_readme_command_runs_as_written(checkout, run_cli, monkeypatch):
    from geozones.web import create_app

    outcomes = {}
    client = None
    for words in readme_commands():
        if words[0] in NOT_RUN:
            continue
        if words[0] == "curl":
            client = client or create_app({"TESTING": True}).test_client()
            _curl(client, words, checkout)
            continue
        args = [w.replace(README_OUT, str(checkout.parent / "other-build"))
                for w in words[1:]]  # fmt: skip
        monkeypatch.setattr("sys.stdin", io.StringIO(ANSWERS.get(tuple(args[:2]), "")))
        code, out, err = run_cli(*args)
        assert code == 0, (words, err)
        outcomes[" ".join(words[1:3])] = out
    assert "Band 1" in outcomes["lookup NR1 3QU"]
    assert (checkout / "classified.csv").exists() and (checkout / "lots.geojson").exists()
