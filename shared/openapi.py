"""Each API's OpenAPI document describes every answer it gives (applied by `install_common`).

FastAPI documents only the 2xx answer and a 422 shaped like its own validation error. Ours differ: a 422
is `{"detail": "<summary>", "errors": [{"field", "problem"}]}` (shared.http), every other error is
`{"detail": "<message>"}` (domain errors may add fields), and staff checks, rate limits, body-size
limits and domain errors answer 401/403/429/413/404/409/410, any request too large 414/431. The
document is patched when FastAPI builds it (first asked for, and again after routes were added), so
every route (included after `install_common`) is in it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

ERROR = "Error"
VALIDATION = "HTTPValidationError"  # FastAPI's name, kept: every generated 422 already refers to it
PROBLEM = "ValidationError"

_ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR,
    "type": "object",
    "description": "What went wrong, in words; some errors add fields a page acts on (e.g. a screening's advice).",
    "properties": {"detail": {"type": "string", "title": "Detail"}},
    "required": ["detail"],
    "additionalProperties": True,
}
_VALIDATION_SCHEMA: dict[str, Any] = {
    "title": VALIDATION,
    "type": "object",
    "description": "The request is not valid: `detail` sums it up, `errors` says which field and why "
    "(a domain rule refused it when `errors` is missing).",
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "errors": {"type": "array", "title": "Errors", "items": {"$ref": f"#/components/schemas/{PROBLEM}"}},
    },
    "required": ["detail"],
    "additionalProperties": True,
}
_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM,
    "type": "object",
    "properties": {
        "field": {"type": "string", "title": "Field", "description": "dotted path, e.g. `client.email`"},
        "problem": {"type": "string", "title": "Problem"},
    },
    "required": ["field", "problem"],
}

_WHY: dict[int, str] = {
    400: "The body could not be read (e.g. not UTF-8)",
    401: "A staff credential is missing, invalid or expired",
    403: "The credential does not give this right (role or location)",
    404: "Not found (or not yours to see)",
    409: "Conflicts with the current state",
    410: "The link has expired",
    413: "The request body is too large",
    414: "The query string is too long",
    422: "Validation error",
    429: "Too many requests: try again after `Retry-After` seconds",
    431: "The request's headers are too large",
    503: "Not ready: a dependency does not answer",
}
_CREDENTIAL_HEADERS = frozenset({"x-api-key", "authorization"})
_WRITES = frozenset({"post", "put", "patch", "delete"})
_OPS = frozenset({"/health", "/metrics"})  # answered by the process itself: nothing to refuse


def describe_answers(app: FastAPI, codes: Iterable[int] | None = None) -> None:
    """Make `app`'s OpenAPI document promise what the API really answers (error bodies, status codes).

    `codes`: the status codes the service's domain errors map to; by default read from the exception
    handlers `install_common` registered (they are in place by the time the document is built)."""
    generate = app.openapi
    described: list[dict[str, Any]] = []  # the document last patched

    def openapi() -> dict[str, Any]:
        # FastAPI's own: cached in app.openapi_schema, made again when routes were added since.
        document = generate()
        if not described or described[0] is not document:
            domain = set(codes) if codes is not None else domain_codes(app)
            describe(document, _limited_operations(app), domain)
            described[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def describe(document: dict[str, Any], limited: set[tuple[str, str]], domain: set[int]) -> None:
    """Patch a generated `document` in place: the real error shapes, and per operation the error codes
    it can answer. `limited`: (path, method) of rate-limited operations; `domain`: domain error codes."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR], schemas[VALIDATION], schemas[PROBLEM] = _ERROR_SCHEMA, _VALIDATION_SCHEMA, _PROBLEM_SCHEMA
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            signs_in = _takes_password(operation, schemas)
            answers = _answers(path, method, operation, (path, method) in limited, domain, signs_in)
            for code, why in sorted(answers.items()):
                _document(operation, code, why)


def _answers(  # six inputs: what the operation is, and what the app around it answers for it
    path: str, method: str, operation: dict[str, Any], limited: bool, domain: set[int], signs_in: bool
) -> dict[int, str]:
    """Each error code the operation can answer, with what it means there."""
    sizes = {414: _WHY[414], 431: _WHY[431]}  # every request's query string and headers are bounded
    if path in _OPS:
        return sizes
    if path == "/ready":
        return {503: _WHY[503], **sizes}
    parameters = operation.get("parameters", [])
    inputs = [p for p in parameters if p.get("name", "").lower() not in _CREDENTIAL_HEADERS]
    body = "requestBody" in operation
    staff = bool(operation.get("security")) or len(inputs) < len(parameters)
    codes: set[int] = set()
    if staff:
        codes |= {401, 403}
    if signs_in:
        codes.add(401)
    named = any(p.get("in") == "path" for p in parameters)
    if inputs or body:
        codes.add(422)
    if named or body:
        codes |= domain  # what the path names or the body asks may be unknown, in conflict or expired
    if named:
        codes.add(404)  # an id that names nothing, or a path the router cannot match
    if body:
        codes.add(400)
    if body or method in _WRITES:
        codes.add(413)
    if limited:
        codes.add(429)
    codes |= sizes.keys()
    why = {code: _WHY.get(code, HTTPStatus(code).phrase) for code in codes}
    if signs_in and not staff:
        why[401] = "The email or password is wrong"
    return why


def _takes_password(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the JSON body has a `password`: a credential in the body, which may be wrong (sign-in)."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    reference = schema.get("$ref", "")
    if reference.startswith("#/components/schemas/"):
        schema = schemas.get(reference.rsplit("/", 1)[1], {})
    return "password" in schema.get("properties", {})


def _document(operation: dict[str, Any], code: int, why: str) -> None:
    responses = operation.setdefault("responses", {})
    given = responses.get(str(code), {})
    if given.get("content") and code != 422:
        return  # the route described it itself, body and all
    schema = VALIDATION if code == 422 else ERROR
    answer: dict[str, Any] = {
        "description": given.get("description") or why,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if code == 429:
        answer["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    if code == 503:
        answer["content"]["application/json"]["schema"] = {"type": "object"}
    responses[str(code)] = answer


def domain_codes(app: FastAPI) -> set[int]:
    """The status codes of the domain errors whose handlers `install_common` registered on `app`."""
    found: set[int] = set()
    for handler in set(app.exception_handlers.values()):
        if not callable(handler):
            continue
        try:
            closed_over = inspect.getclosurevars(handler).nonlocals.values()
        except TypeError:  # a builtin or a callable object: not a domain error handler
            continue
        for value in closed_over:
            if isinstance(value, Mapping) and value and all(_is_error_code(k, v) for k, v in value.items()):
                found |= set(value.values())
    return found


def _is_error_code(kind: object, code: object) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseException) and isinstance(code, int) and 400 <= code < 600


def _limited_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of routes with a rate-limit dependency (a callable from shared.rate_limits)."""
    return {
        (route.path_format, method.lower())
        for route in _api_routes(app.routes)
        if any(_is_rate_limit(call) for call in _calls(route.dependant))
        for method in route.methods
    }


def _api_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Each route with a path, its methods and its dependencies: an APIRoute, or what FastAPI makes of
    one in an included router (it includes routers lazily, as contexts of their routes)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from _api_routes(contexts())
        elif isinstance(getattr(route, "dependant", None), Dependant) and getattr(route, "methods", None):
            yield route


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _is_rate_limit(call: Callable[..., Any]) -> bool:
    owner = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call)
    return getattr(owner, "__module__", "") == "shared.rate_limits"
