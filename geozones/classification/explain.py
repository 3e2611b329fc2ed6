"""Why an answer is in its band, in plain words: the rule, the place, the distance, the edges.

:func:`explain` turns an :class:`~geozones.classification.classifier.Answer` and
the scheme it was given under into a few sentences for a provider: how the
scheme pays (by road distance from the nearest GP surgery, by a straight-line
radius around named centres, or one rate everywhere), where the place lies,
how far it is and from what, and how far that distance lies from the band
edges around it (:func:`~geozones.classification.route.edge_words`). It also
says which distance, if any, the rate depends on, so that the map does not
show a road distance as if it set a spot or flat rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from geozones._settings import METRES_PER_MILE
from geozones._vocab import SchemeMethod, Status
from geozones.classification.classifier import Answer
from geozones.classification.route import edge_words
from geozones.schemes.scheme import Scheme

__all__ = ["Explanation", "explain"]

#: Which distance a rate depends on: by road, in a straight line, or none.
Counts = Literal["road", "straight line"] | None


@dataclass(frozen=True)
class Explanation:
    """Why an answer is in its band.

    Attributes
    ----------
    sentences : tuple of str
        The rule, the place's measurement and its band edges, each a sentence
        ending with a full stop; empty for an answer that is not located
        (its message says why).
    counts : "road", "straight line" or None
        The distance the rate depends on; None when no distance does (a flat
        rate, or an elsewhere rate such as Norfolk's spot rate).

    """

    sentences: tuple[str, ...]
    counts: Counts

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``sentences`` as a list and ``counts``."""
        return {"sentences": list(self.sentences), "counts": self.counts}


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _payer(scheme: Scheme) -> str:
    return "This demonstration scheme" if scheme.demonstration else scheme.council


def _and(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _where(area: str | None) -> str:
    """Where the place lies, as a sentence ("" where the bands cover the whole region)."""
    if not area or area.startswith("the whole of"):
        return ""
    return _sentence(f"the place lies {'' if area.startswith('outside') else 'in '}{area}")


def explain(scheme: Scheme, answer: Answer) -> Explanation:
    """Why ``answer`` is in its band under ``scheme``, in sentences.

    Parameters
    ----------
    scheme : Scheme
        The scheme the answer was given under.
    answer : Answer
        An answer of :meth:`Classifier.classify
        <geozones.classification.classifier.Classifier.classify>`; its road
        miles (2 decimals) give the edge distances, to the hundredth of a mile.

    Returns
    -------
    Explanation

    """
    if answer.status != Status.OK or answer.band is None:
        return Explanation((), None)
    rate = f"£{answer.rate} an hour"
    if scheme.method == SchemeMethod.FLAT:
        return Explanation(
            (
                (
                    f"{_payer(scheme)} pays one rate wherever the place lies in its area: "
                    f"{answer.band}, {rate}."
                ),
                "No distance plays a part in the rate.",
            ),
            None,
        )
    if scheme.method == SchemeMethod.STRAIGHT_LINE_RADIUS and scheme.centres is not None:
        near, far = scheme.bands[:2]
        radius = float(scheme.centres.radius_miles or 0)
        gap = abs((answer.distance_miles or 0.0) - radius)
        side = "inside" if answer.band == near.label else "beyond"
        return Explanation(
            (
                (
                    f"{_payer(scheme)} pays the {near.label} rate within {radius:g} miles in a "
                    f"straight line of {_and(scheme.centres.names)}, "
                    f"and the {far.label} rate beyond."
                ),
                _sentence(answer.message),
                f"That is {gap:.2f} miles {side} the {radius:g}-mile radius: {rate}.",
                "The distance by road plays no part in the rate.",
            ),
            "straight line",
        )
    where = _where(answer.area)
    if answer.band != answer.distance_band:
        return Explanation(
            (
                (
                    f"{_payer(scheme)} pays by the distance by road from the nearest GP surgery "
                    "only where its bands apply."
                ),
                *filter(None, [where]),
                (
                    f"Here it pays one rate, {answer.band}: {rate}, whatever the distance. "
                    f"The distance by road ({answer.road_miles:.2f} miles) "
                    "plays no part in the rate."
                ),
            ),
            None,
        )
    metres = (answer.road_miles or 0.0) * METRES_PER_MILE
    return Explanation(
        (
            f"{_payer(scheme)} pays by the distance by road from the nearest GP surgery.",
            *filter(None, [where]),
            _sentence(answer.message),
            *(_sentence(words) for words in edge_words(scheme, answer, metres)),
            f"{answer.band} is paid {rate}.",
        ),
        "road",
    )
