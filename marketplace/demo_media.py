"""Demo projects for the media task types, so ``make run`` shows every work-page widget.

One small Spanish project per type (a phone call to transcribe; a street scene for boxes,
polygons, keypoints and masks), open to native speakers without an exam and unpriced. The media
are served by the app itself from ``static/demo/``: item payloads need absolute URLs, so they are
built on ``PUBLIC_BASE_URL``, or on the address ``make run`` serves.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.projects import ingest, progress
from marketplace.projects import service as projects
from marketplace.projects.models import Project, ProjectState
from marketplace.projects.upload_parsing import Upload

#: Where ``make run`` serves the app when PUBLIC_BASE_URL is not set.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"

_STREET_LABELS = [
    ("coche", "Cualquier coche, furgoneta o camión."),
    ("persona", "Una persona, a pie o en bicicleta."),
    ("letrero", "Una señal de tráfico, con su poste."),
]


def _labels(names: list[tuple[str, str]]) -> dict[str, Any]:
    return {"labels": [{"name": n, "definition": d, "edge_cases": [], "examples": []} for n, d in names]}


def media_projects(base_url: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(project data, item payload) for each media task type."""
    call = {
        "audio_url": f"{base_url}/static/demo/llamada-es.wav",
        "duration_seconds": 6.78,
        "mime_type": "audio/wav",
    }
    street = {"image_url": f"{base_url}/static/demo/calle.svg", "width": 640, "height": 480}
    guideline = {
        "audio_transcription": "Escribe lo que se dice, turno a turno, con el hablante de cada turno.",
        "image_bounding_box": "Enmarca cada objeto con la caja más ajustada posible.",
        "image_polygon": "Rodea el contorno de cada objeto con un polígono.",
        "image_keypoints": "Marca la cabeza y los pies de cada persona.",
        "segmentation_mask": "Pinta los píxeles de cada objeto con su etiqueta.",
    }
    names = {
        "audio_transcription": "Demo: transcripción de llamadas",
        "image_bounding_box": "Demo: cajas en fotos de calle",
        "image_polygon": "Demo: polígonos en fotos de calle",
        "image_keypoints": "Demo: puntos clave de personas",
        "segmentation_mask": "Demo: máscaras en fotos de calle",
    }
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for task_type, name in names.items():
        data: dict[str, Any] = {
            "name": name,
            "task_type": task_type,
            "source_language": "es",
            "languages": ["es"],
            "overlap": 2,
            "max_overlap": 2,
            "guidelines": {"es": guideline[task_type]},
            "settings": {"qualification": {"required": False}, "review": {"sample_rate": 1.0}},
        }
        if task_type == "audio_transcription":
            data["task_config"] = {"speakers": ["agente", "cliente"]}
        elif task_type == "image_keypoints":
            data["ontology"] = _labels([_STREET_LABELS[1]])
            data["task_config"] = {"keypoint_names": ["cabeza", "pie_izquierdo", "pie_derecho"]}
        elif task_type == "segmentation_mask":
            data["ontology"] = _labels(_STREET_LABELS[:2])
        else:
            data["ontology"] = _labels(_STREET_LABELS)
        found.append((data, call if task_type == "audio_transcription" else street))
    return found


def seed_media_projects(organisation_id: int, owner_id: int) -> list[Project]:
    """Create what is missing of the media demo projects; idempotent like the rest of the demo."""
    base_url = (current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    seeded: list[Project] = []
    for data, payload in media_projects(base_url):
        project = get_session().scalar(
            select(Project).where(Project.organisation_id == organisation_id, Project.name == data["name"])
        )
        if project is None:
            project = projects.create_project(organisation_id, data, created_by=owner_id)
        if project.state == ProjectState.DRAFT:
            project = projects.set_project_state(project.id, ProjectState.ACTIVE, owner_id)
        if progress.project_progress(project.id)["total"] == 0:
            line = {"external_id": f"demo-{data['task_type']}-1", "language": "es", "payload": payload}
            upload = Upload(format="jsonl", content=json.dumps(line, ensure_ascii=False).encode())
            ingest.upload_items(project.id, upload, user_id=owner_id)
        seeded.append(project)
    return seeded
