"""Schemathesis over one API in this process: every operation of its OpenAPI document, cases generated
from the document (valid ones and invalid ones), each answer checked against what the document promises.

Each check runs alone on each answer, so a failure is counted per check and no failure stops the run:
the tally says how many operations and cases ran and what failed where."""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.apps import Api

CHECKS = {
    "not_a_server_error": not_a_server_error,
    "status_code_conformance": status_code_conformance,
    "response_schema_conformance": response_schema_conformance,
    "content_type_conformance": content_type_conformance,
    "response_headers_conformance": response_headers_conformance,  # Retry-After on a 429
}
SHOWN = 3  # failures described per (check, operation)


@dataclass
class Tally:
    api: str
    credentials: str
    operations: int = 0
    cases: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # by check
    statuses: Counter[int] = field(default_factory=Counter)
    seen: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (check, operation) -> first few

    def failed(self, check: str, operation: str, description: str) -> None:
        self.failures[check] += 1
        shown = self.seen.setdefault((check, operation), [])
        if len(shown) < SHOWN:
            shown.append(description)

    def line(self) -> str:
        failed = ", ".join(f"{check} {n}" for check, n in sorted(self.failures.items())) or "none"
        return (
            f"{self.api} ({self.credentials}): {self.operations} operations, {self.cases} cases, "
            f"failures: {failed}; statuses {dict(sorted(self.statuses.items()))}"
        )

    def report(self) -> str:
        return "\n\n".join(
            f"{check} on {operation}:\n" + "\n".join(shown) for (check, operation), shown in self.seen.items()
        )


def fuzz(api: Api, headers: dict[str, str], credentials: str, examples: int) -> Tally:
    """Every operation of `api`'s document, `examples` valid and `examples` invalid cases each, sent
    with `headers` (replacing any the case generated)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    tally = Tally(api.name, credentials)
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, _cases(operation, mode, api.known), headers, tally, examples)
    return tally


def _cases(operation: Any, mode: GenerationMode, known: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """Cases from the document. Valid ones often name real things: a path parameter, query parameter or
    top-level body field called like a key of `known` takes one of its values in most cases
    (a random id reaches nothing but a 404)."""
    generated = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.NEGATIVE or not known:
        return generated
    # Real values first: Hypothesis leans towards the first branch, and generated ones come often enough.
    picks = st.fixed_dictionaries({name: st.sampled_from(values) | st.just(KEEP) for name, values in known.items()})
    return st.tuples(generated, picks).map(lambda pair: _naming_real_things(*pair))


KEEP = object()  # a pick that leaves the generated value


def _naming_real_things(case: Any, picks: dict[str, object]) -> Any:
    for container in (case.path_parameters, case.query, case.body):
        if isinstance(container, dict):
            for name in container.keys() & picks.keys():
                if picks[name] is not KEEP:
                    container[name] = picks[name]
    return case


def _run(operation: Any, cases: st.SearchStrategy[Any], headers: dict[str, str], tally: Tally, examples: int) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same cases on every run: CI is repeatable
        database=None,
        phases=[Phase.explicit, Phase.generate],  # nothing fails inside, so nothing to shrink
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @given(case=cases)
    def run(case: Any) -> None:
        tally.cases += 1
        try:
            response = case.call(headers=headers)
        except Exception as error:  # the app raised instead of answering: a server error
            tally.failed("not_a_server_error", label, f"{type(error).__name__}: {error}\n{case.as_curl_command()}")
            return
        tally.statuses[response.status_code] += 1
        for name, check in CHECKS.items():
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except FailureGroup as group:
                tally.failed(name, label, f"{response.status_code} {response.text[:300]}\n{group.exceptions[0]}")

    with suppress(hypothesis.errors.Unsatisfiable):  # an operation without invalid inputs: nothing to send
        run()
