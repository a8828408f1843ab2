"""Public ids: the prefix, then random characters of Crockford's lower-case base32 only."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from marketplace.ids import new_public_id

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


@pytest.mark.parametrize("length", [1, 7, 12, 16, 24])
def test_ids_have_the_prefix_and_length_in_the_alphabet(length: int) -> None:
    ids = [new_public_id("itm", length) for _ in range(200)]
    assert all(re.fullmatch(rf"itm_[{ALPHABET}]{{{length}}}", value) for value in ids)


def test_every_character_of_the_alphabet_is_used_about_evenly() -> None:
    counts = Counter(ch for _ in range(4000) for ch in new_public_id("prj")[4:])
    assert set(counts) == set(ALPHABET)
    expected = 4000 * 16 / 32
    assert all(abs(count - expected) < 0.15 * expected for count in counts.values())
    assert len({new_public_id("prj") for _ in range(10_000)}) == 10_000
