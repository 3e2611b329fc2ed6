"""Processing long columns in chunks, with progress reported as rows finish."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd


def in_chunks(
    values: pd.Series,
    fn: Callable[[pd.Series], pd.DataFrame],
    chunk_rows: int,
    done: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Apply ``fn`` to ``values`` ``chunk_rows`` at a time and stack the results in order.

    ``done`` is called with the number of rows finished after each chunk.
    """
    parts = []
    for start in range(0, len(values), chunk_rows):
        parts.append(fn(values.iloc[start : start + chunk_rows]))
        if done is not None:
            done(min(start + chunk_rows, len(values)))
    return pd.concat(parts) if parts else fn(values.iloc[:0])


@contextmanager
def progress_bar(total: int, desc: str, show: bool) -> Iterator[Callable[[int], None]]:
    """A tqdm bar on standard error (hidden unless ``show``); yields a ``done(rows)`` callback."""
    if not show:  # a hidden bar draws nothing: tqdm is not even loaded
        yield _ignore
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="row", desc=desc, file=sys.stderr) as bar:

        def done(rows: int) -> None:
            bar.update(rows - bar.n)

        yield done


def _ignore(rows: int) -> None:
    """The ``done`` callback of a hidden progress bar."""
    del rows
