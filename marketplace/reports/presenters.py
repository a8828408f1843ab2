"""Deliveries as the client reads them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from marketplace.projects.presenters import timestamp
from marketplace.reports.models import Delivery, DeliveryState


def delivery_json(
    delivery: Delivery,
    project_public_id: str,
    batch_public_ids: Mapping[int, str],
    url_of: Callable[[str], str],
) -> dict[str, Any]:
    """``url_of(file name)`` gives each file's download URL (presigned or through the API)."""
    ready = delivery.state == DeliveryState.READY
    files = [{**entry, "download_url": url_of(entry["name"])} for entry in delivery.manifest.get("files", [])]
    return {
        "id": delivery.public_id,
        "project": project_public_id,
        "version": delivery.version,
        "state": delivery.state,
        "trigger": delivery.trigger,
        "batches": [
            batch_public_ids[batch_id] for batch_id in delivery.batch_ids if batch_id in batch_public_ids
        ],
        "item_count": delivery.item_count,
        "diff": {
            key: delivery.diff_summary.get(key)
            for key in ("previous_version", "added", "changed", "withdrawn")
        }
        if ready
        else {},
        "files": files,
        "manifest_url": url_of("manifest.json") if ready else None,
        "qa_report_url": url_of("qa_report.html") if ready else None,
        # The cause (``delivery.error``) is for our logs and ops, not for the client.
        "error": _("This delivery could not be made. Ask for a new one; our team has been told.")
        if delivery.state == DeliveryState.FAILED
        else None,
        "created_at": timestamp(delivery.created_at),
        "finished_at": timestamp(delivery.finished_at),
    }
