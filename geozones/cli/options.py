"""Options every ``geozones`` command shares, each resolved in one place.

* ``--build`` and ``--store``: the build folder and the plan store file.
* ``--scheme``: a scheme id resolved to its :class:`~geozones.schemes.scheme.Scheme`
  (an unknown id is a usage error listing the known ones).
* a plan reference (``PLAN`` arguments, ``--improve``, ``--within``): a plan
  name or id, optionally with ``@VERSION`` (``hertfordshire-lot-areas@2``),
  parsed by :func:`geozones.zones.store.parse_plan_ref`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from geozones._errors import InputError, NotFoundError

if TYPE_CHECKING:
    from geozones.zones.store import PlanRef

F = TypeVar("F", bound=Callable[..., Any])

#: Paths as :class:`pathlib.Path`.
PATH = click.Path(path_type=Path)

BUILD_HELP = "Build folder (default data/build or $GEOZONES_BUILD)."
STORE_HELP = "Plan store file (default zones.sqlite in $GEOZONES_INSTANCE or ./instance)."

build_option = click.option("--build", type=PATH, help=BUILD_HELP)
store_option = click.option("--store", type=PATH, help=STORE_HELP)


class SchemeType(click.ParamType):  # type: ignore[type-arg]  # click 8.3 made it generic
    """A scheme id on the command line, converted to its :class:`Scheme`."""

    name = "scheme"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The :class:`Scheme` whose id is ``value``; a usage error names the known ids."""
        from geozones.schemes.scheme import Scheme, get_scheme

        if isinstance(value, Scheme):
            return value
        try:
            return get_scheme(str(value))
        except NotFoundError as exc:
            self.fail(str(exc), param, ctx)


class PlanRefType(click.ParamType):  # type: ignore[type-arg]  # click 8.3 made it generic
    """A stored plan on the command line: ``NAME``, ``ID`` or either with ``@VERSION``."""

    name = "plan"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The :class:`~geozones.zones.store.PlanRef` of ``value``."""
        from geozones.zones.store import PlanRef, parse_plan_ref

        if isinstance(value, PlanRef):
            return value
        try:
            return parse_plan_ref(str(value))
        except InputError as exc:
            self.fail(str(exc), param, ctx)


SCHEME = SchemeType()
PLAN = PlanRefType()


def scheme_option(
    required: bool = False, text: str = "Scheme id, e.g. norfolk-2019."
) -> Callable[[F], F]:
    """``--scheme`` resolved to a :class:`Scheme` (the parameter is named ``scheme``)."""
    return click.option("--scheme", "scheme", type=SCHEME, required=required, help=text)


def with_version(ref: PlanRef, version: int | None) -> PlanRef:
    """``ref`` at ``--version``, which must agree with a version written as ``@N``."""
    if version is None:
        return ref
    if ref.version is not None and ref.version != version:
        raise InputError(
            f"plan {ref.key}@{ref.version} and --version {version} disagree; give the version once"
        )
    return replace(ref, version=version)
