#!/usr/bin/env bash
# The wheel check (`make check-wheel`): build the wheel, check that it holds the package data,
# install it (not editable) into a fresh venv outside the checkout, then, from a working
# directory outside the checkout, build regions with that install and look postcodes up.
#
# Environment: PYTHON (default python3), GEOZONES_SOURCE (default ../shared/data beside the
# checkout), WHEEL_REGIONS (default "rutland norfolk"), KEEP_TMP=1 keeps the temp folder.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
source_arg=${GEOZONES_SOURCE:-$repo/../shared/data}
[ -d "$source_arg" ] || { echo "check-wheel: no source folder at $source_arg" >&2; exit 1; }
source_dir=$(cd "$source_arg" && pwd)
regions=${WHEEL_REGIONS:-rutland norfolk}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/geozones-wheel.XXXXXX")
cleanup() { if [ -z "${KEEP_TMP:-}" ]; then rm -rf "$tmp"; else echo "check-wheel: kept $tmp"; fi; }
trap cleanup EXIT
venv=$tmp/venv
build=$tmp/build
work=$tmp/work
mkdir -p "$work"

fail() { echo "check-wheel: FAILED: $*" >&2; exit 1; }
step() { echo "-- check-wheel: $*"; }
# The installed command, run outside the checkout, with no build or source folder from the
# environment: only the arguments given say where the data is.
gz() { (cd "$work" && env -u GEOZONES_BUILD -u GEOZONES_SOURCE "$venv/bin/geozones" "$@"); }

step "fresh venv at $venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip

step "build the wheel (pip wheel, isolated build with hatchling)"
"$venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$tmp/dist" "$repo"
wheels=("$tmp"/dist/geozones-*.whl)
[ "${#wheels[@]}" -eq 1 ] && [ -f "${wheels[0]}" ] || fail "expected one geozones wheel in $tmp/dist"
wheel=${wheels[0]}
echo "   $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

step "package data in the wheel"
"$venv/bin/python" - "$wheel" "$repo" <<'PY'
import sys
import zipfile
from pathlib import Path

wheel, repo = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(wheel) as zf:
    names = set(zf.namelist())
    problems = []

    def need(pattern, why):
        if not any(Path(n).match(pattern) for n in names):
            problems.append(f"no {pattern} in the wheel ({why})")

    need("geozones/py.typed", "PEP 561 marker")
    need("geozones/sources/sources.toml", "the source manifest, a symlink to data/boundaries/")
    need("geozones/schemes/*.toml", "the councils' schemes")
    need("geozones/zones/rules/*.toml", "the zone rules")
    need("geozones/web/templates/*.html", "the web app's templates")
    need(
        "geozones/web/static/vendor/*/*",
        "front-end files: run `make assets` first; hatch `artifacts` names them",
    )
    # sources.toml must be the manifest itself, not a dangling link.
    manifest = repo / "data" / "boundaries" / "sources.toml"
    if "geozones/sources/sources.toml" in names and manifest.exists():
        if zf.read("geozones/sources/sources.toml") != manifest.read_bytes():
            problems.append("geozones/sources/sources.toml in the wheel differs from " + str(manifest))
    # Every file of the package in the checkout (the vendor files included) is in the wheel.
    package = repo / "geozones"
    expected = {
        p.relative_to(repo).as_posix()
        for p in package.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.suffix != ".pyc"
        and not p.name.startswith(".")
    }
    missing = sorted(expected - names)
    problems += [f"{name} is in the checkout but not in the wheel" for name in missing]
if problems:
    sys.exit("check-wheel: FAILED:\n  " + "\n  ".join(problems))
data = [n for n in names if n.startswith("geozones/") and not n.endswith(".py")]
print(f"   {len(names)} files, {len(data)} of them package data; all {len(expected)} of the checkout's")
PY

step "pip install the wheel (not editable) and its dependencies"
"$venv/bin/pip" install --quiet "$wheel"
(cd "$work" && "$venv/bin/python" - "$venv" "$repo" <<'PY'
import sys
from pathlib import Path

import geozones
from geozones.web import assets

venv, repo = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
where = Path(geozones.__file__).resolve()
if venv not in where.parents or repo in where.parents:
    sys.exit(f"check-wheel: FAILED: geozones imports from {where}, not from the venv {venv}")
if missing := assets.missing():
    sys.exit(f"check-wheel: FAILED: the installed package lacks vendor files {missing}")
print(f"   imports from {where.parent}; vendor files present")
PY
) || exit 1

# shellcheck disable=SC2086  # one --region per word of $regions
region_args=$(printf -- '--region %s ' $regions)
step "geozones data build $region_args--source $source_dir --out $build (from $work)"
start=$SECONDS
# shellcheck disable=SC2086
gz data build $region_args --source "$source_dir" --out "$build" | tail -n 3
echo "   built in $((SECONDS - start)) s"

# Check that one lookup's answer names a band: `lookup POSTCODE SCHEME --build|GEOZONES_BUILD`.
lookup() {
  local postcode=$1 scheme=$2 how=$3 out
  step "geozones lookup \"$postcode\" --scheme $scheme $how"
  if [ "$how" = "--build" ]; then
    out=$(gz lookup "$postcode" --scheme "$scheme" --build "$build") || fail "lookup exited $?"
  else
    out=$(cd "$work" && env -u GEOZONES_SOURCE GEOZONES_BUILD="$build" \
      "$venv/bin/geozones" lookup "$postcode" --scheme "$scheme") || fail "lookup exited $?"
  fi
  printf '%s\n' "$out" | sed 's/^/   /'
  printf '%s\n' "$out" | grep -Eq '^band: +Band [0-9A-Z]+' \
    || fail "the answer for $postcode under $scheme names no band"
}
for region in $regions; do
  case $region in
    rutland) lookup "LE15 6NT" rutland-demo --build; lookup "LE15 6NT" rutland-demo GEOZONES_BUILD ;;
    norfolk) lookup "NR1 3QU" norfolk-2019 --build; lookup "NR1 3QU" norfolk-2019 GEOZONES_BUILD ;;
  esac
done
echo "check-wheel: ok"
