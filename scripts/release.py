"""Point an environment at a release: the commit e2e tested and its image digests.

    python scripts/release.py staging --sha <40-hex commit> --digests <dir or file>
    python scripts/release.py prod    --sha <40-hex commit> --digests <dir or file>

The release pointer is the `release:` block of argocd/apps/values-<env>.yaml (revision + one
sha256 digest per service the file lists). Only that block is rewritten; every other byte,
comments included, stays as it is.

- staging: force-pushes (with lease) the branch deploy/staging = the tested commit plus one
  commit that sets the pointer in values-staging.yaml. Argo CD's staging root follows it.
- prod: pushes the branch promote/prod-<sha12> = origin's main plus one commit that sets the
  pointer in values-prod.yaml, and opens a pull request against main (or leaves the open one,
  now updated). A reviewed merge is what deploys prod. A commit that differs from what prod
  runs only in that pointer (the merge of a promotion) is not promoted again.
Neither ever pushes main. The commit must be on origin's main. Digests come as a directory of
files named after the services (what scripts/push-image.sh writes) or a YAML/JSON mapping file.
Runs in the repository's checkout; `git` and `gh` (GH_TOKEN) do the writing.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REMOTE = "origin"
MAIN = "main"
STAGING_BRANCH = "deploy/staging"
VALUES = {"staging": "argocd/apps/values-staging.yaml", "prod": "argocd/apps/values-prod.yaml"}
COMMIT = re.compile(r"^[0-9a-f]{40}$")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
# The top-level `release:` key and its indented lines (the block the pipeline owns).
RELEASE_BLOCK = re.compile(r"^release:[^\n]*\n(?:[ \t]+\S[^\n]*\n)*", re.M)
BOT = {"name": "titanium-release[bot]", "email": "titanium-release@users.noreply.github.com"}


class ReleaseError(Exception):
    """A release that must not happen: the message says why."""


def git(*args: str, env: dict | None = None, stdin: str | None = None, strip: bool = True) -> str:
    result = subprocess.run(
        ["git", *args], check=True, capture_output=True, text=True, input=stdin, env=env
    )
    return result.stdout.strip() if strip else result.stdout


def gh(*args: str) -> str:
    return subprocess.run(["gh", *args], check=True, capture_output=True, text=True).stdout.strip()


def read_digests(path: Path, services: list[str]) -> dict[str, str]:
    """One valid sha256 digest for each service, and nothing else."""
    if path.is_dir():
        found = {p.name: p.read_text().strip() for p in path.iterdir() if p.is_file()}
    elif path.is_file():
        found = {str(k): str(v) for k, v in (yaml.safe_load(path.read_text()) or {}).items()}
    else:
        raise ReleaseError(f"no digests at {path}")
    missing = sorted(set(services) - set(found))
    unknown = sorted(set(found) - set(services))
    if missing or unknown:
        raise ReleaseError(
            f"digests must name exactly {services}: missing {missing}, extra {unknown}"
        )
    for service, digest in found.items():
        if not DIGEST.match(digest):
            raise ReleaseError(f"{service}: {digest!r} is not a sha256 digest")
    return {service: found[service] for service in sorted(services)}


def set_release(text: str, revision: str, images: dict[str, str]) -> str:
    """The values file with its `release:` block replaced, every other line kept."""
    block = "release:\n" + f"  revision: {revision}\n" + "  images:\n"
    block += "".join(f"    {service}: {digest}\n" for service, digest in images.items())
    new, count = RELEASE_BLOCK.subn(lambda _: block, text, count=1)
    if count != 1:
        raise ReleaseError("no top-level `release:` block to rewrite")
    before, after = yaml.safe_load(text), yaml.safe_load(new)
    expected = {**before, "release": {"revision": revision, "images": images}}
    if after != expected:
        raise ReleaseError("rewriting the release block changed more than the release")
    return new


def services_of(text: str) -> list[str]:
    return [service["name"] for service in yaml.safe_load(text).get("services") or []]


def commit_file(parent: str, path: str, text: str, message: str) -> str:
    """A commit on top of `parent` that changes only `path`, made without touching the checkout."""
    identity = {
        "GIT_AUTHOR_NAME": BOT["name"],
        "GIT_AUTHOR_EMAIL": BOT["email"],
        "GIT_COMMITTER_NAME": BOT["name"],
        "GIT_COMMITTER_EMAIL": BOT["email"],
    }
    with tempfile.TemporaryDirectory() as scratch:
        env = {**identity, **os.environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        blob = git("hash-object", "-w", "--stdin", stdin=text, env=env)
        git("read-tree", parent, env=env)
        git("update-index", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = git("write-tree", env=env)
        return git("commit-tree", tree, "-p", parent, "-m", message, env=env)


def push_branch(commit: str, branch: str) -> None:
    """Force-push `commit` to `branch`, but only over the value the branch had a moment ago."""
    listed = git("ls-remote", "--heads", REMOTE, f"refs/heads/{branch}")
    current = listed.split()[0] if listed else ""
    ref = f"refs/heads/{branch}"
    git("push", "--quiet", f"--force-with-lease={ref}:{current}", REMOTE, f"{commit}:{ref}")


def tested_commit(sha: str) -> str:
    """The tested commit, refused unless it is on origin's main."""
    if not COMMIT.match(sha):
        raise ReleaseError(f"{sha!r} is not a 40-hex commit")
    git("fetch", "--quiet", REMOTE, f"+refs/heads/{MAIN}:refs/remotes/{REMOTE}/{MAIN}")
    # Exit 1 (not an ancestor) and 128 (unknown commit) both mean: not on main.
    on_main = subprocess.run(
        ["git", "merge-base", "--is-ancestor", sha, f"{REMOTE}/{MAIN}"],
        check=False,
        capture_output=True,
    )
    if on_main.returncode != 0:
        raise ReleaseError(f"{sha} is not on {REMOTE}/{MAIN}: only tested commits of main ship")
    return sha


def only_the_pointer_moved(running: str, sha: str, path: str) -> bool:
    """True when `sha` descends from the running release and differs from it in `path` only."""
    descends = subprocess.run(
        ["git", "merge-base", "--is-ancestor", running, sha], check=False, capture_output=True
    )
    if descends.returncode != 0:
        return False
    return set(git("diff", "--name-only", running, sha).splitlines()) <= {path}


def message(env: str, sha: str, images: dict[str, str]) -> str:
    lines = [f"{env}: release {sha[:12]}", "", f"revision: {sha}"]
    lines += [f"{service}: {digest}" for service, digest in images.items()]
    run = os.environ.get("GITHUB_RUN_ID")
    if run:
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        lines += [
            "",
            f"Tested by {server}/{os.environ.get('GITHUB_REPOSITORY')}/actions/runs/{run}",
        ]
    return "\n".join(lines) + "\n"


def release_staging(sha: str, digests: Path) -> None:
    sha = tested_commit(sha)
    path = VALUES["staging"]
    text = git("show", f"{sha}:{path}", strip=False)
    images = read_digests(digests, services_of(text))
    commit = commit_file(sha, path, set_release(text, sha, images), message("staging", sha, images))
    push_branch(commit, STAGING_BRANCH)
    print(f"==> {STAGING_BRANCH} is {sha[:12]} + its release pointer ({commit[:12]})")


def release_prod(sha: str, digests: Path) -> None:
    sha = tested_commit(sha)
    path = VALUES["prod"]
    base = git("rev-parse", f"{REMOTE}/{MAIN}")
    text = git("show", f"{base}:{path}", strip=False)
    images = read_digests(digests, services_of(text))
    new = set_release(text, sha, images)
    if new == text:
        print(f"==> {MAIN} already points prod at {sha[:12]}")
        return
    running = (yaml.safe_load(text).get("release") or {}).get("revision")
    if running and only_the_pointer_moved(running, sha, path):
        # Merging a promotion pushes main, which runs this pipeline again: without this, every
        # merged promotion would open the next one, for a commit that changes nothing prod runs.
        print(f"==> nothing to promote: since prod's {running[:12]} only its pointer changed")
        return
    branch = f"promote/prod-{sha[:12]}"
    body = message("prod", sha, images)
    push_branch(commit_file(base, path, new, body), branch)
    title = body.splitlines()[0]
    opened = gh(
        *("pr", "list", "--head", branch, "--base", MAIN, "--state", "open"),
        *("--json", "url", "--jq", ".[].url"),
    )
    if opened:
        print(f"==> {opened} now carries {branch}")
        return
    body += (
        "\nMerging deploys prod (its Argo CD root follows main). Revert the merge to roll back.\n"
    )
    url = gh("pr", "create", "--base", MAIN, "--head", branch, "--title", title, "--body", body)
    print(f"==> {url}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("env", choices=["staging", "prod"])
    parser.add_argument("--sha", required=True, help="the commit e2e tested (40 hex)")
    parser.add_argument("--digests", required=True, type=Path, help="directory or YAML file")
    args = parser.parse_args(argv)
    run = release_staging if args.env == "staging" else release_prod
    try:
        run(args.sha, args.digests)
    except ReleaseError as error:
        print(f"release refused: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"{' '.join(error.cmd)} failed:\n{error.stderr}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
