"""Bands and histogram of the quality score (:mod:`ckanext.amp.common.quality`).
Pure Python, no CKAN import.

The score (0-100) is indexed as a zero-padded string (``quality_score``,
``"085"``, see ``schema/indexing.py``), so a band is a range filter on that
field (``quality_score:[075 TO 100]``). The dataset list offers the bands as
a facet; the quality dashboard draws the histogram of the scores.

``Band.label`` is an English gettext msgid.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from ckanext.amp.common.quality import index_value

__all__ = ["BANDS", "Band", "HISTOGRAM_WIDTH", "band", "band_of", "counts_by_band",
           "histogram", "histogram_labels"]


@dataclass(frozen=True)
class Band:
    """A range of scores, both ends included."""

    code: str
    low: int
    high: int
    label: str

    @property
    def index_range(self) -> str:
        """The range filter on the index field: ``[075 TO 100]``."""
        return f"[{index_value(self.low)} TO {index_value(self.high)}]"

    def __contains__(self, score: int) -> bool:
        return self.low <= score <= self.high


#: From the best band to the worst (the facet's order).
BANDS: tuple[Band, ...] = (
    Band("high", 75, 100, "Good (75 to 100)"),
    Band("medium", 50, 74, "Fair (50 to 74)"),
    Band("low", 25, 49, "Poor (25 to 49)"),
    Band("very_low", 0, 24, "Very poor (0 to 24)"),
)

_BY_CODE = {item.code: item for item in BANDS}

#: Width of a bar of the histogram (the last bar, 90-100, holds 100 too).
HISTOGRAM_WIDTH = 10


def band(code: str) -> Optional[Band]:
    """The band of a code (``high``...), None if unknown."""
    return _BY_CODE.get(code)


def band_of(score: int) -> Band:
    """The band a score falls in."""
    for item in BANDS:
        if score in item:
            return item
    raise ValueError("a quality score is between 0 and 100")


def _scores(counts: Mapping[str, int] | Mapping[int, int]) -> Iterable[tuple[int, int]]:
    """``(score, count)`` from counts keyed by score or by index value (``"085"``);
    keys that are not scores are skipped."""
    for key, count in counts.items():
        try:
            score = int(key)
        except (TypeError, ValueError):
            continue
        if 0 <= score <= 100:
            yield score, int(count)


def counts_by_band(counts: Mapping[str, int] | Mapping[int, int]) -> dict[str, int]:
    """Datasets per band (every band, in :data:`BANDS` order) from counts
    per score (a facet of ``quality_score``)."""
    result = dict.fromkeys((item.code for item in BANDS), 0)
    for score, count in _scores(counts):
        result[band_of(score).code] += count
    return result


def histogram(counts: Mapping[str, int] | Mapping[int, int],
              width: int = HISTOGRAM_WIDTH) -> list[int]:
    """Datasets per bar of ``width`` points (0-9, 10-19... the last bar ends at 100)."""
    bars = [0] * (100 // width)
    for score, count in _scores(counts):
        bars[min(score // width, len(bars) - 1)] += count
    return bars


def histogram_labels(width: int = HISTOGRAM_WIDTH) -> list[str]:
    """The bars' labels: ``0-9``, ``10-19``... ``90-100``."""
    count = 100 // width
    return [f"{n * width}-{100 if n == count - 1 else n * width + width - 1}"
            for n in range(count)]
