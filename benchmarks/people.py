"""Synthetic people for the benchmarks: the same names and birth dates for the same seed."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence


def people(n: int, seed: str, firsts: Sequence[str],
           lasts: Sequence[str]) -> Iterator[tuple[int, random.Random, str, str, dt.date]]:
    """(number, the random source for the rest of the record, first name, last name, birth date)
    for ``n`` people; the caller draws the rest of each record from the same source, in turn."""
    rng = random.Random(seed)
    for i in range(n):
        first, last = rng.choice(firsts), rng.choice(lasts)
        yield i, rng, first, last, dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(4000))
