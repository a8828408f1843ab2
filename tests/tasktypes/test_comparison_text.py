"""Edit distance, WER/CER and per-language transcript normalisation.

References: Jurafsky & Martin, *Speech and Language Processing* (3rd ed. draft), §16.5 "ASR
Evaluation: Word Error Rate" for the worked alignment; ``jiwer`` (a reference WER/CER library built
on RapidFuzz's Levenshtein) for cross-checks.
"""

from __future__ import annotations

import random

import jiwer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.tasktypes.comparison.text import (
    EditCounts,
    edit_counts,
    error_counts,
    normalize_transcript,
    tokenize,
    transcript_unit,
)


def test_jurafsky_martin_worked_example() -> None:
    """SLP3 §16.5: the Switchboard sentence aligned with 6 substitutions, 3 insertions and 1 deletion,
    WER = 100 · (6 + 3 + 1) / 13 = 76.9 %."""
    reference = "i UM the PHONE IS i LEFT THE portable PHONE UPSTAIRS last night".lower().split()
    hypothesis = "i GOT IT TO the FULLEST i LOVE TO portable FORM OF STORES last night".lower().split()
    counts = edit_counts(reference, hypothesis)
    assert counts == EditCounts(hits=6, substitutions=6, deletions=1, insertions=3)
    assert counts.reference_length == 13
    assert counts.error_rate == pytest.approx(10 / 13)
    assert round(100 * counts.error_rate, 1) == 76.9


def test_hand_worked_levenshtein() -> None:
    """kitten → sitting: the textbook distance 3 (k→s, e→i, +g), here over characters."""
    counts = edit_counts(list("kitten"), list("sitting"))
    assert counts.errors == 3
    assert (counts.substitutions, counts.deletions, counts.insertions, counts.hits) == (2, 0, 1, 4)
    # "a b c" → "a x c d": one substitution, one insertion; WER 2/3.
    counts = edit_counts(["a", "b", "c"], ["a", "x", "c", "d"])
    assert counts == EditCounts(hits=2, substitutions=1, deletions=0, insertions=1)


def test_empty_sides() -> None:
    assert edit_counts([], []).error_rate == 0.0
    assert edit_counts([], ["a"]) == EditCounts(0, 0, 0, 1)
    assert edit_counts([], ["a"]).error_rate == 1.0
    assert edit_counts(["a", "b"], []) == EditCounts(0, 0, 2, 0)
    assert edit_counts(["a", "b"], []).error_rate == 1.0


def test_matches_jiwer_on_random_sentences() -> None:
    """Distance and rate agree with jiwer's WER and CER; the S/D/I split is one of the optimal ones."""
    rng = random.Random(7)
    for _ in range(300):
        reference = [rng.choice("abcde") for _ in range(rng.randint(1, 15))]
        hypothesis = [rng.choice("abcdef") for _ in range(rng.randint(1, 15))]
        counts = edit_counts(reference, hypothesis)
        output = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
        assert counts.errors == output.substitutions + output.deletions + output.insertions
        assert counts.error_rate == pytest.approx(output.wer)
        assert counts.hits >= output.hits  # we break ties towards more hits
        text_ref, text_hyp = "".join(reference), "".join(hypothesis)
        assert edit_counts(list(text_ref), list(text_hyp)).error_rate == pytest.approx(
            jiwer.cer(text_ref, text_hyp)
        )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["x", "y", "z", "w"]), min_size=1, max_size=30),
    st.lists(st.sampled_from(["x", "y", "z", "v"]), min_size=1, max_size=30),
)
def test_counts_are_consistent(reference: list[str], hypothesis: list[str]) -> None:
    counts = edit_counts(reference, hypothesis)
    assert counts.reference_length == len(reference)
    assert counts.hypothesis_length == len(hypothesis)
    assert min(counts.hits, counts.substitutions, counts.deletions, counts.insertions) >= 0
    assert counts.error_rate == pytest.approx(jiwer.wer(" ".join(reference), " ".join(hypothesis)))
    assert edit_counts(reference, reference).errors == 0


def test_normalisation_common_steps() -> None:
    assert normalize_transcript("  Hello,   WORLD!  ", "en") == "hello world"
    # Apostrophes inside words stay (curly ones become straight); quotes and dashes go.
    assert normalize_transcript("Don’t stop — “rock ’n’ roll”", "en") == "don't stop rock n roll"
    # Full-width Latin and digits (NFKC), Arabic-Indic and Devanagari digits → ASCII.
    assert normalize_transcript("ＡＢＣ １２３ ٤٥ ६", "en") == "abc 123 45 6"
    # Casefold: German sharp s, Greek final sigma.
    assert normalize_transcript("STRASSE", "de") == normalize_transcript("straße", "de")
    assert normalize_transcript("ΟΔΟΣ", "el") == normalize_transcript("οδος", "el")
    # Zero-width and bidi marks vanish.
    assert normalize_transcript("a\u200bb\u200f c", "en") == "ab c"
    # Accents are spelling in most languages: kept.
    assert normalize_transcript("été", "fr") != normalize_transcript("ete", "fr")


def test_arabic_diacritised_and_bare_text_are_equal() -> None:
    """Tashkeel, tatweel, hamza/madda/wasla alef forms and alef maksura are spelling variants."""
    vocalised = "ذَهَبَ الطَّالِبُ إِلَى الْمَدْرَسَةِ، أَمْسِ! آمَنَ ٱلْ ـــكتاب"
    bare = "ذهب الطالب الي المدرسة امس امن ال كتاب"
    assert normalize_transcript(vocalised, "ar") == normalize_transcript(bare, "ar")
    assert normalize_transcript(vocalised, "ar-EG") == bare
    _unit, counts = error_counts(vocalised, bare, "ar")
    assert counts.error_rate == 0.0


def test_hebrew_niqqud_and_persian_letters() -> None:
    assert normalize_transcript("שָׁלוֹם עוֹלָם", "he") == "שלום עולם"
    # Persian typed on an Arabic keyboard: Arabic yeh and kaf are the Persian letters.
    assert normalize_transcript("كتاب علي", "fa") == normalize_transcript("کتاب علی", "fa")


def test_turkish_dotted_and_dotless_i() -> None:
    assert normalize_transcript("IŞIK İSTANBUL", "tr") == "ışık istanbul"
    assert normalize_transcript("ISTANBUL", "tr") != normalize_transcript("istanbul", "tr")
    assert normalize_transcript("ISTANBUL", "en") == "istanbul"


def test_unit_by_language_and_script() -> None:
    for language in ("zh", "zh-Hant-TW", "ja", "th", "lo", "km", "my", "bo", "yue"):
        assert transcript_unit(language) == "character", language
    for language in ("en", "ar", "hi", "ko", "de-CH"):
        assert transcript_unit(language) == "word", language
    assert transcript_unit(None, "今日は良い天気です") == "character"
    assert transcript_unit("und", "สวัสดีครับ") == "character"
    assert transcript_unit(None, "good morning") == "word"


def test_chinese_and_japanese_use_cer() -> None:
    """Spaces and punctuation don't count; one wrong character of seven is CER 1/7."""
    unit, counts = error_counts("我爱北京天安门。", "我爱 北京 天安门", "zh")
    assert unit == "character" and counts.error_rate == 0.0
    unit, counts = error_counts("我爱北京天安门", "我爱北京天安们", "zh-CN")
    assert unit == "character"
    assert counts == EditCounts(hits=6, substitutions=1, deletions=0, insertions=0)
    assert counts.error_rate == pytest.approx(1 / 7)
    # Japanese: half-width katakana is the same text (NFKC); one missing particle.
    unit, counts = error_counts("カタカナを書く", "ｶﾀｶﾅ書く", "ja")
    assert unit == "character"
    assert counts.error_rate == pytest.approx(1 / 7)
    assert counts.deletions == 1


def test_forced_unit_and_tokens() -> None:
    assert tokenize("a bc", "character") == ["a", "b", "c"]
    assert tokenize("a bc", "character", keep_spaces=True) == ["a", " ", "b", "c"]
    assert tokenize("a bc", "word") == ["a", "bc"]
    unit, counts = error_counts("the cat", "the cab", "en", "character")
    assert unit == "character"
    assert counts.error_rate == pytest.approx(jiwer.cer("the cat", "the cab"))
