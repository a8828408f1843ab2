"""Input validation shared by services and the web layer: field-addressed, translated errors.

Why our own messages instead of jsonschema's: jsonschema's text is English-only, quotes Python
reprs and changes between releases. Clients key on ``FieldError.code`` and show ``message``, so
both must be stable and the message must be in the reader's language.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal
from flask_babel import (  # type: ignore[import-untyped, unused-ignore]
    get_locale,
    ngettext,
)
from flask_babel import (  # type: ignore[import-untyped, unused-ignore]
    gettext as _,
)
from jsonschema import Draft202012Validator, TypeChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend

__all__ = ["FieldError", "InvalidInput", "format_number", "join_path", "schema_errors"]


@dataclass(frozen=True)
class FieldError:
    """One problem with one value of the input.

    ``field`` is the path of the bad value (``"payload.spans[0].start"``; ``""`` for the root),
    ``code`` a stable machine code, ``message`` the human text, already translated.
    """

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class InvalidInput(Exception):
    """Raised by services on bad input; the web layer turns it into 400/422 JSON or form errors.

    ``status`` 400 means malformed input or a schema violation; 422 means well-formed input that
    breaks a rule (a span past the end of the text, a box outside the image...).
    """

    def __init__(self, errors: list[FieldError], status: int = 400) -> None:
        super().__init__(errors)
        self.errors = errors
        self.status = status

    def __str__(self) -> str:
        return "; ".join(f"{e.field or '<root>'}: {e.code}" for e in self.errors) or "invalid input"


# A key that can be written bare in a path; anything else is quoted as ["..."] so paths stay parseable.
_PLAIN_KEY = re.compile(r"^[^.\[\]\"\s]+$")


def join_path(prefix: str, *parts: str | int) -> str:
    """Extend a field path: ``join_path("items[3]", "payload", 0)`` is ``"items[3].payload[0]"``.

    Integers become list indexes; keys containing ``.``, brackets, quotes or spaces (or empty ones)
    are written ``["..."]`` so the path can't be misread.
    """
    path = prefix
    for part in parts:
        if not isinstance(part, str):
            path += f"[{int(part)}]"
        elif _PLAIN_KEY.match(part):
            path = f"{path}.{part}" if path else part
        else:
            path += f"[{json.dumps(part, ensure_ascii=False)}]"
    return path


# --- compiled validators -------------------------------------------------------------------------


def _is_number(checker: TypeChecker, instance: object) -> bool:
    # NaN and infinities are not JSON numbers, although Python's json module reads them.
    if isinstance(instance, bool):
        return False
    if isinstance(instance, float):
        return math.isfinite(instance)
    return isinstance(instance, int)


_Draft: type[Validator] = extend(  # type: ignore[no-untyped-call, unused-ignore]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("number", _is_number),
)

_CACHE_SIZE = 512
_cache: OrderedDict[int, tuple[Mapping[str, Any], Validator]] = OrderedDict()
_cache_lock = threading.Lock()


def _validator(schema: Mapping[str, Any]) -> Validator:
    """The compiled validator for ``schema``, cached by identity.

    The cache keeps the schema alive next to its validator, so an id can't be reused by another
    object while its entry exists; the identity check guards against it anyway.
    """
    key = id(schema)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is schema:
            _cache.move_to_end(key)
            return hit[1]
    validator = _Draft(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    with _cache_lock:
        _cache[key] = (schema, validator)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return validator


# --- messages ------------------------------------------------------------------------------------

_ENUM_SHOWN = 20


def _locale() -> Locale:
    locale = get_locale()
    return locale if isinstance(locale, Locale) else Locale("en")


def _or_list(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return format_list(list(words), style="or", locale=_locale())


def _type_word(json_type: str) -> str:
    words: dict[str, Callable[[], str]] = {
        # i18n: a JSON string, named for non-programmers
        "string": lambda: _("text"),
        "number": lambda: _("number"),
        # i18n: a JSON integer
        "integer": lambda: _("whole number"),
        # i18n: a JSON array
        "array": lambda: _("list"),
        # i18n: a JSON object (a set of named fields)
        "object": lambda: _("object"),
        # i18n: a JSON boolean
        "boolean": lambda: _("true/false"),
        # i18n: JSON null
        "null": lambda: _("nothing (null)"),
    }
    word = words.get(json_type)
    return str(word()) if word else json_type


def format_number(value: float) -> str:
    """A number as the current locale writes it (``2.5`` in English, ``2,5`` in Spanish), unrounded."""
    return str(format_decimal(value, locale=_locale(), decimal_quantization=False))


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    return json.dumps(value, ensure_ascii=False)


def _allowed(values: Sequence[Any]) -> str:
    shown = [_show(v) for v in values[:_ENUM_SHOWN]]
    rest = len(values) - len(shown)
    if rest > 0:
        # i18n: ends a list of allowed values that was cut short, e.g. "A, B, … and 12 more"
        shown.append(str(ngettext("%(num)d more", "%(num)d more", rest)))
    return _or_list(shown)


def _type_message(expected: Any) -> str:
    types = [expected] if isinstance(expected, str) else list(expected)
    # i18n: %(expected)s is a kind of value such as "text" or "whole number", possibly "text or number"
    return str(_("Wrong type: expected %(expected)s.", expected=_or_list([_type_word(t) for t in types])))


def _enum_message(values: Sequence[Any]) -> str:
    if not values:
        return str(_("No value is allowed here."))
    if len(values) == 1:
        return str(_("Must be %(value)s.", value=_show(values[0])))
    # i18n: %(allowed)s is a list such as "A, B or tie"
    return str(_("Must be one of: %(allowed)s.", allowed=_allowed(values)))


def _simple(error: ValidationError) -> tuple[str, str]:
    """Code and message for a keyword error that concerns the value at the error's own path."""
    keyword = error.validator
    value: Any = error.validator_value
    if keyword == "type":
        return "type", _type_message(value)
    if keyword == "enum":
        return "enum", _enum_message(list(value))
    if keyword == "const":
        return "enum", _enum_message([value])
    if keyword == "minLength":
        if value == 1:
            return "too_short", str(_("Must not be empty."))
        return "too_short", str(
            ngettext(
                "Must be at least %(num)d character long.", "Must be at least %(num)d characters long.", value
            )
        )
    if keyword == "maxLength":
        return "too_long", str(
            ngettext(
                "Must be at most %(num)d character long.", "Must be at most %(num)d characters long.", value
            )
        )
    if keyword == "minimum":
        return "minimum", str(_("Must be at least %(min)s.", min=_show(value)))
    if keyword == "exclusiveMinimum":
        return "minimum", str(_("Must be greater than %(min)s.", min=_show(value)))
    if keyword == "maximum":
        return "maximum", str(_("Must be at most %(max)s.", max=_show(value)))
    if keyword == "exclusiveMaximum":
        return "maximum", str(_("Must be less than %(max)s.", max=_show(value)))
    if keyword == "multipleOf":
        return "multiple_of", str(_("Must be a multiple of %(step)s.", step=_show(value)))
    if keyword == "pattern":
        return "pattern", str(_("Does not have the expected form."))
    if keyword == "format":
        # i18n: %(format)s is a technical format name such as "email" or "date-time"
        return "format", str(_("Is not a valid %(format)s.", format=value))
    if keyword in ("minItems", "minContains"):
        if value == 1:
            return "too_few_items", str(_("Must not be empty."))
        return "too_few_items", str(
            ngettext("Must have at least %(num)d item.", "Must have at least %(num)d items.", value)
        )
    if keyword in ("maxItems", "maxContains"):
        return "too_many_items", str(
            ngettext("Must have at most %(num)d item.", "Must have at most %(num)d items.", value)
        )
    if keyword == "minProperties":
        return "too_few_items", str(
            ngettext("Must have at least %(num)d field.", "Must have at least %(num)d fields.", value)
        )
    if keyword == "maxProperties":
        return "too_many_items", str(
            ngettext("Must have at most %(num)d field.", "Must have at most %(num)d fields.", value)
        )
    if keyword == "uniqueItems":
        return "not_unique", str(_("Must not contain the same value twice."))
    if keyword is None:
        # A ``false`` subschema: nothing is allowed at this place.
        return "invalid", str(_("No value is allowed here."))
    return "invalid", str(_("This value is not valid."))


def _unknown_keys(error: ValidationError) -> list[str]:
    """The properties an ``additionalProperties: false`` (or unevaluated) error is about."""
    instance = error.instance
    if not isinstance(instance, Mapping):
        return []
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    known = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return [key for key in instance if key not in known and not any(p.search(key) for p in patterns)]


def _missing_keys(error: ValidationError) -> list[str]:
    instance = error.instance
    if not isinstance(instance, Mapping):
        return []
    rule: Any = error.validator_value
    if error.validator == "required":
        return [name for name in rule if name not in instance]
    # dependentRequired: {"a": ["b", "c"]} — b and c are required when a is present.
    missing: list[str] = []
    for trigger, needed in dict(rule).items():
        if trigger in instance:
            missing.extend(n for n in needed if n not in instance and n not in missing)
    return missing


#: Keywords whose jsonschema errors come once per offending name but each describe all of them.
_GROUPED = frozenset({"required", "dependentRequired", "additionalProperties", "unevaluatedProperties"})

_SortKey = tuple[tuple[int, int, str], ...]


def _sort_key(path: Iterable[str | int]) -> _SortKey:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in path)


def _closest_branch(context: Iterable[ValidationError]) -> list[ValidationError]:
    """The errors of the anyOf/oneOf branch the instance nearly matched.

    Branches whose type already differs from the instance's are the least likely intent; among the
    rest, the one with fewest errors wins (ties: the first listed).
    """
    branches: dict[Any, list[ValidationError]] = {}
    for sub in context:
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(branch, []).append(sub)

    def distance(errors: list[ValidationError]) -> tuple[bool, int]:
        wrong_type = any(e.validator == "type" and not e.relative_path for e in errors)
        return wrong_type, len(errors)

    return min(branches.values(), key=distance)


def _expand(error: ValidationError) -> Iterator[tuple[list[str | int], str, str]]:
    """(path, code, message) for one jsonschema error; some keywords name several fields."""
    path: list[str | int] = list(error.absolute_path)
    keyword = error.validator
    if keyword in ("required", "dependentRequired"):
        for name in _missing_keys(error):
            yield [*path, name], "required", str(_("This field is required."))
    elif keyword in ("additionalProperties", "unevaluatedProperties"):
        keys = _unknown_keys(error)
        if not keys:
            yield path, "unknown_field", str(_("This field is not allowed."))
        for key in keys:
            yield [*path, key], "unknown_field", str(_("This field is not allowed."))
    elif keyword in ("anyOf", "oneOf") and error.context:
        # Report the branch that came closest instead of a vague "matches none".
        for sub in _closest_branch(error.context):
            yield from _expand(sub)
    else:
        code, message = _simple(error)
        yield path, code, message


def schema_errors(
    schema: Mapping[str, Any], instance: Any, prefix: str = "", limit: int = 50
) -> list[FieldError]:
    """Validate ``instance`` against a Draft 2020-12 ``schema``; the problems, sorted by path.

    Messages are ours and translated in the current locale. ``prefix`` is prepended to every
    path (``"items[3].payload"``). At most ``limit`` errors are reported (the first found, so a
    huge bad list costs no more than a small one). When a value has the
    wrong type, other complaints about the same value are dropped: they only repeat the point.
    Compiled validators are cached per schema object, so pass the same (module-level) dict each
    time when validating many values.
    """
    raw = list(islice(_validator(schema).iter_errors(instance), limit))
    if not raw:
        return []
    typed_paths = {tuple(e.absolute_path) for e in raw if e.validator == "type"}
    seen_groups: set[tuple[int, tuple[str | int, ...], str]] = set()
    found: list[tuple[_SortKey, FieldError]] = []
    for error in raw:
        path = tuple(error.absolute_path)
        if error.validator != "type" and path in typed_paths:
            continue
        if error.validator in _GROUPED:
            # jsonschema yields one error per missing name, each knowing all of them: report once.
            group = (id(error.schema), path, str(error.validator))
            if group in seen_groups:
                continue
            seen_groups.add(group)
        for full_path, code, message in _expand(error):
            found.append((_sort_key(full_path), FieldError(join_path(prefix, *full_path), code, message)))
    found.sort(key=lambda pair: pair[0])
    unique: list[FieldError] = []
    for _key, field_error in found:
        if field_error not in unique:
            unique.append(field_error)
        if len(unique) >= limit:
            break
    return unique
