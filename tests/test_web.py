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
    response = create_app({"BUILD_DIR": str(tmp_path)}).test_client().get("/healthz")
    assert response.get_json() == {"status": "ok"}
