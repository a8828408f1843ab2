"""Which item languages an annotator may work in.

Until qualification exists, the rule is the language profile: native languages only. A native tag
with a region also serves the bare language (``es-MX`` serves ``es`` items), but never the other way
round, and a script is never dropped (``zh-Hans`` does not serve ``zh-Hant``): routing errs on the
side of sending less work rather than work to the wrong people.
"""

from __future__ import annotations

from collections.abc import Iterable

from marketplace.accounts import service as accounts


def served_languages(native: Iterable[str]) -> list[str]:
    """Item language tags a speaker of ``native`` tags may label."""
    served: set[str] = set()
    for tag in native:
        served.add(tag)
        parts = tag.split("-")
        if len(parts) == 2 and len(parts[1]) != 4:  # language-REGION, no script
            served.add(parts[0])
    return sorted(served)


def work_languages(annotator_id: int) -> list[str]:
    return served_languages(accounts.native_languages(annotator_id))
