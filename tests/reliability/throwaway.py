"""Throwaway services for the fault tests: a Redis and a PostgreSQL of the test's own, on free
ports, that the test may stop and start (the shared ones on 6379 and 5432 are never touched),
and the portal's own processes (gunicorn, a Celery worker) pointed at them. Every process is
started here and ended by its handle, never by name."""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def end(process: subprocess.Popen | None, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


# ---------------------------------------------------------------- Redis


class Redis:
    """``redis-server`` on its own port, without persistence: stopping it loses what it held."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: listening(self.port), 20, f"redis on {self.port}")
        return self

    def stop(self) -> None:
        """As a crash or a restart without persistence: SIGKILL, queued messages are gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        wait_for(lambda: not listening(self.port), 10, f"redis on {self.port} to stop")


# ---------------------------------------------------------------- PostgreSQL


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def postgres_cluster_unavailable() -> str | None:
    """Why a throwaway cluster cannot be made here (None when it can)."""
    if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
        return "needs PostgreSQL's initdb and pg_ctl to run a throwaway cluster"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "as root, initdb needs runuser to run as the postgres user"
    return None


class Postgres:
    """A throwaway PostgreSQL cluster in a temporary directory of its own (reachable by the
    postgres user when the tests run as root), on its own port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="qt-reliability-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and done.returncode:
            raise AssertionError(f"{' '.join(command)}: {done.stdout}{done.stderr}")
        return done

    def init(self) -> "Postgres":
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        # -l: the new postmaster must not inherit (and hold open) this call's output pipe.
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-l", str(self.dir / "log"), "-w", "restart")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy_of(self, source: dict, name: str) -> str:
        """A copy of the test database (schema and rows) as database ``name`` in this cluster."""
        env = {**os.environ, "PGUSER": source["USER"] or "postgres"}
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), name], check=True, env=env)
        dump = subprocess.run(
            ["pg_dump", "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432), source["NAME"]],
            check=True,
            capture_output=True,
            env=env,
        ).stdout
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-d", name],
            input=dump,
            check=True,
            capture_output=True,
            env=env,
        )
        return self.url(name)


# ---------------------------------------------------------------- the portal's processes


def portal_env(database_url: str, broker_url: str | None = None) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "qinhuai_talent.settings.test"}
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    return env


def tests_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Web:
    """gunicorn serving the portal; ``call`` answers (status, JSON or None)."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "qinhuai_talent.wsgi",
                "-w",
                "1",
                "-t",
                "60",
                "-b",
                f"127.0.0.1:{self.port}",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: listening(self.port), 60, "gunicorn")

    def call(self, method: str, path: str, token: str | None = None, data: dict | None = None) -> tuple[int, object]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=body, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, content = exc.code, exc.read()
        try:
            return status, json.loads(content)
        except ValueError:
            return status, None

    def close(self) -> None:
        end(self.process)


def start_worker(env: dict, log_path: Path | None = None) -> subprocess.Popen:
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qinhuai_talent", "worker", "-P", "solo", "-c", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        env=env, cwd=settings.BASE_DIR, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
