"""Languages close enough that the model confuses their short texts.

Standard varieties of one language (Serbo-Croatian, Malay) and near neighbours. A runner-up from the
best candidate's group raises the bar (``Thresholds.close_min``, ``*_close_accept``) and makes an
undecided text *ambiguous* rather than *uncertain*; two sentences in one group do not make a text
mixed; a declaration naming a close relative the text also supports wins over the model's close
call. Pairs the model keeps apart on the tuning half (Bulgarian/Russian, Galician/Portuguese,
German/Luxembourgish, Croatian/Slovenian) are deliberately not grouped: grouping costs routing.

This is a fact about the model, not about tags: two spellings of one language
(:data:`~marketplace.languages.tags.EQUIVALENT_LANGUAGES`) are one language, close relatives are two.

Weighing a declaration also needs the pairs the model confuses *in one script*
(:func:`close_in_script`). In Arabic letters the models here know Arabic, Persian, Urdu, Pashto and a
few more; every other language CLDR writes in Arabic letters (Shahmukhi Punjabi, Kashmiri, Sindhi,
Uyghur, Kazakh and Uzbek in Arabic script, Jawi Malay...) they read as one of those: py3langid's and
langdetect's Punjabi is Gurmukhi only, so Shahmukhi Punjabi comes out as Urdu at p = 1. Those pairs
are not added to the groups above: the model's own close calls never meet a language it has no
label for, and grouping costs routing.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from marketplace.languages.script_tags import scripts_of
from marketplace.languages.scripts import ARABIC
from marketplace.languages.tags import primary_subtag, same_primary_language

_CLOSE_GROUPS: Final = (
    frozenset({"hr", "bs", "sr", "cnr"}),
    frozenset({"bg", "mk", "sr"}),
    frozenset({"ru", "uk", "be", "rue"}),
    frozenset({"id", "ms", "jv", "su"}),
    frozenset({"cs", "sk"}),
    frozenset({"da", "nb", "nn", "no"}),
    frozenset({"es", "gl", "ast", "an", "ext"}),
    frozenset({"ca", "oc"}),
    frozenset({"fr", "wa", "frp"}),
    frozenset({"it", "vec", "lij", "sc", "co", "fur", "nap", "scn"}),
    frozenset({"hi", "mr", "ne", "sa", "kok", "mai", "bho", "new"}),
    frozenset({"bn", "as"}),
    frozenset({"fa", "ur", "ps", "uz", "ku", "ckb", "sdh", "ar", "sd"}),
    frozenset({"nl", "af", "fy", "li"}),
    frozenset({"tl", "fil", "ceb", "ilo", "bik"}),
    frozenset({"et", "fi"}),
    frozenset({"xh", "zu", "ss", "nr"}),
    frozenset({"nso", "st", "tn"}),
    frozenset({"kk", "ky", "tt", "ba"}),
    frozenset({"tr", "az", "tk", "crh"}),
    frozenset({"lv", "ltg"}),
    frozenset({"ga", "gd", "gv"}),
)

#: Scripts in which the models read every language written in them as one of a few (see above).
_READ_AS_ONE: Final = frozenset({ARABIC})


@cache
def _groups_of(language: str) -> frozenset[int]:
    primary = primary_subtag(language)
    return frozenset(i for i, group in enumerate(_CLOSE_GROUPS) if primary in group)


def close(first: str, second: str) -> bool:
    """Whether two tags are one language or close relatives the model confuses."""
    return same_primary_language(first, second) or bool(_groups_of(first) & _groups_of(second))


def close_in_script(first: str, second: str, script: str) -> bool:
    """Whether the model confuses two tags' languages in a text written in ``script``: close
    relatives (:func:`close`), or two languages CLDR writes in a script whose languages the model
    reads as a few (any two Arabic-script languages: Shahmukhi Punjabi and Urdu, Uyghur and Arabic).

    Whether either tag may be written in ``script`` at all is the caller's question.
    """
    if close(first, second):
        return True
    return script in _READ_AS_ONE and script in scripts_of(first) and script in scripts_of(second)
