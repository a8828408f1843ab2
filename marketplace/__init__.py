"""The annotation marketplace: ``create_app`` builds the Flask application; nothing binds at import."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

ROOT = Path(__file__).resolve().parent.parent

csrf = CSRFProtect()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, overridden by ``config`` (tests pass their own)."""
    from marketplace import cli, db, i18n, jobs
    from marketplace.config import load_config
    from marketplace.web import auth, errors, media, pages
    from marketplace.web.api import api_bp

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(config))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # UTF-8 JSON: names and texts stay readable

    db.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    errors.init_app(app)

    # Domain API modules register their endpoints on the shared API blueprint when imported.
    _import_api_modules()
    csrf.exempt(api_bp)  # the API checks CSRF itself for cookie-authenticated writes (web.auth)
    app.register_blueprint(api_bp)
    media.init_app(app)

    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.agreement.views import bp as agreement_bp
    from marketplace.ops.views import bp as ops_bp
    from marketplace.payments.payouts.views import bp as payouts_bp
    from marketplace.payments.stripe_webhook_api import bp as stripe_webhooks_bp
    from marketplace.payments.views import bp as payments_bp
    from marketplace.projects.views import bp as projects_bp
    from marketplace.qualification.views import bp as qualification_bp
    from marketplace.reports.views import bp as deliveries_bp
    from marketplace.reports.webhooks.views import bp as webhooks_bp
    from marketplace.review.views import bp as review_bp
    from marketplace.routing.views import bp as work_bp

    app.register_blueprint(pages.bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(work_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(qualification_bp)
    app.register_blueprint(agreement_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(payouts_bp)
    app.register_blueprint(deliveries_bp)
    app.register_blueprint(webhooks_bp)
    # Stripe signs webhooks; there is no session and no CSRF token to check.
    csrf.exempt(stripe_webhooks_bp)
    app.register_blueprint(stripe_webhooks_bp)

    jobs.init_app(app)
    # Routing asks payments what a claim costs through a port (routing.budget): wired here, the
    # one place that knows every domain, so no domain imports one above it.
    from marketplace.payments.pricing import LEDGER_BUDGET
    from marketplace.routing.budget import EXTENSION_KEY

    app.extensions[EXTENSION_KEY] = LEDGER_BUDGET
    if app.config["JOBS_MODE"] == "rq":
        # Client events recorded by any domain leave at once instead of at the next periodic run.
        from marketplace.reports.webhooks.kick import send_soon_after_commit

        send_soon_after_commit(app)
    if (
        app.config["JOBS_MODE"] == "thread"
        and app.config.get("RUN_PERIODIC_JOBS", True)
        and not app.config["TESTING"]
    ):
        # The embedded default has no scheduler process: the app factory, the one piece of
        # marketplace/ allowed to know the process entry points, starts one in a thread.
        from workers.cron import start_in_process_scheduler

        app.extensions["periodic_jobs"] = start_in_process_scheduler(app)
    cli.init_app(app)
    return app


def _import_api_modules() -> None:
    import marketplace.accounts.api
    import marketplace.agreement.api
    import marketplace.ops.api
    import marketplace.payments.api
    import marketplace.payments.payouts.api
    import marketplace.projects.api
    import marketplace.qualification.api
    import marketplace.reports.api
    import marketplace.reports.webhooks.api
    import marketplace.review.api
    import marketplace.routing.api  # noqa: F401
