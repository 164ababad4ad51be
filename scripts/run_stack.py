"""`make run`: set up and run the whole stack in the foreground; Ctrl-C stops it all.

Run as `python -m scripts.run_stack` from the repository root.
"""

import shlex
import subprocess
import sys
import threading
import time
import urllib.request

from honcho.manager import Manager

from scripts.stack import StackConfig, prepare, processes, seed_content


def finish_when_up(config: StackConfig, timeout: float = 120) -> None:
    """Once the gateway answers: seed the demo articles, then say where Titanium is."""
    url = config.base_url()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 (local URL)
                break
        except OSError:
            if time.monotonic() > deadline:
                print(f"\n==> {url} did not answer within {timeout:.0f} s; see the logs above\n")
                return
            time.sleep(0.3)
    print("==> Seeding demo articles", flush=True)
    try:
        seed_content(config)
    except subprocess.CalledProcessError:
        print("==> Seeding demo articles failed; see the lines above", flush=True)
    print(f"\n==> Titanium is running at {url}  (Ctrl-C stops everything)\n", flush=True)


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
    threading.Thread(target=finish_when_up, args=(config,), daemon=True).start()
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
