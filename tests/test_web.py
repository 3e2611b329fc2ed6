import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geozones._errors import InputError
from geozones.web import DEFAULT_MAX_UPLOAD_MB, create_app

#: The session-signing key the environment gives (a test value).
SIGNING_KEY = "not-so-secret"


def test_home_page_serves_regions_and_attribution(tmp_path):
    app = create_app({"BUILD_DIR": str(tmp_path), "INSTANCE_DIR": str(tmp_path), "TESTING": True})
    page = app.test_client().get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Norfolk" in html and "geozones data build --region norfolk" in html
    assert "OpenStreetMap contributors" in html and "Royal Mail" in html


def test_configuration_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GEOZONES_BUILD", str(tmp_path / "build"))
    monkeypatch.setenv("GEOZONES_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("GEOZONES_REGIONS", "rutland, norfolk")
    monkeypatch.setenv("GEOZONES_SECRET_KEY", SIGNING_KEY)
    monkeypatch.setenv("GEOZONES_TILES", "https://tiles.example/{z}/{x}/{y}.png")
    monkeypatch.setenv("GEOZONES_MAX_UPLOAD_MB", "2.5")
    config = create_app().config
    assert config["BUILD_DIR"] == str(tmp_path / "build")
    assert config["INSTANCE_DIR"] == str(tmp_path / "instance")
    assert config["REGIONS"] == ["rutland", "norfolk"]
    assert config["SECRET_KEY"] == SIGNING_KEY
    assert config["TILES"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert config["MAX_CONTENT_LENGTH"] == int(2.5 * 1024 * 1024)
    assert create_app({"MAX_UPLOAD_MB": 1}).config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_defaults_serve_every_built_region_without_tiles(monkeypatch, tmp_path):
    for name in ("GEOZONES_REGIONS", "GEOZONES_TILES", "GEOZONES_MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"BUILD_DIR": str(tmp_path)})
    assert app.config["REGIONS"] is None and app.config["TILES"] is None
    assert app.config["MAX_UPLOAD_MB"] == DEFAULT_MAX_UPLOAD_MB
    (tmp_path / "rutland").mkdir()
    (tmp_path / "rutland" / "region.gpkg").touch()
    assert [spec.name for spec in app.extensions["geozones"].regions()] == ["rutland"]


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"REGIONS": ["norfolk", "atlantis"]}, "GEOZONES_REGIONS: unknown region(s) atlantis"),
        ({"MAX_UPLOAD_MB": "lots"}, "GEOZONES_MAX_UPLOAD_MB"),
        ({"MAX_UPLOAD_MB": 0}, "above 0"),
    ],
)
def test_bad_configuration_is_refused_at_start(config, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        create_app(config)


def test_health_check(tmp_path):
    app = create_app({"BUILD_DIR": str(tmp_path / "build"), "INSTANCE_DIR": str(tmp_path / "i")})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert [c["name"] for c in body["checks"]] == ["instance folder", "plan store", "accounts"]


def _copy_build(rutland, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(rutland.path, build / "rutland")
    return build


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda f: (f / "build.json").unlink(), "build.json is missing; rebuild it: "),
        (lambda f: (f / "build.json").write_text("{trunc"), "build.json cannot be read ("),
        (lambda f: (f / "region.gpkg").write_bytes(b"SQLite format 3\0 truncated"),
         "region.gpkg cannot be read ("),
    ],
)  # fmt: skip
def test_a_damaged_build_fails_the_health_check_naming_the_file_and_the_fix(
    rutland, tmp_path, damage, words
):
    build = _copy_build(rutland, tmp_path)
    damage(build / "rutland")
    app = create_app(
        {"BUILD_DIR": str(build), "INSTANCE_DIR": str(tmp_path / "i"), "REGIONS": ["rutland"]}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "failing"
    region = body["checks"][0]
    assert region["name"] == "region rutland" and not region["ok"]
    assert words in region["detail"]
    assert f"geozones data build --region rutland --out {build}" in region["detail"]


def test_a_healthy_build_and_a_broken_plan_store(rutland, tmp_path):
    build = _copy_build(rutland, tmp_path)
    (tmp_path / "i").mkdir()
    (tmp_path / "i" / "zones.sqlite").write_bytes(b"not a database at all, " * 100)
    app = create_app(
        {"BUILD_DIR": str(build), "INSTANCE_DIR": str(tmp_path / "i"), "REGIONS": ["rutland"]}
    )
    body = app.test_client().get("/healthz").get_json()
    checks = {c["name"]: c for c in body["checks"]}
    assert checks["region rutland"]["ok"] and checks["region rutland"]["detail"].startswith(
        "built "
    )
    assert not checks["plan store"]["ok"] and "cannot be read" in checks["plan store"]["detail"]
    assert body["status"] == "failing"


def test_gunicorn_reads_its_settings_and_the_app(tmp_path):
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "GEOZONES_BUILD": str(tmp_path), "GEOZONES_INSTANCE": str(tmp_path)}
    checked = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--print-config", "app:app"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    lines = (line.partition("=") for line in checked.stdout.splitlines())
    settings = {key.strip(): value.strip() for key, _, value in lines}
    assert settings["worker_class"] == "gthread" and settings["timeout"] == "60"
    assert settings["limit_request_line"] == "8190" and settings["limit_request_fields"] == "100"
