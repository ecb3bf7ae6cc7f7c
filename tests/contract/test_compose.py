"""Contract tests for the deployment files, runnable without a Docker engine.

`docker compose config` would need the Docker CLI plugin and `docker compose up` an engine; neither is
available in CI. Instead:

* docker-compose.yml is validated against the Compose specification with `compose_spec`;
* the references the spec cannot see are checked here: `depends_on` targets and conditions, declared
  named volumes, healthchecks behind `service_healthy`, restart policies (a one-shot job runs once,
  everything else comes back however it exited), bind-mount sources and the build context;
* every command a container runs (`uvicorn MODULE:ATTR`, `celery -A MODULE:ATTR`, `python -m MODULE`,
  in `command`, `entrypoint` and `healthcheck`) is resolved to a file of the repository WITHOUT
  importing it, and `ast` proves ATTR is bound at the module's top level;
* the Dockerfile COPYs every top-level package those commands use.

The checker is a set of plain functions; the `test_checker_*` tests run it against small fake projects
in tmp_path to prove it reports each kind of defect, so a green run on the real files means something.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
import textwrap
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from compose_spec import PyCompose

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = "docker-compose.yml"
DOCKERFILE = "Dockerfile"

DEPENDS_ON_CONDITIONS = frozenset({"service_started", "service_healthy", "service_completed_successfully"})
ONE_SHOT_RESTART = frozenset({"no", "on-failure"})
# A long-running service comes back however it ended (`on-failure` skips an exit with status 0), as
# `make run`'s supervisord brings back a process (autorestart=true).
LONG_RUNNING_RESTART = frozenset({"always", "unless-stopped"})
PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
APP_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


# ── Loading and specification ───────────────────────────────────────────────────────────────────


def load_compose(path: Path) -> dict[str, Any]:
    """The compose file as plain data (YAML anchors and aliases resolved)."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def spec_problems(text: str) -> list[str]:
    """What the Compose specification (via the compose_spec library) rejects."""
    try:
        PyCompose.from_yaml(text)
    except ValueError as exc:
        return [f"compose-spec rejects the file: {exc}"]
    return []


def services_of(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: (svc or {}) for name, svc in (compose.get("services") or {}).items()}


# ── References the specification does not check ─────────────────────────────────────────────────


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """`depends_on` as {service: condition}, whichever syntax the file uses."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return {name: "service_started" for name in raw}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def has_healthcheck(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck")
    if not check or check.get("disable"):
        return False
    test = check.get("test")
    return bool(test) and test not in (["NONE"], "NONE")


def _volume_entries(service: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(type, source) of each service volume; type is volume, bind, tmpfs or anonymous."""
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            yield entry.get("type", "volume"), str(entry.get("source") or "")
            continue
        if ":" not in entry:
            yield "anonymous", ""
            continue
        source = entry.split(":", 1)[0]
        yield ("bind" if source.startswith((".", "/", "~")) else "volume"), source


def reference_problems(compose: dict[str, Any]) -> list[str]:
    services = services_of(compose)
    declared_volumes = set((compose.get("volumes") or {}).keys())
    declared_networks = set((compose.get("networks") or {}).keys()) | {"default"}
    awaited_completion: set[str] = set()
    problems: list[str] = []

    for name, svc in services.items():
        for dep, condition in depends_on(svc).items():
            if dep not in services:
                problems.append(f"service {name!r} depends_on {dep!r}, which is not a service of the file")
            if condition not in DEPENDS_ON_CONDITIONS:
                problems.append(f"service {name!r} waits on {dep!r} with unknown condition {condition!r}")
            if condition == "service_healthy" and dep in services and not has_healthcheck(services[dep]):
                problems.append(f"service {name!r} waits for {dep!r} to be healthy, but {dep!r} defines no healthcheck")
            if condition == "service_completed_successfully":
                awaited_completion.add(dep)
        for kind, source in _volume_entries(svc):
            if kind == "volume" and source and source not in declared_volumes:
                problems.append(f"service {name!r} mounts named volume {source!r}, which is not declared")
        networks = svc.get("networks") or []
        for network in networks if isinstance(networks, list) else networks.keys():
            if network not in declared_networks:
                problems.append(f"service {name!r} joins network {network!r}, which is not declared")

    for name, svc in services.items():
        restart = str(svc.get("restart", "no"))
        if name in awaited_completion and restart not in ONE_SHOT_RESTART:
            problems.append(
                f"one-shot service {name!r} (awaited with service_completed_successfully) has "
                f"restart: {restart}; it would run again after succeeding"
            )
        if name not in awaited_completion and restart not in LONG_RUNNING_RESTART:
            problems.append(
                f"long-running service {name!r} has restart: {restart}; it would stay down after it exits "
                f"(use one of {sorted(LONG_RUNNING_RESTART)})"
            )
    return problems


def filesystem_problems(root: Path, compose: dict[str, Any]) -> list[str]:
    """Relative bind-mount sources and build contexts must exist next to the compose file."""
    problems: list[str] = []
    for name, svc in services_of(compose).items():
        for kind, source in _volume_entries(svc):
            if kind == "bind" and source.startswith(".") and not (root / source).exists():
                problems.append(f"service {name!r} bind-mounts {source!r}, which does not exist")
        build = svc.get("build")
        if build is None:
            continue
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = DOCKERFILE if isinstance(build, str) else build.get("dockerfile", DOCKERFILE)
        if not (root / context / dockerfile).is_file():
            problems.append(f"service {name!r} builds from {context}/{dockerfile}, which does not exist")
    return problems


# ── Commands → code ─────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Target:
    """Code a container command needs: `attr` bound in `module` (attr None: a runnable module)."""

    where: str
    tool: str
    module: str
    attr: str | None = None

    def describe(self) -> str:
        ref = f"{self.module}:{self.attr}" if self.attr else self.module
        return f"{self.where}: `{self.tool} {ref}`"


def command_lines(service_name: str, service: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """(where, argv) for the command, entrypoint and healthcheck of a service."""
    for key in ("entrypoint", "command"):
        value = service.get(key)
        if value:
            yield f"{service_name}.{key}", shlex.split(value) if isinstance(value, str) else list(value)
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, str):
        yield f"{service_name}.healthcheck", shlex.split(test)
    elif test and test[0] == "CMD":
        yield f"{service_name}.healthcheck", list(test[1:])
    elif test and test[0] == "CMD-SHELL":
        yield f"{service_name}.healthcheck", shlex.split(" ".join(test[1:]))


def _tool_targets(where: str, tool: str, args: list[str]) -> tuple[list[Target], list[str]]:
    if tool == "uvicorn":
        for arg in args:
            if APP_REF.match(arg):
                module, attr = arg.split(":", 1)
                return [Target(where, "uvicorn", module, attr)], []
        return [], [f"{where}: uvicorn is started without a MODULE:ATTR application"]
    # celery
    app = None
    for i, arg in enumerate(args):
        if arg in ("-A", "--app") and i + 1 < len(args):
            app = args[i + 1]
        elif arg.startswith("--app="):
            app = arg.split("=", 1)[1]
        elif arg.startswith("-A") and len(arg) > 2:
            app = arg[2:].lstrip("=")
        if app:
            break
    if app is None:
        return [], [f"{where}: celery is started without -A/--app"]
    if not APP_REF.match(app):
        return [], [f"{where}: celery -A {app}: name the app explicitly as MODULE:ATTR"]
    module, attr = app.split(":", 1)
    return [Target(where, "celery -A", module, attr)], []


def command_targets(compose: dict[str, Any]) -> tuple[list[Target], list[str]]:
    """Every uvicorn/celery app and `python -m` module the compose file runs."""
    targets: list[Target] = []
    problems: list[str] = []
    for name, svc in services_of(compose).items():
        for where, argv in command_lines(name, svc):
            for i, token in enumerate(argv):
                base = token.rsplit("/", 1)[-1]
                if base in ("uvicorn", "celery"):
                    found, bad = _tool_targets(where, base, argv[i + 1 :])
                elif PYTHON.match(token):
                    module = _python_m_module(argv[i + 1 :])
                    if module in ("uvicorn", "celery"):
                        continue  # `python -m celery ...`: the tool token itself is handled next
                    found, bad = ([Target(where, "python -m", module)] if module else []), []
                else:
                    continue
                targets += found
                problems += bad
    return targets, problems


def _python_m_module(args: list[str]) -> str | None:
    """The module of `python [options] -m MODULE`, or None (`-c`, a script, or nothing)."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-m":
            return args[i + 1] if i + 1 < len(args) else None
        if arg.startswith("-m"):
            return arg[2:]
        if arg == "-c" or not arg.startswith("-"):
            return None
        i += 2 if arg in ("-W", "-X") else 1
    return None


def project_packages(root: Path) -> set[str]:
    """Top-level packages the project installs (pyproject's packages.find include, else dirs)."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        include = data.get("tool", {}).get("setuptools", {}).get("packages", {}).get("find", {}).get("include")
        if include:
            return {pattern.rstrip("*").split(".")[0] for pattern in include if pattern.rstrip("*")}
    return {p.parent.name for p in root.glob("*/__init__.py")}


def resolve_module(root: Path, dotted: str) -> tuple[Path | None, str | None]:
    """The file defining `dotted` under root, without importing anything, or why there is none.

    Every package level must be a regular package (setuptools' find_packages skips directories
    without __init__.py, so the installed image would lack them).
    """
    parts = dotted.split(".")
    current = root
    for depth, part in enumerate(parts[:-1], start=1):
        package = current / part
        name = ".".join(parts[:depth])
        if not package.is_dir():
            return None, f"package `{name}` does not exist ({package.relative_to(root)}/ is missing)"
        if not (package / "__init__.py").is_file():
            return None, f"package `{name}` has no {(package / '__init__.py').relative_to(root)}"
        current = package
    module_file = current / f"{parts[-1]}.py"
    package_init = current / parts[-1] / "__init__.py"
    if module_file.is_file():
        return module_file, None
    if package_init.is_file():
        return package_init, None
    return None, (
        f"module `{dotted}` does not exist (neither {module_file.relative_to(root)} "
        f"nor {package_init.relative_to(root)})"
    )


def module_bindings(path: Path) -> set[str]:
    """Names bound at module level: assignments, defs, classes and imports, also inside if/try/with."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()

    def targets(node: ast.expr) -> Iterator[str]:
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                yield from targets(element)
        elif isinstance(node, ast.Starred):
            yield from targets(node.value)

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    names.update(targets(target))
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                names.update(targets(stmt.target))
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(stmt.name)
            elif isinstance(stmt, ast.Import):
                names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
            elif isinstance(stmt, ast.ImportFrom):
                names.update(a.asname or a.name for a in stmt.names if a.name != "*")
            elif isinstance(stmt, ast.If):
                visit(stmt.body)
                visit(stmt.orelse)
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        names.update(targets(item.optional_vars))
                visit(stmt.body)
            elif isinstance(stmt, ast.Try | ast.TryStar):
                visit(stmt.body)
                visit(stmt.orelse)
                visit(stmt.finalbody)
                for handler in stmt.handlers:
                    visit(handler.body)
            # Walrus expressions at top level are too unusual for an entry point to support.

    visit(tree.body)
    return names


def code_problems(root: Path, targets: list[Target]) -> list[str]:
    packages = project_packages(root)
    problems: list[str] = []
    for target in targets:
        top = target.module.split(".")[0]
        in_repo = top in packages or (root / top).is_dir() or (root / f"{top}.py").is_file()
        if not in_repo:
            if importlib.util.find_spec(top) is None:
                problems.append(f"{target.describe()}: `{top}` is neither in the repository nor installed")
            continue
        path, why = resolve_module(root, target.module)
        if path is None:
            problems.append(f"{target.describe()}: {why}")
            continue
        if target.attr is None:
            if path.name == "__init__.py" and not (path.parent / "__main__.py").is_file():
                main = (path.parent / "__main__.py").relative_to(root)
                problems.append(f"{target.describe()}: `{target.module}` is a package without {main}")
            continue
        attr = target.attr.split(".")[0]
        if attr not in module_bindings(path):
            problems.append(f"{target.describe()}: {path.relative_to(root)} binds no top-level name `{attr}`")
    return problems


# ── Dockerfile ──────────────────────────────────────────────────────────────────────────────────


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        lines.append(pending)
    result = []
    for line in lines:
        instruction, _, args = line.partition(" ")
        result.append((instruction.upper(), args.strip()))
    return result


def dockerfile_copied_sources(text: str) -> set[str]:
    """Build-context paths COPY/ADD take (normalised: no ./ prefix, no trailing /; '.' is all)."""
    sources: set[str] = set()
    for instruction, args in dockerfile_instructions(text):
        if instruction not in ("COPY", "ADD"):
            continue
        parts = json.loads(args) if args.startswith("[") else shlex.split(args)
        flags = [p for p in parts if p.startswith("--")]
        if any(flag.startswith("--from") for flag in flags):
            continue  # from another stage or image, not from the build context
        paths = [p for p in parts if not p.startswith("--")]
        for source in paths[:-1]:
            normalised = source.removeprefix("./").rstrip("/") or "."
            sources.add(normalised)
    return sources


def dockerfile_problems(root: Path, dockerfile: Path, targets: list[Target]) -> list[str]:
    if not dockerfile.is_file():
        return [f"{dockerfile.name} does not exist"]
    text = dockerfile.read_text(encoding="utf-8")
    copied = dockerfile_copied_sources(text)
    packages = project_packages(root)
    problems = []
    if "." in copied:
        return problems
    needed = {t.module.split(".")[0]: t for t in targets}
    for top, target in sorted(needed.items()):
        if top in packages and top not in copied:
            problems.append(f"{dockerfile.name} does not COPY `{top}/`, needed by {target.describe()}")
    for package in sorted(packages - copied):
        if package not in needed:
            problems.append(f"{dockerfile.name} does not COPY project package `{package}/`")
    if re.search(r"pip install\b[^\n]*\s\.(\s|$)", text) and "pyproject.toml" not in copied:
        problems.append(f"{dockerfile.name} runs `pip install .` but does not COPY pyproject.toml")
    return problems


# ── Everything at once ──────────────────────────────────────────────────────────────────────────


def check_project(root: Path, compose_file: str = COMPOSE_FILE, dockerfile: str = DOCKERFILE) -> list[str]:
    """Every problem the checker finds for a project directory (empty: all good)."""
    text = (root / compose_file).read_text(encoding="utf-8")
    problems = spec_problems(text)
    compose = yaml.safe_load(text) or {}
    targets, command_problems = command_targets(compose)
    return [
        *problems,
        *reference_problems(compose),
        *filesystem_problems(root, compose),
        *command_problems,
        *code_problems(root, targets),
        *dockerfile_problems(root, root / dockerfile, targets),
    ]


def _report(problems: list[str]) -> str:
    return "\n  - " + "\n  - ".join(problems)


# ── The real project ────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(REPO / COMPOSE_FILE)


def test_compose_satisfies_the_specification() -> None:
    problems = spec_problems((REPO / COMPOSE_FILE).read_text(encoding="utf-8"))
    assert not problems, _report(problems)


def test_compose_references_resolve(compose: dict[str, Any]) -> None:
    problems = reference_problems(compose) + filesystem_problems(REPO, compose)
    assert not problems, _report(problems)


def test_every_command_runs_code_that_exists(compose: dict[str, Any]) -> None:
    targets, problems = command_targets(compose)
    assert targets, "the checker found no command to verify; its parser is broken"
    problems += code_problems(REPO, targets)
    assert not problems, "compose commands point at missing code:" + _report(problems)


def test_dockerfile_copies_what_the_commands_use(compose: dict[str, Any]) -> None:
    targets, _ = command_targets(compose)
    problems = dockerfile_problems(REPO, REPO / DOCKERFILE, targets)
    assert not problems, _report(problems)


def _uvicorn_port(command: str) -> int | None:
    match = re.search(r"--port[ =](\d+)", command)
    return int(match.group(1)) if match else None


def test_each_api_publishes_and_probes_its_own_port(compose: dict[str, Any]) -> None:
    apis = {n: s for n, s in services_of(compose).items() if "uvicorn services." in str(s.get("command", ""))}
    assert set(apis) == {"catalog-api", "booking-api", "notifications-api"}
    for name, svc in apis.items():
        port = _uvicorn_port(str(svc["command"]))
        assert port, f"{name} starts uvicorn without --port"
        assert f"{port}:{port}" in [str(p) for p in svc.get("ports", [])], f"{name} does not publish {port}"
        assert f"127.0.0.1:{port}/health" in json.dumps(svc["healthcheck"]["test"]), (
            f"{name}'s healthcheck does not probe its own port {port}"
        )


def test_the_web_pages_are_served_on_their_origin_and_allowed_by_every_api(compose: dict[str, Any]) -> None:
    web = services_of(compose)["web"]
    assert "uvicorn ops.web:app" in str(web["command"]) and "--port 8000" in str(web["command"])
    assert "8000:8000" in [str(p) for p in web.get("ports", [])]
    assert "127.0.0.1:8000/config.json" in json.dumps(web["healthcheck"]["test"])
    shared_env = compose["x-env"]
    assert "http://localhost:8000" in shared_env["CORS_ORIGINS"]
    assert shared_env["NOTIFICATIONS_MANAGE_URL"].endswith("/manage/")
    assert shared_env["MANAGE_LINK_SECRET"].startswith("${MANAGE_LINK_SECRET:?"), "the link secret must be required"
    # The page server holds no secret: it is told where the APIs are, nothing else.
    assert set(web["environment"]) == {"WEB_CATALOG_URL", "WEB_BOOKING_URL", "WEB_NOTIFICATIONS_URL"}


def _routing_services() -> tuple[str, ...]:
    """shared.routing.SERVICES, read with ast so no application code is imported."""
    tree = ast.parse((REPO / "shared" / "routing.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "SERVICES" for t in targets) and node.value:
                return tuple(ast.literal_eval(node.value))
    pytest.fail("shared/routing.py defines no SERVICES")


def test_every_service_queue_has_a_worker_and_there_is_one_beat(compose: dict[str, Any]) -> None:
    consumed: dict[str, str] = {}
    beats = []
    for name, svc in services_of(compose).items():
        argv = shlex.split(str(svc.get("command", "")))
        if "celery" in argv and "worker" in argv:
            queues = argv[argv.index("-Q") + 1] if "-Q" in argv else ""
            consumed.update(dict.fromkeys(queues.split(","), name))
        if "celery" in argv and "beat" in argv:
            beats.append(name)
    missing = [queue for queue in _routing_services() if queue not in consumed]
    assert not missing, f"no worker consumes the queue(s) {missing}"
    assert beats == ["scheduler"], f"exactly one beat scheduler must run, found {beats}"


def test_application_containers_share_one_environment(compose: dict[str, Any]) -> None:
    shared_env = compose["x-env"]
    assert shared_env["ADMIN_API_KEY"].startswith("${ADMIN_API_KEY:?"), "ADMIN_API_KEY must be required"
    for name, svc in services_of(compose).items():
        if "build" in svc and name != "web":
            assert svc.get("environment") == shared_env, f"{name} does not use the x-env environment"


def _workers(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        n: s
        for n, s in services_of(compose).items()
        if {"celery", "worker"} <= set(shlex.split(str(s.get("command", ""))))
    }


def test_each_worker_serves_its_metrics_on_its_own_published_port(compose: dict[str, Any]) -> None:
    shared_env = compose["x-env"]
    port, directory = str(shared_env["METRICS_PORT"]), shared_env["PROMETHEUS_MULTIPROC_DIR"]
    host_ports = []
    for name, svc in _workers(compose).items():
        published = [str(p) for p in svc.get("ports", []) if str(p).endswith(f":{port}")]
        assert len(published) == 1, f"{name} does not publish its metrics port {port}"
        host_ports.append(published[0].rsplit(":", 1)[0])
        # Each container's pool writes there: a tmpfs starts empty with every (re)start.
        assert directory in (svc.get("tmpfs") or []), f"{name} lacks a tmpfs at {directory}"
    assert len(set(host_ports)) == len(host_ports) == 3, f"workers share host ports: {host_ports}"


def test_flower_watches_the_broker_from_the_project_image(compose: dict[str, Any]) -> None:
    flower = services_of(compose)["flower"]
    argv = shlex.split(str(flower["command"]))
    assert argv[0] == "celery" and "flower" in argv and "--port=5555" in argv
    assert flower.get("build") and flower["environment"]["REDIS_URL"] == compose["x-env"]["REDIS_URL"]
    assert any(str(p).endswith("5555:5555") for p in flower.get("ports", [])), "Flower's port is not published"
    assert "5555/healthcheck" in json.dumps(flower["healthcheck"]["test"])
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(d.startswith("flower") for d in pyproject["optional-dependencies"]["monitoring"])
    assert "['optional-dependencies']['monitoring']" in (REPO / DOCKERFILE).read_text(), "the image lacks Flower"


def test_postgres_init_creates_each_service_database() -> None:
    sql = (REPO / "ops" / "postgres-init.sql").read_text(encoding="utf-8")
    for database in ("catalog", "booking", "notifications"):
        assert re.search(rf"CREATE DATABASE {database}\b", sql), f"postgres-init.sql lacks {database}"


# ── The checker catches what it claims to ───────────────────────────────────────────────────────

GOOD_COMPOSE = """\
name: fake
x-env: &env
  REDIS_URL: redis://redis:6379/0
services:
  redis:
    image: redis:7-alpine
    volumes: [redis-data:/data]
    healthcheck: {test: ["CMD", "redis-cli", "ping"]}
    restart: unless-stopped
  db:
    image: postgres:16-alpine
    volumes: ["./ops/init.sql:/docker-entrypoint-initdb.d/init.sql:ro"]
    healthcheck: {test: ["CMD-SHELL", "pg_isready -h 127.0.0.1"]}
    restart: unless-stopped
  alpha-migrate:
    image: fake-app:latest
    build: .
    command: python -m ops.migrate alpha
    environment: *env
    depends_on: {db: {condition: service_healthy}}
  alpha-api:
    image: fake-app:latest
    build: .
    command: uvicorn services.alpha.entrypoints.api:app --host 0.0.0.0 --port 8001
    environment: *env
    ports: ["8001:8001"]
    depends_on:
      alpha-migrate: {condition: service_completed_successfully}
      redis: {condition: service_healthy}
    restart: unless-stopped
  alpha-worker:
    image: fake-app:latest
    build: .
    command: celery -A services.alpha.entrypoints.worker:celery_app worker -Q alpha
    environment: *env
    healthcheck:
      test: ["CMD-SHELL", "celery -A services.alpha.entrypoints.worker:celery_app inspect ping"]
    depends_on: [redis]
    restart: unless-stopped
  scheduler:
    image: fake-app:latest
    build: .
    command: ["celery", "--app=shared.scheduler:celery_app", "beat"]
    environment: *env
    restart: unless-stopped
volumes:
  redis-data:
"""

GOOD_FILES = {
    "pyproject.toml": '[tool.setuptools.packages.find]\ninclude = ["shared*", "services*", "ops*"]\n',
    "Dockerfile": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY pyproject.toml ./\n"
        "COPY shared/ shared/\nCOPY --chown=app services/ \\\n     services/\nCOPY ops/ ops/\n"
        "RUN pip install --no-cache-dir .\n"
    ),
    "ops/__init__.py": "",
    "ops/init.sql": "CREATE DATABASE alpha;\n",
    "ops/migrate/__init__.py": "",
    "ops/migrate/__main__.py": "import sys\n",
    "shared/__init__.py": "",
    "shared/scheduler.py": "from shared.celery import make_celery\n\ncelery_app = make_celery('scheduler')\n",
    "services/__init__.py": "",
    "services/alpha/__init__.py": "",
    "services/alpha/entrypoints/__init__.py": "",
    "services/alpha/entrypoints/api.py": "from fastapi import FastAPI\n\napp: FastAPI = FastAPI()\n",
    "services/alpha/entrypoints/worker.py": (
        "try:\n    from shared.celery import make_celery\nexcept ImportError:\n    raise\n"
        "celery_app = make_celery('alpha')\n"
    ),
}


def make_project(root: Path, compose_text: str = GOOD_COMPOSE, files: dict[str, str | None] | None = None) -> Path:
    """A fake project: GOOD_FILES updated with `files` (None deletes a file)."""
    content: dict[str, str | None] = {**GOOD_FILES, COMPOSE_FILE: compose_text, **(files or {})}
    for relative, text in content.items():
        if text is not None:
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return root


def test_checker_passes_a_correct_project(tmp_path: Path) -> None:
    problems = check_project(make_project(tmp_path))
    assert problems == [], _report(problems)


def _swap(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"fixture edit: {old!r} not in the fake compose file"
        return text.replace(old, new, 1)

    return edit


DEFECTS: dict[str, tuple[Callable[[str], str], dict[str, str | None], str]] = {
    # name: (edit of the compose text, file overrides, fragment the report must contain)
    "attr missing": (
        lambda text: text,
        {"services/alpha/entrypoints/worker.py": "celery = object()\n\ndef celery_app_factory(): ...\n"},
        "alpha-worker.command: `celery -A services.alpha.entrypoints.worker:celery_app`: "
        "services/alpha/entrypoints/worker.py binds no top-level name `celery_app`",
    ),
    "attr only inside a function": (
        lambda text: text,
        {"services/alpha/entrypoints/api.py": "def build():\n    app = object()\n    return app\n"},
        "services/alpha/entrypoints/api.py binds no top-level name `app`",
    ),
    "module missing": (
        lambda text: text,
        {"services/alpha/entrypoints/api.py": None},
        "alpha-api.command: `uvicorn services.alpha.entrypoints.api:app`: module "
        "`services.alpha.entrypoints.api` does not exist (neither services/alpha/entrypoints/api.py "
        "nor services/alpha/entrypoints/api/__init__.py)",
    ),
    "package without __init__": (
        lambda text: text,
        {"services/alpha/__init__.py": None},
        "package `services.alpha` has no services/alpha/__init__.py",
    ),
    "python -m package without __main__": (
        lambda text: text,
        {"ops/migrate/__main__.py": None},
        "alpha-migrate.command: `python -m ops.migrate`: `ops.migrate` is a package without ops/migrate/__main__.py",
    ),
    "healthcheck command attr missing": (
        _swap("worker:celery_app inspect", "worker:app inspect"),
        {},
        "alpha-worker.healthcheck: `celery -A services.alpha.entrypoints.worker:app`: "
        "services/alpha/entrypoints/worker.py binds no top-level name `app`",
    ),
    "unknown third-party module": (
        _swap("python -m ops.migrate alpha", "python -m no_such_tool_xyz alpha"),
        {},
        "`no_such_tool_xyz` is neither in the repository nor installed",
    ),
    "celery app without attr": (
        _swap("--app=shared.scheduler:celery_app", "--app=shared.scheduler"),
        {},
        "scheduler.command: celery -A shared.scheduler: name the app explicitly as MODULE:ATTR",
    ),
    "package not copied": (
        lambda text: text,
        {"Dockerfile": GOOD_FILES["Dockerfile"].replace("COPY ops/ ops/\n", "")},
        "Dockerfile does not COPY `ops/`, needed by alpha-migrate.command: `python -m ops.migrate`",
    ),
    "pyproject not copied": (
        lambda text: text,
        {"Dockerfile": GOOD_FILES["Dockerfile"].replace("COPY pyproject.toml ./\n", "")},
        "runs `pip install .` but does not COPY pyproject.toml",
    ),
    "unknown dependency": (
        _swap("depends_on: [redis]", "depends_on: [rediss]"),
        {},
        "service 'alpha-worker' depends_on 'rediss', which is not a service of the file",
    ),
    "healthy wait without healthcheck": (
        _swap(
            "depends_on: {db: {condition: service_healthy}}",
            "depends_on: {scheduler: {condition: service_healthy}}",
        ),
        {},
        "service 'alpha-migrate' waits for 'scheduler' to be healthy, but 'scheduler' defines no healthcheck",
    ),
    "invalid condition": (
        _swap("condition: service_completed_successfully", "condition: service_done"),
        {},
        "unknown variant `service_done`",
    ),
    "undeclared volume": (
        _swap("volumes:\n  redis-data:\n", ""),
        {},
        "service 'redis' mounts named volume 'redis-data', which is not declared",
    ),
    "missing bind source": (
        lambda text: text,
        {"ops/init.sql": None},
        "service 'db' bind-mounts './ops/init.sql', which does not exist",
    ),
    "restarting one-shot": (
        _swap(
            "depends_on: {db: {condition: service_healthy}}",
            "depends_on: {db: {condition: service_healthy}}\n    restart: unless-stopped",
        ),
        {},
        "one-shot service 'alpha-migrate' (awaited with service_completed_successfully) has restart: unless-stopped",
    ),
    "long-running service without restart policy": (
        _swap(
            '    command: ["celery", "--app=shared.scheduler:celery_app", "beat"]\n    environment: *env\n'
            "    restart: unless-stopped\n",
            '    command: ["celery", "--app=shared.scheduler:celery_app", "beat"]\n    environment: *env\n',
        ),
        {},
        "long-running service 'scheduler' has restart: no; it would stay down after it exits",
    ),
    "long-running service restarted only on failure": (
        _swap(
            "      redis: {condition: service_healthy}\n    restart: unless-stopped\n",
            "      redis: {condition: service_healthy}\n    restart: on-failure\n",
        ),
        {},
        "long-running service 'alpha-api' has restart: on-failure",
    ),
    "missing build context": (
        lambda text: text,
        {"Dockerfile": None},
        "service 'alpha-api' builds from ./Dockerfile, which does not exist",
    ),
}


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_checker_reports_each_defect(tmp_path: Path, defect: str) -> None:
    edit, files, expected = DEFECTS[defect]
    problems = check_project(make_project(tmp_path, edit(GOOD_COMPOSE), files))
    assert any(expected in problem for problem in problems), (
        f"checker missed {defect!r}; expected a report containing\n    {expected}\ngot:" + _report(problems)
    )


def test_module_bindings_sees_every_top_level_binding(tmp_path: Path) -> None:
    module = tmp_path / "mod.py"
    module.write_text(
        textwrap.dedent(
            """
            import os.path
            from x import y as z, w
            a = b = 1
            (c, [d, *e]) = 1, [2, 3]
            f: int = 1
            g: int
            def h(): i = 1
            class J: k = 1
            if os:
                l = 1
            else:
                m = 1
            try:
                n = 1
            except Exception:
                o = 1
            finally:
                p = 1
            with open(__file__) as q:
                r = 1
            """
        ),
        encoding="utf-8",
    )
    assert module_bindings(module) == set("abcdefhJlmnopqr") | {"os", "z", "w"}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-m", "ops.migrate", "catalog"], "ops.migrate"),
        (["-u", "-X", "dev", "-m", "ops.migrate"], "ops.migrate"),
        (["-mops.migrate"], "ops.migrate"),
        (["-c", "import urllib"], None),
        (["script.py", "-m", "x"], None),
        ([], None),
    ],
)
def test_python_m_parsing(argv: list[str], expected: str | None) -> None:
    assert _python_m_module(argv) == expected
