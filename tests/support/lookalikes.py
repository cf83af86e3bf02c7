"""Templated look-alike articles: the case of issue #19 ("Mayor X of Town N opened bridge number
N ..."). Every article is the same story told with its own names, counts, costs and dates, so
any two of them look like one claim with different values: what made the pairwise
reconciliation stages (disagreements above all) grow with the square of the articles.

Used by tests/test_scale.py and bench/scale.py. Deterministic: article k is always the same.
"""

from __future__ import annotations

import random
from pathlib import Path

_FIRST = (
    "Anna Bruno Carla Dmitri Elena Farid Greta Hiro Ines Jonas Kemal Lena Marta Nils Olga Pavel "
    "Rosa Stefan Tomas Ulla Vera Wim Yusuf Zofia"
).split()
_LAST = (
    "Adler Berg Costa Duval Engel Fischer Garcia Haas Ito Jansen Keller Lund Moreau Novak Olsen "
    "Petrov Quint Rossi Sato Torres Ueda Varga Weber Young"
).split()
_TOWNS = (
    "Ashford Brixham Caldwell Dunmore Elmstead Fernhill Glenrock Harwich Ironbridge Kelso "
    "Lindale Marlow Norwood Oakham Pembury Redhill Selby Thornbury Upton Westbury"
).split()
_RIVERS = "Avon Derwent Esk Frome Lune Ouse Tees Wear Wye Yare".split()
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def lookalike_article(number: int) -> str:
    """Article `number`: a mayor opens a bridge, with this article's own values."""
    rng = random.Random(number)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    town, river = f"{rng.choice(_TOWNS)} {number}", rng.choice(_RIVERS)
    month, day = rng.choice(_MONTHS), rng.randint(1, 28)
    cost, workers, lanes = rng.randint(5, 900), rng.randint(40, 2000), rng.randint(2, 8)
    cars, year, since = rng.randint(1000, 90000), rng.choice((2024, 2025)), rng.randint(1890, 1990)
    return (
        f"Published: {year}-{_MONTHS.index(month) + 1:02}-{min(day + 1, 28):02}\n\n"
        f"Mayor {first} {last} of {town} opened bridge number {number} on {month} {day}, "
        f"{year}, at a cost of ${cost} million.\n\n"
        f"The bridge over the River {river} carries {lanes} lanes and about {cars} cars a day, "
        f"the council said.\n\n"
        f"{workers} workers built the bridge over {rng.randint(6, 48)} months.\n\n"
        f"It is the largest bridge in the county since {since}, according to the council.\n\n"
        f'"This bridge joins the two halves of {town} at last," Mayor {last} said.\n\n'
        f"The council will vote on bridge number {number + 1} by {rng.choice(_MONTHS)} "
        f"{year + 1}.\n"
    )


def write_lookalikes(folder: Path, count: int) -> list[Path]:
    """`count` look-alike articles as text files in `folder` (created), in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"bridge{number:05}.txt"
        path.write_text(lookalike_article(number), encoding="utf-8")
        paths.append(path)
    return paths
