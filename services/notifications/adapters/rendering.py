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


def render(kind: Kind, context: dict[str, Any], locale: str = "en") -> tuple[str, str, str]:
    """Subject (one line), plain text and HTML for a message kind in the client's language.

    English templates are `subject.txt`, `body.txt`, `body.html`; another language adds its code
    (`body.de.html`) and falls back to English where a template is missing."""
    env = environment()

    def one(name: str, extension: str) -> str:
        candidates = [f"{kind.template}/{name}.{locale}.{extension}", f"{kind.template}/{name}.{extension}"]
        return env.select_template(candidates if locale != "en" else candidates[1:]).render(context)

    subject = " ".join(one("subject", "txt").split())
    return subject, one("body", "txt"), one("body", "html")
