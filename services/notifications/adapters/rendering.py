"""Templates to messages: one Jinja environment, HTML escaped, a missing value is an error."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notifications.domain.messages import Kind

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(kind: Kind, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject (one line), plain text and HTML for a message kind."""
    env = environment()
    subject = " ".join(env.get_template(f"{kind.value}/subject.txt").render(context).split())
    text = env.get_template(f"{kind.value}/body.txt").render(context)
    html = env.get_template(f"{kind.value}/body.html").render(context)
    return subject, text, html
