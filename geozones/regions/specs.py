"""The regions geozones builds, declared in one place.

A region is a county or unitary authority: the LAD 2013 districts it is made
of, the road extract that covers it (if the source folder has one) and the NHS
ICB whose practices always count as its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from geozones._errors import NotFoundError


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

    """

    name: str
    title: str
    districts: dict[str, str]
    roads: str | None = None
    icb: str | None = None


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
        ),
        RegionSpec(
            name="herefordshire",
            title="Herefordshire",
            districts={"E06000019": "Herefordshire, County of"},
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
        ),
        RegionSpec(
            name="rutland",
            title="Rutland",
            districts={"E06000017": "Rutland"},
            roads="roads_rutland",
        ),
        RegionSpec(
            name="isle-of-wight",
            title="Isle of Wight",
            districts={"E06000046": "Isle of Wight"},
            roads="roads_isle_of_wight",
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
