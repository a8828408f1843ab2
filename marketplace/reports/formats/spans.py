"""NER deliveries: ``spans.jsonl`` (character offsets, any language) and ``conll.txt`` (BIO tags).

Offsets are Unicode code points with an exclusive end, as the NER answer stores them: the span is
``text[start:end]`` in Python. CoNLL needs tokens, and whitespace is the only tokenisation we can
apply without guessing; in languages written without spaces between words (Chinese, Japanese, Thai,
Lao, Khmer, Burmese...) a whitespace "token" is a whole sentence, so those items are left out of the
CoNLL file (and counted) rather than delivered wrong. Their spans are complete in ``spans.jsonl``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Final

from marketplace.languages.tags import primary_subtag
from marketplace.reports.formats.base import FormatContext, Record, Stats, answer_of, canonical_json

#: Primary language subtags of languages written without spaces between words.
NO_SPACE_LANGUAGES: Final = frozenset({"zh", "yue", "wuu", "ja", "th", "lo", "km", "my", "bo", "dz"})

_TOKEN: Final = re.compile(r"\S+")

#: (start, end, label) of one span.
Span = tuple[int, int, str]


def _spans(answer: Mapping[str, Any]) -> list[Span]:
    """The answer's spans ordered by position (then longest first), as (start, end, label)."""
    spans = [(int(s["start"]), int(s["end"]), str(s["label"])) for s in answer.get("spans", [])]
    return sorted(spans, key=lambda span: (span[0], -span[1], span[2]))


def _text(record: Record) -> str:
    payload = record.get("payload") or {}
    text = payload.get("text")
    return text if isinstance(text, str) else ""


def write_spans_jsonl(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """``spans.jsonl``: per item its text and spans ``{start, end, label, text}``, one JSON per line."""
    count = spans_written = 0
    for record in records:
        text = _text(record)
        spans = [
            {"start": start, "end": end, "label": label, "text": text[start:end]}
            for start, end, label in _spans(answer_of(record))
        ]
        line = {
            "item_id": record["item_id"],
            "external_id": record.get("external_id"),
            "language": record.get("language"),
            "text": text,
            "spans": spans,
        }
        out.write(canonical_json(line).encode("utf-8") + b"\n")
        count += 1
        spans_written += len(spans)
    return {"records": count, "spans": spans_written}


def written_with_spaces(language: str | None) -> bool:
    """Whether whitespace separates the words of ``language`` (a BCP 47 tag; unknown counts as yes)."""
    return language is None or primary_subtag(language) not in NO_SPACE_LANGUAGES


def flat_spans(spans: Sequence[Span]) -> tuple[list[Span], int]:
    """Spans BIO can express (no overlaps), keeping the outermost; and how many nested ones were dropped.

    ``spans`` must be ordered as :func:`_spans` orders them, so an outer span comes before the spans
    nested in it.
    """
    kept: list[Span] = []
    dropped = 0
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            dropped += 1
        else:
            kept.append(span)
    return kept, dropped


def _tokens(text: str, boundaries: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Whitespace tokens as (start, end), further cut at span boundaries.

    The extra cuts keep a label faithful when a span ends inside a whitespace token ("London." with
    the span on "London"): the token splits into "London" and ".".
    """
    cuts = sorted(set(boundaries))
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        for cut in cuts:
            if start < cut < end:
                yield start, cut
                start = cut
        yield start, end


def bio_lines(text: str, spans: Sequence[Span]) -> Iterator[str]:
    """``token\\tTAG`` lines for ``text`` with non-overlapping ``spans`` (B- first token, I- the rest)."""
    boundaries = [offset for span in spans for offset in span[:2]]
    position = 0  # index of the first span that may still contain a token
    begun = -1  # index of the span whose B- tag has been written
    for start, end in _tokens(text, boundaries):
        while position < len(spans) and spans[position][1] <= start:
            position += 1
        tag = "O"
        if position < len(spans) and spans[position][0] <= start:
            # The first token of a span gets B- even when the span starts with a space.
            tag = ("I-" if begun == position else "B-") + spans[position][2]
            begun = position
        yield f"{text[start:end]}\t{tag}"


def write_conll(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """``conll.txt``: ``# item_id = ...``, then one ``token<TAB>tag`` line per token, then a blank line.

    Items in languages without spaces are skipped (``skipped_no_spaces``); nested spans, which BIO
    cannot express, keep the outer span (``nested_spans_dropped``).
    """
    count = written = skipped = dropped = 0
    for record in records:
        count += 1
        if not written_with_spaces(record.get("language")):
            skipped += 1
            continue
        spans, nested = flat_spans(_spans(answer_of(record)))
        dropped += nested
        lines = [f"# item_id = {record['item_id']}", *bio_lines(_text(record), spans), "", ""]
        out.write("\n".join(lines).encode("utf-8"))
        written += 1
    return {
        "records": count,
        "written": written,
        "skipped_no_spaces": skipped,
        "nested_spans_dropped": dropped,
    }
