import pytest

from geozones._errors import BuildMissingError, NotFoundError
from geozones.regions.data import RegionData, load_region


def test_missing_build_names_the_region_and_the_command(tmp_path):
    with pytest.raises(BuildMissingError) as err:
        load_region("herefordshire", tmp_path)
    assert "region herefordshire has not been built" in str(err.value)
    assert "geozones data build --region herefordshire" in str(err.value)


def test_unknown_region_lists_the_known_ones(tmp_path):
    known = "unknown region 'nowhere'; known regions: herefordshire, hertfordshire, "
    with pytest.raises(NotFoundError, match=known):
        load_region("nowhere", tmp_path)


def test_layers_load_lazily_and_are_cached(rutland, build_root):
    assert load_region("rutland", build_root) is load_region("rutland", build_root)
    region = RegionData(rutland.spec, rutland.path)
    assert "units" not in vars(region)
    units = region.units
    assert "units" in vars(region) and region.units is units
    assert set(region.layer_names()) >= {"boundary", "units", "gp_practices", "roads"}


def test_package_level_entry_points(rutland, build_root, capsys):
    import geozones

    assert geozones.load_region("rutland", build_root).name == "rutland"
    answer = geozones.classify("LE15 6NT", "rutland-demo", build_root)
    assert isinstance(answer, geozones.Answer) and answer.band == "Band 1"
    geozones.show_versions()
    out = capsys.readouterr().out
    assert "geozones  0.1.0" in out and "shapely" in out
