"""Each API's OpenAPI document describes every answer it gives (applied by `install_common`)."""

from __future__ import annotations

from fastapi import FastAPI


def describe_answers(app: FastAPI) -> None:
    """Make `app`'s OpenAPI document promise what the API really answers (error bodies, status codes)."""
