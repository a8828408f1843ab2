"""Media an annotator's browser can load: ``s3://`` URLs in item payloads become presigned URLs.

Signed where a page or answer is rendered, never stored: a link lives ``S3_PRESIGN_SECONDS``, the
item for ever. Pages get ``media_src`` as a template global (every widget uses it, so work, exam,
review and preview pages alike), the JSON API ``loadable_payload``. What the storage cannot sign
(``gs://``, or ``s3://`` without an S3 backend) stays as it was, and the widget says it cannot
show it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from marketplace.storage import get_storage
from marketplace.tasktypes import get_task_type
from marketplace.tasktypes.base import MEDIA_URL_PATTERN


def media_src(url: Any) -> Any:
    """``url`` as the browser should fetch it (unchanged unless it is a signable ``s3://`` URL)."""
    if not isinstance(url, str) or not url.startswith("s3://"):
        return url
    signed = get_storage().media_url(url, int(current_app.config["S3_PRESIGN_SECONDS"]))
    return signed if signed is not None else url


def loadable_payload(task_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``payload`` with each media field the task type declares made loadable."""
    properties = get_task_type(task_type).payload_schema.get("properties", {})
    fields = [name for name, schema in properties.items() if schema.get("pattern") == MEDIA_URL_PATTERN]
    signed = {name: media_src(payload[name]) for name in fields if isinstance(payload.get(name), str)}
    changed = {name: url for name, url in signed.items() if url != payload[name]}
    return {**payload, **changed} if changed else payload


def init_app(app: Flask) -> None:
    app.add_template_global(media_src)
