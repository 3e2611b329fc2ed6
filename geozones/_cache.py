"""Process-wide caches that can all be cleared at once.

Loaded regions, classifiers, unit layers and scheme files are cached so a
second lookup costs microseconds. :func:`clearable` registers such a cache;
:func:`clear_caches` empties every registered one (after a rebuild in the same
process, and between tests so that they pass in any order).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import ParamSpec, Protocol, TypeVar, cast

P = ParamSpec("P")
R = TypeVar("R")


class _Clearable(Protocol):
    def cache_clear(self) -> None: ...


_REGISTRY: list[_Clearable] = []


def clearable(maxsize: int | None = 16) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """An ``lru_cache`` of ``maxsize`` entries that :func:`clear_caches` empties."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        cached = lru_cache(maxsize=maxsize)(fn)
        _REGISTRY.append(cached)
        # typeshed types the wrapper as taking any hashable arguments, dropping fn's signature
        return cast("Callable[P, R]", cached)

    return wrap


def clear_caches() -> None:
    """Empty every cache registered with :func:`clearable`."""
    for cache in _REGISTRY:
        cache.cache_clear()
