"""`make run`: set up and run the whole stack in the foreground; Ctrl-C stops it all.

What a person sees: a line per setup step, the processes' own log lines (short text lines unless
LOG_FORMAT says json), and once the stack answers and its demo content is in, one banner with
the URL and the demo accounts, printed when the start-up lines have settled so it stays last on
a quiet stack. Ctrl-C ends every process and prints one "stopped" line; the exit code is 0.

Run as `python -m scripts.run_stack` from the repository root.
"""

import shlex
import subprocess
import sys
import threading
import time
import urllib.request

from honcho.manager import SYSTEM_PRINTER_NAME, Manager
from honcho.printer import Message, Printer

from auth_service.users.cli import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_email
from scripts.stack import StackConfig, prepare, processes, seed_content

# The banner waits until no process has printed for this long (the outbox relay's first
# deliveries follow seeding), but never longer than SETTLE_LIMIT_SECONDS.
SETTLE_SECONDS = 1.5
SETTLE_LIMIT_SECONDS = 15
# honcho's code for a stack it stopped on SIGINT or SIGTERM, rather than one a process ended.
STOPPED_BY_SIGNAL = (130, 143)
STOPPED = "\n==> Titanium stopped"


class ConsolePrinter(Printer):
    """The processes' lines as they are (text lines carry their own time and service), without
    honcho's own ("started", "sending SIGTERM"); nothing once the stack is stopping."""

    def __init__(self):
        super().__init__(sys.stdout, prefix=False)
        self.stopping = False
        self.last_line_at = time.monotonic()
        self._lock = threading.Lock()

    def write(self, message: Message) -> None:
        if message.name == SYSTEM_PRINTER_NAME or self.stopping:
            return
        with self._lock:
            self.last_line_at = time.monotonic()
            super().write(message)

    def announce(self, text: str) -> None:
        """Print `text` once the processes have been quiet for a moment."""
        deadline = time.monotonic() + SETTLE_LIMIT_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                if time.monotonic() - self.last_line_at >= SETTLE_SECONDS:
                    print(text, flush=True)
                    return
            time.sleep(0.1)
        print(text, flush=True)


class StackManager(Manager):
    def terminate(self) -> None:
        # Ctrl-C, or a process ended: the others' shutdown lines are noise.
        self._printer.stopping = True
        super().terminate()


def banner(url: str) -> str:
    accounts = "\n".join(f"    {demo_email(username)}" for username, _bio in DEMO_ACCOUNTS)
    rule = "=" * 60
    return (
        f"\n{rule}\n"
        f"  Titanium is running at {url}\n\n"
        f"  Demo accounts (password {DEMO_PASSWORD}):\n{accounts}\n\n"
        f"  Ctrl-C stops everything.\n"
        f"{rule}\n"
    )


def finish_when_up(config: StackConfig, printer: ConsolePrinter, timeout: float = 120) -> None:
    """Once the gateway answers: seed the demo articles, then say where Titanium is."""
    url = config.base_url()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 (local URL)
                break
        except OSError:
            if printer.stopping:
                return
            if time.monotonic() > deadline:
                print(f"\n==> {url} did not answer within {timeout:.0f} s; see the logs above\n")
                return
            time.sleep(0.3)
    say("==> Seeding demo articles")
    try:
        seed_content(config)
    except subprocess.CalledProcessError:
        if printer.stopping:  # Ctrl-C during seeding
            return
        say("==> Seeding demo articles failed; see the lines above")
    if not printer.stopping:
        printer.announce(banner(url))


def say(line: str) -> None:
    print(line, flush=True)


def run(config: StackConfig) -> int:
    database = "PostgreSQL" if config.postgres_server_url else f"SQLite in {config.var_dir}"
    cache = "Redis" if config.redis_url else "an in-process cache"
    say(f"==> Titanium local stack: {database}, {cache}")
    try:
        prepare(config, say=say)
    except KeyboardInterrupt:  # Ctrl-C before the processes start: nothing else to stop
        say(STOPPED)
        return 0

    printer = ConsolePrinter()
    manager = StackManager(printer)
    for name, process in processes().items():
        env = config.service_environment(process.service)
        manager.add_process(name, shlex.join(process.argv), env=env, cwd=process.cwd)
    say("==> Starting " + ", ".join(processes()))
    threading.Thread(target=finish_when_up, args=(config, printer), daemon=True).start()
    manager.loop()
    if manager.returncode in STOPPED_BY_SIGNAL:
        say(STOPPED)
        return 0
    say(f"\n==> Titanium stopped: a process exited with code {manager.returncode} (see above)")
    return manager.returncode or 1


def main() -> int:
    return run(StackConfig.from_environment())


if __name__ == "__main__":
    sys.exit(main())
