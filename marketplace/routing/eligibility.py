"""Which item languages an annotator may work in.

Until qualification exists, the rule is the language profile: native languages only. Which item
tags a native speaker serves (``es-MX`` serves ``es``; ``nb`` serves ``no``; never a dropped script)
is a tag rule, :func:`marketplace.languages.tags.served_languages`; this module applies it to a
person's profile.
"""

from __future__ import annotations

from marketplace.accounts import service as accounts
from marketplace.languages.tags import served_languages


def work_languages(annotator_id: int) -> list[str]:
    """Item language tags the annotator may label, from their native languages."""
    return served_languages(accounts.native_languages(annotator_id))
