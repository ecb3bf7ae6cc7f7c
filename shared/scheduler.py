"""The scheduler (Celery beat): sends each service's periodic tasks by name, imports no service."""

from __future__ import annotations

from shared.celery import make_celery
from shared.routing import SCHEDULE
from shared.settings import BaseServiceSettings

celery_app = make_celery("scheduler", BaseServiceSettings())
celery_app.conf.beat_schedule = {
    entry: {"task": task, "schedule": seconds, "options": {"expires": max(seconds * 3, 10)}}
    for entry, (task, seconds) in SCHEDULE.items()
}
