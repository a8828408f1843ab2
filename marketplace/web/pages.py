"""Public pages: the home page and health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from marketplace.db import get_session

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("pages/home.html")


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """Liveness and database reachability, for load balancers."""
    get_session().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
