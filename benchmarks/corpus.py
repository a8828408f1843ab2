"""A labelled multilingual corpus nobody here wrote: the translations in the system's gettext catalogs.

Every Debian package that is translated installs ``/usr/share/locale/<locale>/LC_MESSAGES/*.mo``: human
translations of its messages, one folder per language. A message's translation (msgstr) is labelled by
its folder's language. That gives real text in well over a hundred languages, short (button labels,
menu items) and long (descriptions, help texts), from many hands.

What is kept, and why:

* only real translations: a msgstr equal to its msgid is an untranslated copy of the English source;
* gettext plumbing is removed (``%s``, ``{name}``, markup, ``_`` accelerators, paths, options), since
  items in the marketplace are plain texts, and a string that is mostly plumbing is dropped;
* a text found under two languages (``Bluetooth``, ``GNOME``) has no true label and is dropped;
* each text is kept once per language, and samples are drawn with a fixed seed, so every run of the
  benchmark sees the same texts.
"""

from __future__ import annotations

import hashlib
import random
import re
import struct
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from marketplace.languages.codes import UnknownLanguage, normalize_language, primary_subtag

LOCALE_DIR = Path("/usr/share/locale")
SHORT = (5, 60)
"""Length of a short text, in characters after cleaning (inclusive)."""
LONG_MIN = 100
"""Shortest long text, in characters after cleaning."""

#: Folder modifiers (``sr@latin``) as BCP 47 subtags; None drops the folder. ``en@quot`` and
#: ``en@boldquot`` are generated from the English source by a program, ``en@shaw`` is a
#: transliteration: none of them is a human translation.
_MODIFIERS: dict[str, str | None] = {
    "latin": "Latn",
    "Latn": "Latn",
    "cyrillic": "Cyrl",
    "iqtelif": "Latn",
    "ije": "",
    "valencia": "",
    "quot": None,
    "boldquot": None,
    "shaw": None,
}
#: Regions whose folder means another script than the language's usual one.
_REGION_SCRIPT = {("zh", "CN"): "Hans", ("zh", "SG"): "Hans", ("zh", "TW"): "Hant", ("zh", "HK"): "Hant"}
_REGION_SCRIPT.update({("az", "IR"): "Arab", ("pa", "PK"): "Arab"})
#: Deprecated codes that still name folders.
_DEPRECATED = {"mo": "ro-MD"}

_PLUMBING = re.compile(
    r"""
      %(?:\d+\$)?(?:\([\w.-]+\))?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?
        (?:hh|h|ll|l|L|q|j|z|t|I64|I32|I)?[diouxXeEfFgGaAcsSpn@]   # printf: %s %1$d %(name)s %.*s
    | %\d                                                            # Qt: %1
    | \$\{\w+\} | \$\w+                                              # shell: ${var} $VAR
    | \{[^{}\s]{0,40}\}                                              # format: {name} {0}
    | <[^<>]{1,200}>                                                 # markup
    | &[a-zA-Z]+; | &\#\d+;                                          # entities
    | (?<![\w/])(?:~|\.{1,2})?/[\w.-]+(?:/[\w.*-]+)*                  # paths
    | (?<![\w-])--?[a-zA-Z][\w-]*                                    # command-line options
    | \\[ntr]                                                        # escaped newlines
    """,
    re.VERBOSE,
)
_ACCELERATOR = re.compile(r"(?<![\w&])[_&](?=\w)")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    label: str
    length_class: str  # "short" or "long"


def folder_language(folder: str) -> str | None:
    """``pt_BR`` → ``pt-BR``, ``zh_TW`` → ``zh-Hant``, ``sr@latin`` → ``sr-Latn``; None if not a language."""
    base, _, modifier = folder.partition("@")
    script = ""
    if modifier:
        if modifier not in _MODIFIERS or _MODIFIERS[modifier] is None:
            return None
        script = _MODIFIERS[modifier] or ""
    base = _DEPRECATED.get(base, base)
    lang, _, region = base.replace("-", "_").partition("_")
    script = script or _REGION_SCRIPT.get((lang, region), "")
    if script in {"Hans", "Hant"}:  # zh_CN is zh-Hans: the script says what the reader needs
        region = region if region not in {"CN", "TW"} else ""
    try:
        return normalize_language("-".join(part for part in (lang, script, region) if part))
    except UnknownLanguage:
        return None


def clean_message(text: str) -> str:
    """Remove gettext plumbing so the text reads like a plain item text."""
    text = _PLUMBING.sub(" ", text)
    text = _ACCELERATOR.sub("", text)
    return _SPACES.sub(" ", text).strip()


def read_mo_pairs(data: bytes) -> Iterator[tuple[str, str]]:
    """(msgid, msgstr) pairs of a compiled catalog, plural forms as separate pairs.

    The format is a header of 32-bit words (magic, revision, count, offset of the msgid table,
    offset of the msgstr table) and two tables of (length, offset). Reading it directly is several
    times faster than building a full catalog object, which matters for thousands of files.
    """
    byte_order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
    _, count, ids_at, strs_at = struct.unpack(byte_order + "4I", data[4:20])
    charset = "utf-8"
    for index in range(count):
        id_len, id_at = struct.unpack_from(byte_order + "2I", data, ids_at + 8 * index)
        str_len, str_at = struct.unpack_from(byte_order + "2I", data, strs_at + 8 * index)
        msgid = data[id_at : id_at + id_len]
        msgstr = data[str_at : str_at + str_len]
        if not msgid:  # the header names the catalog's charset
            found = re.search(rb"charset=([\w-]+)", msgstr)
            charset = found.group(1).decode("ascii") if found else charset
            continue
        source = msgid.split(b"\0")[0].split(b"\x04")[-1].decode(charset, "replace")
        for string in msgstr.split(b"\0"):
            yield source, string.decode(charset, "replace")


def _translations(path: Path) -> Iterator[tuple[str, str]]:
    """(msgstr, its cleaned text) for the real translations of a catalog.

    A msgstr that is its msgid once plumbing and spacing are ignored is the English source left
    untranslated (a licence text, a usage message), not a translation: it is skipped.
    """
    for source, string in read_mo_pairs(path.read_bytes()):
        if not string.strip() or string.strip() == source.strip():
            continue
        cleaned = clean_message(string)
        if abs(len(string) - len(source)) <= 0.2 * len(source) and cleaned.casefold() == (
            clean_message(source).casefold()
        ):
            continue
        yield string, cleaned


def read_locale_texts(locale_dir: Path = LOCALE_DIR) -> dict[str, set[str]]:
    """All cleaned translations per language label; texts seen under two languages are removed."""
    by_label: dict[str, set[str]] = defaultdict(set)
    folders = sorted(p for p in locale_dir.iterdir() if p.is_dir()) if locale_dir.is_dir() else []
    for folder in folders:
        label = folder_language(folder.name)
        if label is None:
            continue
        for path in sorted((folder / "LC_MESSAGES").glob("*.mo")):
            try:
                strings = list(_translations(path))
            except (struct.error, LookupError):  # a broken catalog is skipped, not fatal
                continue
            for raw, cleaned in strings:
                if len(cleaned) >= SHORT[0] and len(cleaned) >= 0.5 * len(raw.strip()):
                    by_label[label].add(cleaned)
    owners: dict[str, set[str]] = defaultdict(set)
    for label, texts in by_label.items():
        for text in texts:
            owners[text].add(primary_subtag(label))
    return {
        label: {text for text in texts if len(owners[text]) == 1} for label, texts in sorted(by_label.items())
    }


def length_class(text: str) -> str | None:
    if SHORT[0] <= len(text) <= SHORT[1]:
        return "short"
    if len(text) >= LONG_MIN:
        return "long"
    return None


def in_tuning_half(label: str, text: str, seed: int) -> bool:
    """A seeded hash of the text puts it in the tuning or in the evaluation half, the same on every run."""
    return hashlib.sha256(f"{seed}:{text}".encode()).digest()[0] % 2 == 0


def build_corpus(
    per_language: int, half: str = "evaluation", seed: int = 2026, locale_dir: Path = LOCALE_DIR
) -> list[Sample]:
    """Up to ``per_language`` texts per language and length class from one half of the corpus.

    Thresholds are tuned on the ``"tuning"`` half and figures reported on the ``"evaluation"`` half,
    so the reported figures are not measured on the texts that chose the thresholds.
    """
    want_tuning = half == "tuning"
    samples: list[Sample] = []
    for label, texts in read_locale_texts(locale_dir).items():
        for cls in ("short", "long"):
            pool = sorted(
                text
                for text in texts
                if length_class(text) == cls and in_tuning_half(label, text, seed) == want_tuning
            )
            rng = random.Random(f"{seed}:{label}:{cls}")
            chosen = rng.sample(pool, per_language) if len(pool) > per_language else pool
            samples.extend(Sample(text, label, cls) for text in chosen)
    return samples
