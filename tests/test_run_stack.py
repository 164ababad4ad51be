"""`make run`'s console: what a person sees from start to Ctrl-C, and the install steps.

The launcher is scripts/run_stack.py's own `run`, with the default setup of `make run` (SQLite,
in-process caches, text logs) on free ports and a throwaway var dir.
"""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from scripts.stack import REPO, StackConfig

LAUNCHER = """
import dataclasses, sys
from pathlib import Path
from scripts.run_stack import run
from scripts.stack import Ports, StackConfig, free_port
ports = Ports(*(free_port() for _ in dataclasses.fields(Ports)))
print(f"gateway port {ports.gateway}", flush=True)
sys.exit(run(StackConfig(var_dir=Path(sys.argv[1]), ports=ports, log_format="text")))
"""
BANNER_END = "  Ctrl-C stops everything."
ACCESS_LINE = re.compile(r"\d\d:\d\d:\d\d \w+ +[A-Z]+ /\S* \d{3} \d+ms")
STEP = REPO / "scripts" / "step.sh"


class Console:
    """A launcher in its own process group (as a terminal's foreground job), its lines as they
    come."""

    def __init__(self, var_dir: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(var_dir)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._incoming: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with self.process.stdout:
            for line in self.process.stdout:
                self._incoming.put(line.rstrip("\n"))
        self._incoming.put(None)

    def read_until(self, wanted: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.lines:
            try:
                line = self._incoming.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {wanted!r} in:\n" + "\n".join(self.lines)) from None
            if line is None:
                raise AssertionError(f"ended before {wanted!r}:\n" + "\n".join(self.lines))
            self.lines.append(line)

    def ctrl_c(self) -> int:
        """SIGINT to the whole group, as a terminal sends it; the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout=60)
        while (line := self._incoming.get(timeout=10)) is not None:
            self.lines.append(line)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def test_make_run_seeds_then_shows_one_banner_last_and_ctrl_c_exits_0(tmp_path):
    console = Console(tmp_path / "var")
    try:
        console.read_until(BANNER_END)
        port = console.lines[0].removeprefix("gateway port ")
        url = f"http://127.0.0.1:{port}"
        # Announced means ready: the demo articles are in, a demo account signs in.
        assert requests.get(f"{url}/api/articles", timeout=10).json()["articlesCount"] > 0
        sign_in = {"user": {"email": "ada@demo.titanium.test", "password": "titanium-demo"}}
        assert requests.post(f"{url}/api/users/login", json=sign_in, timeout=30).status_code == 200
        time.sleep(1)  # let the sign-in's access lines through before stopping
        code = console.ctrl_c()
    finally:
        console.kill()

    output = console.lines
    assert code == 0
    assert output[-1] == "==> Titanium stopped"
    banner = output.index(f"  Titanium is running at {url}")
    assert output.index("==> Seeding demo articles") < banner
    assert "    margaret@demo.titanium.test" in output[banner:]
    assert sum("is running at" in line for line in output) == 1
    # After the banner: the sign-in's request lines, nothing else (no start-up, no shutdown).
    after = [line for line in output[output.index(BANNER_END) + 1 : -1] if line.strip("= ")]
    assert after and all(ACCESS_LINE.fullmatch(line) for line in after), after
    assert any(" POST /api/users/login 200 " in line for line in after)
    # A healthy default stack warns about nothing, signing in included.
    assert not [line for line in output if "WARNING" in line or "Traceback" in line]


def test_make_run_asks_for_text_logs_and_test_and_benchmark_stacks_keep_json(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "text")  # whatever the caller's shell says
    assert StackConfig().environment()["LOG_FORMAT"] == "json"  # they read the JSON lines

    monkeypatch.delenv("LOG_FORMAT")
    assert StackConfig.from_environment().environment()["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert StackConfig.from_environment().environment()["LOG_FORMAT"] == "json"


def test_an_install_step_says_what_and_how_long_and_hides_chatter_unless_it_fails():
    done = subprocess.run(
        [STEP, "Installing", "sh", "-c", "echo SetuptoolsDeprecationWarning >&2"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert re.fullmatch(r"==> Installing\n    done in \d+ s\n", done.stdout + done.stderr)

    failed = subprocess.run(
        [STEP, "Installing", "sh", "-c", "echo 'No matching distribution'; exit 3"],
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 3
    assert "No matching distribution" in failed.stdout
