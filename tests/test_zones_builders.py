import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from geozones._errors import InputError, NotFoundError
from geozones.schemes.bands import band_index
from geozones.schemes.scheme import get_scheme
from geozones.zones.builders import (
    band_colours,
    band_labels,
    band_plan,
    band_polygons,
    district_plan,
    lot_plan,
    pcn_members,
    pcn_plan,
    pcn_zone_plan,
)
from geozones.zones.rules import rules_for
from geozones.zones.units import load_units

HERTS = "hertfordshire-2022"


@pytest.fixture(scope="module")
def herts_lots(hertfordshire):
    return lot_plan(hertfordshire, get_scheme(HERTS))


def test_lot_plan_has_the_schemes_14_lots_from_wards(herts_lots, hertfordshire):
    assert herts_lots.unit_layer == "wards"
    assert herts_lots.zones == get_scheme(HERTS).zone_layer("lot-areas").names
    assert len(herts_lots.zones) == 14
    check = herts_lots.check()
    assert check.ok and not check.empty_zones
    assert len(herts_lots.assignment) == len(hertfordshire.wards) == 186
    assert "hertfordshire-2022.toml [lot-areas]" in herts_lots.method


def test_rural_lots_hold_the_low_density_wards_of_their_districts(herts_lots, hertfordshire):
    wards = load_units(hertfordshire, "wards").frame
    density = wards["population"] / wards["area_km2"]
    zone = herts_lots.assignment.reindex(wards.index)
    rural = zone.isin(["Dacorum Rural", "East & North Herts Rural"])
    assert (density[rural] < 400).all()
    dacorum = wards["district_name"] == "Dacorum"
    assert (zone[dacorum & (density < 400)] == "Dacorum Rural").all()
    assert set(wards.loc[zone == "East & North Herts Rural", "district_name"]) == {
        "East Hertfordshire",
        "North Hertfordshire",
    }
    assert rural.sum() == 7 + 14 + 7  # Dacorum, East Herts, North Herts


@pytest.mark.parametrize("district", ["Wel Hat", "Broxbourne"])
def test_halves_are_contiguous_balanced_and_north_first(herts_lots, district):
    first, second = f"{district} 1", f"{district} 2"
    summary = herts_lots.summary(total=False).set_index("zone")
    a, b = summary.loc[first, "population"], summary.loc[second, "population"]
    assert abs(a - b) / (a + b) < 0.05
    assert not set(herts_lots.check().islands["zone"]) & {first, second}
    zones = herts_lots.geometry().set_index("zone").geometry
    assert zones[first].centroid.y > zones[second].centroid.y


def test_lot_rules_are_needed_and_the_scheme_must_match_the_region(herefordshire, hertfordshire):
    with pytest.raises(
        NotFoundError, match="no zone rules of kind 'lots' for scheme herefordshire"
    ):
        lot_plan(herefordshire, get_scheme("herefordshire-2017"))
    with pytest.raises(InputError, match="is for region hertfordshire, not herefordshire"):
        district_plan(herefordshire, get_scheme(HERTS))


def test_plain_district_plan_names_zones_after_districts(herefordshire):
    plan = district_plan(herefordshire)
    assert plan.zones == ("Herefordshire, County of",)
    assert plan.check().ok and plan.check().contiguous


@pytest.fixture(scope="module")
def norfolk_pcns(norfolk):
    return pcn_plan(norfolk)


def test_norfolk_pcn_plan_has_a_zone_per_pcn_nearest_some_lsoa(norfolk_pcns, norfolk):
    members = pcn_members(norfolk)
    assert (members["icb"] == "QMM").all() and members["pcn_code"].notna().all()
    assert members["pcn_name"].nunique() == 20  # 18 PCNs in Norfolk, 2 in Waveney
    in_norfolk = set(members.loc[members["in_region"], "pcn_name"])
    waveney = set(members["pcn_name"]) - in_norfolk
    assert waveney == {"LOWESTOFT PCN", "SOUTH WAVENEY PCN"}
    zones = set(norfolk_pcns.zones)
    assert in_norfolk <= zones <= in_norfolk | waveney
    idle = sorted(set(members["pcn_name"]) - zones)
    assert norfolk_pcns.notes == (
        f"PCNs with member practices but no LSOA nearest them: {', '.join(idle)}" if idle else ""
    )
    by_road = "road distance" in norfolk_pcns.method
    assert by_road == (norfolk.network is not None)


def test_norfolk_pcn_zones_are_contiguous_or_their_islands_listed(norfolk_pcns):
    check = norfolk_pcns.check()
    assert check.ok and not check.empty_zones
    pieces = norfolk_pcns.geometry().set_index("zone").geometry
    broken = {zone for zone, shape in pieces.items() if len(shapely.get_parts(shape)) > 1}
    assert set(check.islands["zone"]) <= set(norfolk_pcns.zones)
    # an island is a set of the zone's units more than 1 m from the rest of it,
    # so a zone with one is drawn in more than one polygon
    for row in check.islands.itertuples():
        assert set(norfolk_pcns.assignment[list(row.units)]) == {row.zone}
    assert set(check.islands["zone"]) <= broken


def test_straight_line_pcn_plan_uses_the_nearest_member(norfolk):
    plan = pcn_plan(norfolk, method="straight-line")
    assert "straight-line" in plan.method
    members = pcn_members(norfolk)
    layer = load_units(norfolk, "units")
    tree = cKDTree(shapely.get_coordinates(members.geometry.to_numpy()))
    nearest = members["pcn_name"].to_numpy()[tree.query(layer.points)[1]]
    assert (plan.assignment.reindex(layer.codes).to_numpy() == nearest).all()


NOTTS = "nottinghamshire-2017"
#: Nottinghamshire's hard-to-cover areas by the rule file: LSOAs and residents aged 65+.
HARD_TO_COVER = {
    "Bassetlaw rural 1": (14, 5693),
    "Bassetlaw rural 2": (14, 6016),
    "Gedling rural": (13, 6032),
    "Mansfield rural": (8, 2492),
    "Newark and Sherwood rural 1": (11, 4479),
    "Newark and Sherwood rural 2": (9, 4296),
    "Newark and Sherwood rural 3": (11, 4238),
    "Newark and Sherwood rural 4": (9, 4030),
    "Rushcliffe rural 1": (12, 5195),
    "Rushcliffe rural 2": (12, 5123),
    "Rushcliffe rural 3": (14, 6304),
}
CORE = ("Bassetlaw", "Mansfield & Ashfield", "Newark & Sherwood", "South Nottinghamshire")


@pytest.fixture(scope="module")
def notts_lots(nottinghamshire):
    return lot_plan(nottinghamshire, get_scheme(NOTTS))


def test_nottinghamshire_core_areas_are_four_contiguous_district_groups(nottinghamshire):
    plan = district_plan(nottinghamshire, get_scheme(NOTTS))
    assert plan.name == "nottinghamshire-core-areas" and plan.zones == CORE
    assert plan.check().ok and plan.check().contiguous
    summary = plan.summary(total=False).set_index("zone")
    assert summary["units"].to_dict() == {
        "Bassetlaw": 70,
        "Mansfield & Ashfield": 141,
        "Newark & Sherwood": 70,
        "South Nottinghamshire": 216,
    }


def test_hard_to_cover_areas_are_the_rural_groups_with_enough_people_65_plus(
    notts_lots, nottinghamshire
):
    assert notts_lots.zones == CORE + tuple(HARD_TO_COVER)
    assert notts_lots.check().ok
    summary = notts_lots.summary(total=False).set_index("zone")
    areas = list(HARD_TO_COVER)
    found = summary.loc[areas, ["units", "age65"]].astype(int)
    assert dict(zip(areas, map(tuple, found.to_numpy()), strict=True)) == HARD_TO_COVER
    assert summary.loc[areas, "units"].sum() == 127 and summary.loc[areas, "age65"].sum() == 53898
    # every unit split out is rural (RUC 2011 class D or E) and stays in its core area's districts
    units = nottinghamshire.units.set_index("code")
    lot = notts_lots.assignment.reindex(units.index)
    split = lot.isin(areas)
    assert units.loc[split, "ruc11"].str[0].isin(["D", "E"]).all()
    assert units.loc[split, "rural11"].all()
    # of the 129 rural LSOAs, the two alone (under 1,000 people 65+) stay in their core areas
    left = units.index[units["rural11"].astype(bool) & ~split]
    assert sorted(left) == ["E01028056", "E01028254"]  # Bassetlaw 009B (264), Mansfield 012A (351)
    assert lot[left].tolist() == ["Bassetlaw", "Mansfield & Ashfield"]
    warsop = ["E01028223", "E01028224", "E01028225", "E01028226",
              "E01028257", "E01028258", "E01028259", "E01028260"]  # fmt: skip
    assert sorted(lot.index[lot == "Mansfield rural"]) == warsop
    # no area is over the maximum, each is one piece, each lies in one core area
    assert (summary.loc[areas, "age65"] <= 7000).all()
    assert not set(notts_lots.check().islands["zone"]) & set(areas)
    core = units["district"].map(rules_for(NOTTS, "districts").districts)
    assert len(set(zip(lot[split], core[split], strict=True))) == len(areas)
    assert "hard-to-cover: contiguous rural11 units" in notts_lots.method


def test_care_delivery_groups_are_the_pcn_areas_of_the_countys_practices(nottinghamshire):
    plan = pcn_zone_plan(nottinghamshire, get_scheme(NOTTS))
    pcns = pcn_plan(nottinghamshire, in_region=True)
    assert plan.name == "nottinghamshire-care-delivery-groups"
    assert plan.zones == tuple(z.removesuffix(" PCN") + " CDG" for z in pcns.zones)
    assert (plan.assignment.str.removesuffix(" CDG") + " PCN").equals(pcns.assignment)
    assert len(plan.zones) == 15 and "MANSFIELD NORTH CDG" in plan.zones
    assert plan.check().ok
    assert "80 practices in the region with a PCN" in plan.method and "by road" in plan.method
    in_county = set(pcn_members(nottinghamshire, in_region=True)["pcn_name"])
    assert set(pcns.zones) <= in_county  # no Nottingham City PCN


def test_rules_of_a_kind_are_needed_for_a_pcn_zone_plan(herefordshire):
    with pytest.raises(NotFoundError, match="no zone rules of kind 'pcn' for scheme hereford"):
        pcn_zone_plan(herefordshire, get_scheme("herefordshire-2017"))
    with pytest.raises(InputError, match="is for region nottinghamshire, not herefordshire"):
        pcn_zone_plan(herefordshire, get_scheme(NOTTS))


def _straight_line_labels(region):
    """In-region postcodes labelled with the Norfolk band of their straight-line distance."""
    postcodes = region.postcodes[region.postcodes["in_region"]].copy()
    practices = shapely.get_coordinates(region.gp_practices.geometry.to_numpy())
    metres = cKDTree(practices).query(shapely.get_coordinates(postcodes.geometry.to_numpy()))[0]
    scheme = get_scheme("norfolk-2019")
    postcodes["band"] = np.array([b.label for b in scheme.bands])[band_index(metres, scheme)]
    return postcodes


def test_band_polygons_cover_the_county_once(norfolk):
    points = _straight_line_labels(norfolk)
    order = [b.label for b in get_scheme("norfolk-2019").bands]
    polygons = band_polygons(points, norfolk.boundary, order=order)
    assert polygons["label"].tolist() == [label for label in order if label in set(points["band"])]
    assert polygons.is_valid.all()
    assert polygons.area.sum() == pytest.approx(norfolk.boundary.area.sum(), rel=1e-4)
    geoms = polygons.geometry.to_numpy()
    i, j = np.triu_indices(len(geoms), 1)
    assert shapely.area(shapely.intersection(geoms[i], geoms[j])).sum() < 1.0
    # every postcode inside the county lies in its own band's polygon
    inside = points[points.within(norfolk.boundary.union_all())]
    assert len(inside) > 0.99 * len(points)
    own = polygons.set_index("label").geometry[inside["band"]].to_numpy()
    assert shapely.contains(own, inside.geometry.to_numpy()).all()


def test_band_plan_gives_each_lsoa_the_band_of_most_of_its_postcodes(norfolk):
    points = _straight_line_labels(norfolk)
    plan = band_plan(
        norfolk, points, colours={b.label: b.colour for b in get_scheme("norfolk-2019").bands}
    )
    counts = pd.crosstab(points["lsoa"], points["band"])
    clear = counts.max(axis=1) > counts.apply(lambda row: row.nlargest(2).iloc[-1], axis=1)
    expected = counts[clear].idxmax(axis=1)
    in_plan = plan.assignment.reindex(expected.index)
    assert (in_plan == expected).mean() > 0.98  # postcodes on an LSOA edge may fall next door
    assert plan.check().ok
    assert plan.colours["Band 1"] == "#1a9850"


def test_band_labels_follow_the_scheme(norfolk):
    scheme = get_scheme("norfolk-2019")
    labels = band_labels(norfolk, scheme)
    assert set(labels["band"]) <= set(band_colours(scheme))
    spot = labels["band"] == "Spot rate (outside the Central Belt)"
    # the spot rate exactly where the postcode's unit is outside the Central Belt CCG areas
    assert (spot == ~labels["in_area"]).all()
    assert (labels.loc[~spot, "band"] == labels.loc[~spot, "distance_band"]).all()
    assert (len(labels), int(labels["in_area"].sum())) == (29_523, 20_694)
    broadland = labels[labels["district"] == "E07000144"]
    assert broadland["in_area"].all()  # Broadland is in the belt, though not a belt district
    assert labels.attrs["method"] == "road distance to the nearest GP practice"
    lynn = labels[labels["postcode"] == "PE30 1EX"].iloc[0]
    assert lynn["band"] == "Spot rate (outside the Central Belt)"


def test_band_labels_need_a_banded_scheme_of_the_region(norfolk, hertfordshire):
    with pytest.raises(InputError, match="uses flat; band areas need road-distance-bands"):
        band_labels(hertfordshire, get_scheme(HERTS))
    with pytest.raises(InputError, match="is for region hertfordshire, not norfolk"):
        band_labels(norfolk, get_scheme(HERTS))
