"""The QA report as a document: HTML in the reader's language, and a PDF made from that HTML.

Why render from the JSON report (not from the database): the delivery stores the JSON, and the
HTML and PDF must say exactly what it says, in any locale, at any later time. Numbers, money and
dates are formatted here with Babel in the reader's locale, and the template only lays them out,
so the template stays free of arithmetic.

The PDF is WeasyPrint's rendering of the same HTML. The page is self-contained (inline CSS and
SVG), and the URL fetcher refuses every request, so rendering never touches the network, even if
a comment in the report looked like a link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any, NoReturn

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, format_datetime, format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup

from marketplace.languages.codes import language_name, text_direction, to_babel_identifier
from marketplace.payments.money import to_major
from marketplace.projects.states import triage_reason_name
from marketplace.reports.qa_charts import Interval, bar_chart, interval_chart
from marketplace.review.feedback import reason_text

TEMPLATE = "reports/qa_report.html"
#: Shown where a number is undefined (no gold answered, α without variation...).
MISSING = "–"


def render_qa_html(report: Mapping[str, Any], locale: str) -> str:
    """The report as one self-contained HTML page in ``locale`` (a BCP 47 tag such as ``ar``)."""
    # Deliveries render in a job, with no request; the app's context processors (the signed-in
    # user, the language switcher) expect one, so an empty request stands in for it there.
    outside_request = nullcontext() if has_request_context() else current_app.test_request_context("/")
    with outside_request, force_locale(to_babel_identifier(locale)):
        view = _view(report, locale)
        return render_template(
            TEMPLATE, report=report, view=view, report_lang=locale, report_dir=text_direction(locale)
        )


def render_qa_pdf(report: Mapping[str, Any], locale: str) -> bytes:
    """The report as a PDF, rendered from :func:`render_qa_html` without network access."""
    import weasyprint  # type: ignore[import-untyped]  # heavy (cairo, pango): loaded only for a PDF

    html = render_qa_html(report, locale)
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=refuse_fetch).write_pdf()
    return pdf


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    """WeasyPrint's URL fetcher for the report: nothing outside the document is ever loaded."""
    raise ValueError(f"the QA report loads no external resource ({url[:80]})")


# --- formatting -----------------------------------------------------------------------------------


def _number(value: float | int | None, digits: int = 3) -> str:
    if value is None:
        return MISSING
    if isinstance(value, int):
        return str(format_decimal(value))
    return str(format_decimal(round(value, digits), format="#,##0." + "0" * digits))


def _percent(value: float | None) -> str:
    return MISSING if value is None else str(format_percent(value, format="#,##0.0%"))


def _money(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return MISSING
    from babel.numbers import format_currency
    from flask_babel import get_locale

    return str(format_currency(to_major(amount_minor, currency), currency, locale=get_locale()))


def _date(value: str | None) -> str:
    if not value:
        return MISSING
    return str(format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), "medium"))


def _language(code: str, locale: str) -> str:
    name = language_name(code, locale)
    return f"{name} ({code})" if name and name != code else code


def _review_reason(code: str) -> str:
    names = {
        "sample": _("Random sample"),
        "flagged": _("Flagged by an annotator"),
        "unresolved": _("Unresolved disagreement"),
        "failed_gold": _("Failed hidden gold"),
        "language_reported": _("Wrong language reported"),
        "low_agreement": _("Low agreement"),
        "in_review": _("Review still open"),
    }
    return str(names.get(code, code))


def _item_state(code: str) -> str:
    names = {
        "awaiting_language": _("Awaiting language detection"),
        "triage": _("In language triage"),
        "ready": _("Being labelled"),
        "complete": _("Complete"),
    }
    return str(names.get(code, code))


# --- the view -------------------------------------------------------------------------------------


def _view(report: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """Everything the template prints, already formatted in the current (forced) locale."""
    languages = list(report.get("languages", []))
    issues = report.get("known_issues", {})
    return {
        "generated_at": _date(report.get("generated_at")),
        "period": (_date(report["scope"].get("from")), _date(report["scope"].get("to"))),
        "batches": [batch["name"] for batch in report["scope"].get("batches", [])],
        "languages": [_language_view(entry, locale) for entry in languages],
        "alpha_chart": _alpha_chart(languages, locale),
        "alpha_rows": [_alpha_row(entry, locale) for entry in languages],
        "confused_pairs": [
            {
                "language": _language(pair["language"], locale),
                "first": pair["first"],
                "second": pair["second"],
                "count": _number(pair["count"], 1),
                "ratio": _number(pair["ratio"], 2),
            }
            for pair in issues.get("confused_pairs", [])
        ],
        "flagged": {
            "count": issues.get("flagged_edge_cases", {}).get("count", 0),
            "rows": [
                {**row, "language": _language(row["language"], locale)}
                for row in issues.get("flagged_edge_cases", {}).get("items", [])
            ],
        },
        "unresolved": {
            "count": issues.get("unresolved_items", {}).get("count", 0),
            "rows": [
                {
                    "item": row["item"],
                    "language": _language(row["language"] or "und", locale),
                    "reason": _review_reason(row["reason"]),
                }
                for row in issues.get("unresolved_items", {}).get("items", [])
            ],
        },
        "incomplete": [
            {"language": _language(code, locale), "state": _item_state(state), "count": count}
            for code, states in issues.get("incomplete_items", {}).get("languages", {}).items()
            for state, count in states.items()
        ],
        "triage": {
            "count": issues.get("triage", {}).get("count", 0),
            "reasons": [
                {"reason": triage_reason_name(code), "count": count}
                for code, count in issues.get("triage", {}).get("reasons", {}).items()
            ],
        },
        "missing_guidelines": [
            _language(code, locale) for code in issues.get("missing_guidelines", {}).get("languages", [])
        ],
        "throughput": _throughput_rows(report, languages, locale),
        "cost": _cost_rows(report, languages, locale),
    }


def _language_view(entry: Mapping[str, Any], locale: str) -> dict[str, Any]:
    code = entry["language"]
    gold = entry["gold"]
    review = entry["review"]
    classes = gold.get("classes", [])
    return {
        "code": code,
        "name": _language(code, locale),
        "counts": entry["items"],
        "gold": {
            "scored": gold["scored"],
            "correct": gold["correct"],
            "accuracy": _percent(gold["accuracy"]),
            "classes": [
                {
                    "name": row["class"],
                    "support": row["support"],
                    "predicted": row["predicted"],
                    "precision": _number(row["precision"]),
                    "recall": _number(row["recall"]),
                    "f1": _number(row["f1"]),
                }
                for row in classes
            ],
            "chart": bar_chart(
                f"f1-{code}",
                _("F1 per class against hidden gold: %(language)s", language=_language(code, locale)),
                _("Bars from 0 to 1; the table below gives the same numbers."),
                [(row["class"], row["f1"]) for row in classes],
                fmt=lambda value: _number(value, 2),
                missing=MISSING,
            )
            if classes and gold["scored"]
            else None,
            "confusion": gold.get("confusion"),
        },
        "review": {
            **review,
            "acceptance_rate": _percent(review.get("acceptance_rate")),
            "rejection_reasons": [
                {"reason": reason_text(code), "count": count}
                for code, count in review.get("rejection_reasons", {}).items()
            ],
            "review_reasons": [
                {"reason": _review_reason(code), "count": count}
                for code, count in review.get("review_reasons", {}).items()
            ],
        },
    }


def _alpha_row(entry: Mapping[str, Any], locale: str) -> dict[str, Any]:
    agreement = entry["agreement"]
    interval = agreement.get("interval") or {}
    return {
        "language": _language(entry["language"], locale),
        "alpha": _number(agreement.get("alpha")),
        "low": _number(interval.get("low")),
        "high": _number(interval.get("high")),
        "units": agreement.get("items", 0),
        "judgments": agreement.get("judgments", 0),
    }


def _alpha_chart(languages: Sequence[Mapping[str, Any]], locale: str) -> Markup | None:
    rows = [
        Interval(
            entry["language"],
            entry["agreement"].get("alpha"),
            (entry["agreement"].get("interval") or {}).get("low"),
            (entry["agreement"].get("interval") or {}).get("high"),
        )
        for entry in languages
    ]
    if not any(row.value is not None for row in rows):
        return None
    return interval_chart(
        "alpha",
        _("Krippendorff's alpha per language"),
        _("A point per language with its 95% bootstrap interval; the table below gives the same numbers."),
        rows,
        fmt=lambda value: _number(value, 2),
        missing=MISSING,
    )


def _throughput_rows(
    report: Mapping[str, Any], languages: Sequence[Mapping[str, Any]], locale: str
) -> list[dict[str, Any]]:
    rows = [(_language(entry["language"], locale), entry["throughput"]) for entry in languages]
    rows.append((_("All languages"), report["totals"]["throughput"]))
    return [
        {
            "language": name,
            "days": numbers["days"],
            "accepted_items": numbers["accepted_items"],
            "judgments": numbers["judgments"],
            "accepted_per_day": _number(numbers["accepted_items_per_day"], 1),
            "judgments_per_day": _number(numbers["judgments_per_day"], 1),
        }
        for name, numbers in rows
    ]


def _cost_rows(
    report: Mapping[str, Any], languages: Sequence[Mapping[str, Any]], locale: str
) -> list[dict[str, Any]]:
    rows = [(_language(entry["language"], locale), entry["cost"]) for entry in languages]
    rows.append((_("All languages"), report["totals"]["cost"]))
    return [
        {
            "language": name,
            "currency": line["currency"],
            "accepted_judgments": line["accepted_judgments"],
            "total": _money(line["total_minor"], line["currency"]),
            "delivered_items": line["delivered_items"],
            "per_item": _money(line["per_accepted_item_minor"], line["currency"]),
        }
        for name, lines in rows
        for line in lines
    ]
