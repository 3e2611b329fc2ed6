import numpy as np

from geozones.regions.postcodes import normalise


def test_index_holds_every_codepoint_postcode_with_coordinates(gb_index):
    # 1,745,849 postcodes in Code-Point Open 2025.4, 836 of them without coordinates.
    assert len(gb_index) == 1_745_849 - 836


def test_lookup_ignores_case_and_spacing(gb_index):
    rows = gb_index.find(normalise(["nr1 3qu", "NR13QU", " Nr1  3Qu "]))
    assert (rows >= 0).all() and len(set(rows)) == 1


def test_terminated_postcode_is_placed_at_its_output_area(gb_index):
    # AB1 0AA was terminated in June 1996 (ONS lookup, doterm 199606).
    row = gb_index.find_terminated(normalise(["AB1 0AA"]))[0]
    assert row >= 0
    assert gb_index.terminated_month[row] == b"199606"
    assert gb_index.terminated_basis[row] == b"oa"
    assert np.isfinite(gb_index.terminated_xy[row]).all()


def test_unknown_postcode_falls_back_to_sector_and_district(gb_index):
    keys = normalise(["NR1 3ZZ", "NR1 9ZZ"])
    assert (gb_index.find(keys) == -1).all()
    assert gb_index.find_sector(keys)[0] >= 0
    assert (gb_index.find_district(keys) >= 0).all()
