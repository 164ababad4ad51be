"""A PostgreSQL and a Redis of one's own, in a temporary folder on free ports, so a fault run
can kill and restart them without disturbing the servers everybody else uses.

initdb refuses to run as root, so as root the PostgreSQL server runs as the `postgres` user (the
package creates it), or `nobody` where there is none.
"""

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from scripts.stack import free_port


def postgres_bin_dir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        raise RuntimeError("initdb not found: install PostgreSQL (apt-get install postgresql)")
    return Path(initdb).parent


def _version(path: str) -> int:
    return int(Path(path).parts[-3])


class PrivatePostgres:
    """`start`, `stop` (fast shutdown: sessions are cut) and `url` of a throwaway cluster."""

    def __init__(self):
        # Its own folder under /tmp: the server's user must reach it, and a pytest tmp_path
        # (inside a root-only folder) it cannot.
        root = Path(tempfile.mkdtemp(prefix="titanium-postgres-"))
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"
        self._bin = postgres_bin_dir()
        self._user = _server_user() if os.geteuid() == 0 else None
        self.data.mkdir(mode=0o700)
        self.log.touch()
        if self._user:
            for path in (root, self.data, self.log):
                shutil.chown(path, self._user, self._user_group())
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        # The socket goes in the data folder: the system's /var/run/postgresql is not ours.
        # fsync off: a throwaway cluster that is only ever stopped cleanly or thrown away.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off"
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.log), "-o", options)

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
        shutil.rmtree(self.data.parent, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._bin / program), *args]
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")

    def _user_group(self) -> int:
        return pwd.getpwnam(self._user).pw_gid


def _server_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root with neither a postgres nor a nobody user")


class PrivateRedis:
    """A memory-only redis-server: `start`, `kill` (SIGKILL, as a crash) and `url`."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = root / "redis.log"
        self._process: subprocess.Popen | None = None
        root.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        server = shutil.which("redis-server")
        if not server:
            raise RuntimeError("redis-server not found: apt-get install redis-server")
        arguments = ["--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly"]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen([server, *arguments, "no"], stdout=log, stderr=log)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        _retry_until(client.ping, redis.RedisError, timeout=10)

    def kill(self) -> None:
        self._process.send_signal(signal.SIGKILL)
        self._process.wait()

    def destroy(self) -> None:
        if self._process and self._process.poll() is None:
            self.kill()


def _retry_until(call, errors, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            call()
            return
        except errors:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
