"""Check that .ci/min-versions.txt pins every runtime dependency to its lower bound.

``make test-min`` installs with that file as pip constraints; this keeps the two in step:
each ``[project] dependencies`` entry must have a ``>=`` lower bound, and the file must pin
exactly those packages, each with ``==`` that version. It may also pin entries of the
``test`` extra (the notebooks' runners), each likewise to its ``>=`` lower bound; any other
pin is an error. Standard library only.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([0-9][0-9a-zA-Z.]*)\s*$")
LOWER = re.compile(r">=\s*([0-9][0-9a-zA-Z.]*)")
NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def norm(name: str) -> str:
    """The PEP 503 normalised name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def release(version: str) -> tuple[int, ...]:
    """The release numbers of a plain version, trailing zeros dropped (2.0 == 2.0.0)."""
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def lower_bounds(specs: list[str], problems: list[str]) -> dict[str, str]:
    """Normalised name -> ``>=`` version of each spec; a spec without one is a problem."""
    lower: dict[str, str] = {}
    for spec in specs:
        name = NAME.match(spec)
        bound = LOWER.search(spec)
        if not name or not bound:
            problems.append(f"pyproject.toml: {spec!r} has no >= lower bound")
            continue
        lower[norm(name.group(1))] = bound.group(1)
    return lower


def main() -> int:
    """Print each mismatch; return 1 if there is one."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    problems: list[str] = []
    lower = lower_bounds(project["dependencies"], problems)
    extras = project.get("optional-dependencies", {})
    test = {
        name: bound
        for name, bound in lower_bounds(extras.get("test", []), problems).items()
        if name not in lower
    }
    pins: dict[str, str] = {}
    path = ROOT / ".ci" / "min-versions.txt"
    for number, line in enumerate(path.read_text().splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        match = PIN.match(text)
        if not match:
            problems.append(f"{path.name}:{number}: {line!r} is not NAME==VERSION")
            continue
        pins[norm(match.group(1))] = match.group(2)
    for name, bound in sorted(lower.items()):
        if name not in pins:
            problems.append(f"{path.name}: {name} is not pinned (pyproject.toml: >={bound})")
    for name, bound in sorted((lower | test).items()):
        if name in pins and release(pins[name]) != release(bound):
            problems.append(
                f"{path.name}: {name}=={pins[name]} but pyproject.toml allows >={bound}"
            )
    problems += [
        f"{path.name}: {name} is neither a runtime dependency nor in the test extra"
        for name in sorted(pins.keys() - lower.keys() - test.keys())
    ]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(
            f"{path.name}: all {len(lower)} runtime dependencies and {len(pins) - len(lower)} "
            "of the test extra pinned to their lower bounds"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
