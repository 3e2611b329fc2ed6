"""The regions geozones builds, declared in one place.

A region is a county or unitary authority: the LAD 2013 districts it is made
of, the CCGs of April 2019 its LSOAs belonged to, the road extract that covers
it (if the source folder has one) and the NHS ICB whose practices always count
as its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geozones._errors import NotFoundError

#: The CCG vintage geozones builds (the ONS LSOA 2011 -> CCG lookup, dataset ``ccg_2019``).
CCG_VINTAGE = "April 2019"


@dataclass(frozen=True)
class RegionSpec:
    """What a region is made of.

    Attributes
    ----------
    name : str
        Identifier used on the command line and in file names.
    title : str
        Name shown to people.
    districts : dict[str, str]
        LAD 2013 code to district name.
    roads : str | None
        Manifest id of the road extract that covers the region, or None.
    icb : str | None
        ODS code of the ICB whose active practices are included wherever they
        are (e.g. Norfolk & Waveney's Waveney practices), besides the buffer.
    ccgs : dict[str, str]
        CCG19CDH code (e.g. ``06W``) to the CCG's name as the ONS lookup gives
        it, for every CCG of :data:`CCG_VINTAGE` holding an LSOA of the region
        (a build checks them against the lookup).
    default_scheme : str | None
        Id of the scheme in force in the region, which answers a lookup that
        names no scheme (:func:`geozones.zones.place.scheme_at`); None where
        geozones ships no scheme of the region.

    """

    name: str
    title: str
    districts: dict[str, str]
    roads: str | None = None
    icb: str | None = None
    ccgs: dict[str, str] = field(default_factory=dict)
    default_scheme: str | None = None


REGIONS: dict[str, RegionSpec] = {
    spec.name: spec
    for spec in (
        RegionSpec(
            name="norfolk",
            title="Norfolk",
            districts={
                "E07000143": "Breckland",
                "E07000144": "Broadland",
                "E07000145": "Great Yarmouth",
                "E07000146": "King's Lynn and West Norfolk",
                "E07000147": "North Norfolk",
                "E07000148": "Norwich",
                "E07000149": "South Norfolk",
            },
            roads="roads_norfolk",
            icb="QMM",
            ccgs={
                "06M": "NHS Great Yarmouth and Waveney CCG",
                "06V": "NHS North Norfolk CCG",
                "06W": "NHS Norwich CCG",
                "06Y": "NHS South Norfolk CCG",
                "07J": "NHS West Norfolk CCG",
            },
            default_scheme="norfolk-2019",
        ),
        RegionSpec(
            name="herefordshire",
            title="Herefordshire",
            districts={"E06000019": "Herefordshire, County of"},
            ccgs={"05F": "NHS Herefordshire CCG"},
            default_scheme="herefordshire-2017",
        ),
        RegionSpec(
            name="hertfordshire",
            title="Hertfordshire",
            districts={
                "E07000095": "Broxbourne",
                "E07000096": "Dacorum",
                "E07000098": "Hertsmere",
                "E07000099": "North Hertfordshire",
                "E07000102": "Three Rivers",
                "E07000103": "Watford",
                "E07000240": "St Albans",
                "E07000241": "Welwyn Hatfield",
                "E07000242": "East Hertfordshire",
                "E07000243": "Stevenage",
            },
            ccgs={
                "06H": "NHS Cambridgeshire and Peterborough CCG",
                "06K": "NHS East and North Hertfordshire CCG",
                "06N": "NHS Herts Valleys CCG",
            },
            default_scheme="hertfordshire-2022",
        ),
        RegionSpec(
            name="rutland",
            title="Rutland",
            districts={"E06000017": "Rutland"},
            roads="roads_rutland",
            ccgs={"03W": "NHS East Leicestershire and Rutland CCG"},
            default_scheme="rutland-demo",
        ),
        RegionSpec(
            name="isle-of-wight",
            title="Isle of Wight",
            districts={"E06000046": "Isle of Wight"},
            roads="roads_isle_of_wight",
            ccgs={"10L": "NHS Isle of Wight CCG"},
        ),
    )
}

#: What ``--region default`` builds.
DEFAULT_REGIONS: tuple[str, ...] = tuple(REGIONS)


def get_region_spec(name: str) -> RegionSpec:
    """Return the declaration of region ``name`` or raise a NotFoundError listing the known ones."""
    try:
        return REGIONS[name]
    except KeyError:
        known = ", ".join(REGIONS)
        raise NotFoundError(f"unknown region {name!r}; known regions: {known}") from None


def expand_region_names(names: tuple[str, ...] | list[str]) -> list[str]:
    """Expand ``default`` to every declared region and check each name."""
    out: list[str] = []
    for name in names or ("default",):
        for item in DEFAULT_REGIONS if name == "default" else (name,):
            get_region_spec(item)
            if item not in out:
                out.append(item)
    return out
