"""Ops pages: the per-language dashboard, and the language triage queue, per language pair, with
forms to set items' language.

A pair is addressed as ``<declared>~<detected>`` (``und`` for none: ``und~pt``), since language tags
themselves contain hyphens. Forms post back to the page they are on, with the CSRF token, and
redirect (post/redirect/get) so a reload never resolves twice.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from marketplace.accounts.models import Role
from marketplace.i18n import current_locale_tag
from marketplace.languages.codes import language_name
from marketplace.ops import charts
from marketplace.ops import dashboard as figures
from marketplace.projects import triage
from marketplace.projects.states import triage_reason_name
from marketplace.validation import InvalidInput
from marketplace.web.auth import roles_required

bp = Blueprint("ops", __name__, url_prefix="/ops")

#: Triage items per page.
PAGE_SIZE = 100


def pair_slug(declared: str | None, detected: str | None) -> str:
    return f"{declared or triage.NO_LANGUAGE}~{detected or triage.NO_LANGUAGE}"


def _pair(slug: str) -> tuple[str | None, str | None]:
    """(declared, detected) of a pair address; 404 for anything that is not one."""
    parts = slug.split("~")
    if len(parts) != 2:
        abort(404)
    try:
        declared, detected = (triage.language_match(part, "pair") for part in parts)
    except InvalidInput:
        abort(404)
    if declared.any or detected.any:  # an empty half: "~pt"
        abort(404)
    return declared.tag, detected.tag


def _language_label(code: str | None) -> str:
    if code is None:
        return str(_("none"))
    return f"{language_name(code, current_locale_tag())} ({code})"


@bp.context_processor
def _ops_context() -> dict[str, object]:
    return {"reason_name": triage_reason_name, "pair_slug": pair_slug, "language_label": _language_label}


def _short_day(day: date) -> str:
    """A day as the reader's locale writes a day and month (axis labels)."""
    return format_skeleton("MMMd", day, locale=get_locale())


def _rate(value: float | None) -> str:
    return "—" if value is None else str(format_percent(value))


def _mean(series: list[figures.DailyRate]) -> float | None:
    """Mean over all observations of the period (days weighted by how many they had)."""
    total = sum(point.count for point in series)
    if not total:
        return None
    return sum((point.value or 0.0) * point.count for point in series) / total


def dashboard_charts(row: figures.LanguageDashboard, label: str) -> dict[str, Markup]:
    """The two charts of one language, their texts in the reader's language."""
    days = [point.day for point in row.throughput]
    x_labels = [_short_day(day) for day in days]
    start, end = format_date(days[0]), format_date(days[-1])
    counts = [point.count for point in row.throughput]
    throughput = charts.bar_chart(
        f"throughput-{row.language}",
        x_labels,
        counts,
        title=_("Judgments submitted per day in %(language)s", language=label),
        desc=_(
            "From %(start)s to %(end)s: %(total)s judgments in all, at most %(most)s in one day.",
            start=start,
            end=end,
            total=format_decimal(sum(counts)),
            most=format_decimal(max(counts, default=0)),
        ),
        x_label=_("Day"),
        y_label=_("Judgments"),
        y_format=lambda value: str(format_decimal(value)),
    )
    quality = charts.line_chart(
        f"quality-{row.language}",
        x_labels,
        [
            charts.Series(_("Agreement"), [point.value for point in row.agreement]),
            charts.Series(_("Accuracy on check questions"), [point.value for point in row.gold_accuracy]),
        ],
        title=_("Agreement and accuracy on check questions per day in %(language)s", language=label),
        desc=_(
            "From %(start)s to %(end)s: agreement %(agreement)s and accuracy on check questions "
            "%(accuracy)s over the whole period; days without data are gaps.",
            start=start,
            end=end,
            agreement=_rate(_mean(row.agreement)),
            accuracy=_rate(_mean(row.gold_accuracy)),
        ),
        x_label=_("Day"),
        # i18n: the y axis of a chart of rates between 0% and 100%.
        y_label=_("Rate"),
        y_format=lambda value: str(format_percent(value)),
    )
    return {"throughput": throughput, "quality": quality}


@bp.get("/dashboard")
@roles_required(Role.OPS)
def dashboard() -> ResponseReturnValue:
    languages = figures.dashboard_languages()
    language = request.args.get("language") or None
    if language not in languages:
        language = None
    days = request.args.get("days", type=int)
    if days not in figures.PERIODS:
        days = figures.PERIODS[0]
    rows = figures.language_dashboards(language, days)
    return render_template(
        "ops/dashboard.html",
        rows=rows,
        charts={row.language: dashboard_charts(row, _language_label(row.language)) for row in rows},
        languages=languages,
        language=language,
        days=days,
        periods=sorted(figures.PERIODS),
        active_days=figures.ACTIVE_DAYS,
    )


@bp.get("/triage")
@roles_required(Role.OPS)
def triage_queue() -> ResponseReturnValue:
    project = request.args.get("project") or None
    groups = triage.triage_groups(triage.TriageScope(project=project))
    return render_template(
        "ops/triage.html", groups=groups, projects=triage.triage_projects(), project=project
    )


@bp.route("/triage/<pair>", methods=["GET", "POST"])
@roles_required(Role.OPS)
def triage_pair(pair: str) -> ResponseReturnValue:
    declared, detected = _pair(pair)
    project = request.args.get("project") or None
    scope = triage.TriageScope.pair(declared, detected, project)
    if request.method == "POST":
        return _resolve(scope, pair, project)
    page = triage.triage_items(scope, request.args.get("cursor"), PAGE_SIZE)
    return render_template(
        "ops/triage_pair.html",
        pair=pair,
        declared=declared,
        detected=detected,
        project=project,
        items=page.items,
        next_cursor=page.next_cursor,
        languages=triage.scope_languages(scope),
    )


def _resolve(scope: triage.TriageScope, pair: str, project: str | None) -> ResponseReturnValue:
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    back = redirect(url_for("ops.triage_pair", pair=pair, project=project))
    language = request.form.get("language", "")
    whole_pair = request.form.get("scope") == "all"
    selected = request.form.getlist("items")
    if not whole_pair and not selected:
        flash(_("Select at least one item."), "error")
        return back
    try:
        if whole_pair:
            resolution = triage.resolve_group(scope, language, current_user.id)
        else:
            resolution = triage.resolve_items(selected, language, current_user.id)
    except InvalidInput as exc:
        for error in exc.errors:
            flash(error.message, "error")
        return back
    flash(
        ngettext(
            "%(num)s item is now routed in %(language)s.",
            "%(num)s items are now routed in %(language)s.",
            len(resolution.resolved),
            language=_language_label(resolution.language),
        ),
        "success",
    )
    if resolution.skipped:
        flash(
            ngettext(
                "%(num)s item was already decided and was left alone.",
                "%(num)s items were already decided and were left alone.",
                len(resolution.skipped),
            ),
            "info",
        )
    return back
