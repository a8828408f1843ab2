"""Transcription deliveries: ``rttm.txt`` (who spoke when) and ``transcripts.vtt`` (timed text).

RTTM is what diarisation scorers (dscore, pyannote.metrics) read: one ``SPEAKER`` line per segment,
the item id as the file id. WebVTT describes one media file, but a delivery is one stream of many
recordings, so ``transcripts.vtt`` is one WebVTT file in which each item's cues follow a
``NOTE item_id=...`` block and carry ids ``<item_id>-<n>``; times restart at zero per item, and a
client splits the file at the NOTE lines to get one track per recording. Speakers are WebVTT voice
spans (``<v agent>``), which players and caption editors show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Final

from marketplace.reports.formats.base import FormatContext, Record, Stats, answer_of

#: RTTM fields are separated by whitespace, so a speaker name's own spaces become underscores.
_WHITESPACE: Final = re.compile(r"\s+")
#: A cue's text may not contain an empty line (it would end the cue).
_BLANK_LINES: Final = re.compile(r"\n\s*\n")


def rttm_speaker(name: str) -> str:
    """A speaker name as one RTTM field."""
    return _WHITESPACE.sub("_", name.strip()) or "unknown"


def write_rttm(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """``rttm.txt``: ``SPEAKER <item_id> 1 <onset> <duration> <NA> <NA> <speaker> <NA> <NA>`` lines.

    Times are seconds with millisecond precision, as the RTTM tools print them.
    """
    count = segments = 0
    for record in records:
        count += 1
        for segment in answer_of(record).get("segments", []):
            start, end = float(segment["start"]), float(segment["end"])
            speaker = rttm_speaker(str(segment["speaker"]))
            line = (
                f"SPEAKER {record['item_id']} 1 {start:.3f} {end - start:.3f} <NA> <NA> {speaker} <NA> <NA>\n"
            )
            out.write(line.encode("utf-8"))
            segments += 1
    return {"records": count, "segments": segments}


def vtt_timestamp(seconds: float) -> str:
    """``hh:mm:ss.ttt``, the WebVTT cue time (hours always written, so long recordings work)."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    """Text safe inside a cue: markup characters escaped, no blank line, no ``-->``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BLANK_LINES.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")


def write_vtt(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """``transcripts.vtt``: the ``WEBVTT`` header, then per item a NOTE block and its cues."""
    out.write(b"WEBVTT\n\n")
    count = cues = 0
    for record in records:
        count += 1
        item_id = record["item_id"]
        blocks = [f"NOTE item_id={item_id}\n\n"]
        for number, segment in enumerate(answer_of(record).get("segments", []), start=1):
            timing = f"{vtt_timestamp(float(segment['start']))} --> {vtt_timestamp(float(segment['end']))}"
            voice = _escape(_WHITESPACE.sub(" ", str(segment["speaker"])))
            blocks.append(f"{item_id}-{number}\n{timing}\n<v {voice}>{_escape(str(segment['text']))}\n\n")
            cues += 1
        out.write("".join(blocks).encode("utf-8"))
    return {"records": count, "cues": cues}
