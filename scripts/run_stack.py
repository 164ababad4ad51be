"""`make run`: set up and run the whole stack in the foreground; Ctrl-C stops it all.

Run as `python -m scripts.run_stack` from the repository root.
"""

import shlex
import sys
import threading
import time
import urllib.request

from honcho.manager import Manager

from scripts.stack import StackConfig, prepare, processes


def announce_when_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 (local URL)
                print(
                    f"\n==> Titanium is running at {url}  (Ctrl-C stops everything)\n", flush=True
                )
                return
        except OSError:
            time.sleep(0.3)
    print(f"\n==> {url}/healthz did not answer within {timeout:.0f} s; see the logs above\n")


def main() -> int:
    config = StackConfig.from_environment()
    database = "PostgreSQL" if config.postgres_server_url else f"SQLite in {config.var_dir}"
    cache = "Redis" if config.redis_url else "an in-process cache"
    print(f"==> Titanium local stack: {database}, {cache}", flush=True)
    prepare(config, say=lambda line: print(line, flush=True))

    manager = Manager()
    for name, process in processes().items():
        env = config.service_environment(process.service)
        manager.add_process(name, shlex.join(process.argv), env=env, cwd=process.cwd)
    print("==> Starting " + ", ".join(processes()), flush=True)
    threading.Thread(target=announce_when_ready, args=(config.base_url(),), daemon=True).start()
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
