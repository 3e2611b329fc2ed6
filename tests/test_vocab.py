"""geozones._vocab: every member is its text."""

import json
from enum import StrEnum

import pytest

from geozones import _vocab
from geozones._vocab import TEXT_POSTCODE_RE, SchemeMethod, Status

ENUMS = [
    value
    for value in vars(_vocab).values()
    if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
]


def test_the_vocabulary_has_its_enumerations():
    assert {e.__name__ for e in ENUMS} >= {
        "SchemeMethod", "DistanceMethod", "ZoneDistance", "Status", "Confidence", "ZoneColumn",
        "RuleKind",
    }  # fmt: skip


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_members_equal_print_and_serialise_as_their_text(enum):
    for member in enum:
        text = member.value
        assert isinstance(text, str) and text
        assert member == text and text == member and hash(member) == hash(text)
        assert str(member) == f"{member}" == text
        assert json.dumps(member) == json.dumps(text)
        assert enum(text) is member
    assert len({m.value for m in enum}) == len(enum)


def test_some_texts_as_users_see_them():
    assert SchemeMethod.ROAD_DISTANCE_BANDS == "road-distance-bands"
    assert (Status.OK, Status.OUTSIDE_REGION, Status.ERROR) == ("ok", "outside_region", "error")
    assert {Status.OK: 1}["ok"] == 1


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("10 HIGH ST, NORWICH NR1 3QU", ("NR1", "3QU")),
        ("FLAT 2, NR13QU", ("NR1", "3QU")),
        ("NR1 3QU THEN NR12 7DA", ("NR12", "7DA")),  # the last one wins
        ("W1A 0AX", ("W1A", "0AX")),
    ],
)
def test_a_postcode_is_found_in_free_text(text, postcode):
    assert TEXT_POSTCODE_RE.match(text).groups() == postcode


def test_text_without_a_postcode_has_none():
    assert TEXT_POSTCODE_RE.match("10 HIGH ST, LITTLE SNORING") is None
