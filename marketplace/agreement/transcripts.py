"""Consensus of transcripts: the medoid under a normalised, per-language edit distance.

Distance between two transcripts (each annotator's segments joined in time order)::

    d(a, b) = Levenshtein(a, b) / max(|a|, |b|)        d = 0 when both are empty

over the words of both texts, or their characters for languages written without spaces (Chinese,
Japanese, Thai...), after the per-language normalisation of
``marketplace.tasktypes.comparison.text.normalize_transcript`` (NFKC, casefolding, no punctuation,
no Arabic tashkeel or Hebrew niqqud, Arabic alef forms unified...): what counts is what was said,
not how it was typed. Dividing by the longer length makes ``d`` symmetric and keeps it in [0, 1]
(Yujian & Bo, "A normalized Levenshtein distance metric", IEEE TPAMI 29(6), 2007, discuss this
normalisation); WER divides by one side only and is neither.

The consensus is the weighted medoid (``medoid.weighted_medoid``): the transcript with the least
weighted total distance to the others, kept whole with its segments, speakers and times. ROVER
(Fiscus 1997), which votes word by word over an alignment of all transcripts, could assemble a
better transcript than any one annotator wrote, but it needs a multiple alignment and a rule for
segment times; the medoid needs neither and is what reviewers can check against one person's work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from marketplace.tasktypes.comparison.answers import transcript_text
from marketplace.tasktypes.comparison.text import Unit, error_counts


def joined_transcript(answer: Mapping[str, Any]) -> str:
    """An audio transcription answer's segment texts in time order (start, then end)."""
    return transcript_text(answer.get("segments", []))


def transcript_distance(
    first: str, second: str, language: str | None = None, unit: Unit | None = None
) -> float:
    """Normalised edit distance in [0, 1] between two texts (see the module docstring).

    ``unit`` forces words or characters; by default it follows the language (or the script).
    """
    _, counts = error_counts(first, second, language, unit)
    longest = max(counts.reference_length, counts.hypothesis_length)
    return counts.errors / longest if longest else 0.0


def transcript_distances(
    texts: Sequence[str], language: str | None = None, unit: Unit | None = None
) -> NDArray[np.float64]:
    """The symmetric ``n × n`` matrix of :func:`transcript_distance` between ``texts``."""
    n = len(texts)
    matrix = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            matrix[i, j] = matrix[j, i] = transcript_distance(texts[i], texts[j], language, unit)
    return matrix
