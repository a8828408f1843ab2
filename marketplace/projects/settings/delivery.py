"""Delivery settings of a project (``project.settings["delivery"]``): when deliveries are made
without being asked for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

#: JSON schema of the settings; every key is optional and has the default below.
SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "on_batch_complete": {
            "type": "boolean",
            "description": "Make a delivery of a batch as soon as every item of it is complete.",
        },
        "cadence": {
            "description": "A weekly delivery of every complete item, or null for none.",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["weekday", "hour", "timezone"],
                    "properties": {
                        "weekday": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 6,
                            "description": "0 is Monday, 6 Sunday, in the given time zone.",
                        },
                        "hour": {"type": "integer", "minimum": 0, "maximum": 23},
                        "timezone": {
                            "type": "string",
                            "maxLength": 64,
                            "description": "An IANA time zone, e.g. Europe/Berlin.",
                        },
                    },
                },
            ],
        },
    },
}


@dataclass(frozen=True)
class Cadence:
    weekday: int
    hour: int
    timezone: str

    def last_due(self, now: datetime) -> datetime:
        """The most recent scheduled moment at or before ``now`` (aware, UTC-comparable)."""
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        days_back = (local.weekday() - self.weekday) % 7
        candidate = (local - timedelta(days=days_back)).replace(
            hour=self.hour, minute=0, second=0, microsecond=0
        )
        if candidate > local:
            candidate -= timedelta(days=7)
        # Re-attach the zone so a daylight-saving change between the dates gives the right offset.
        return candidate.replace(tzinfo=zone)


@dataclass(frozen=True)
class DeliverySettings:
    on_batch_complete: bool = True
    cadence: Cadence | None = None

    @classmethod
    def of(cls, project_settings: Mapping[str, Any] | None) -> DeliverySettings:
        raw = dict((project_settings or {}).get("delivery") or {})
        cadence = raw.get("cadence")
        return cls(
            on_batch_complete=bool(raw.get("on_batch_complete", True)),
            cadence=Cadence(**cadence) if cadence else None,
        )


def is_known_timezone(name: str) -> bool:
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
