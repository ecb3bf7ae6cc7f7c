"""Limits on what one client may ask of an API: request rates (on Redis, shared by every API process)
and body sizes (applied by `install_common`)."""

from __future__ import annotations

from fastapi import FastAPI

from shared.settings import BaseServiceSettings


def install_limits(app: FastAPI, settings: BaseServiceSettings) -> None:
    """Install the body-size bound and the rate limiter's store on `app`."""
