"""The documentation stays true to the code: the settings docs are what the declarations make
of them, and every relative link in the Markdown docs leads somewhere."""

import re
import subprocess
import sys
from pathlib import Path

from scripts import settings_docs

REPO = Path(__file__).resolve().parent.parent
# [text](target) outside code spans; the target up to a space, ) or #.
LINK = re.compile(r"(?<!`)\[[^\]]*\]\(([^)\s#]+)(?:#[^)\s]*)?\)")
SKIPPED_DIRS = {".venv", ".venv-tools", "node_modules", "var", ".git", "report"}


def markdown_files() -> list[Path]:
    return [
        path
        for path in REPO.rglob("*.md")
        if not SKIPPED_DIRS.intersection(path.relative_to(REPO).parts)
    ]


def test_settings_docs_are_generated_from_the_declarations():
    stale = settings_docs.stale_files(write=False)

    assert not stale, f"run `python -m scripts.settings_docs`: {stale} are out of date"


def test_a_stale_settings_doc_is_found_and_regenerated(tmp_path, monkeypatch):
    for folder in ("", *settings_docs.SERVICES):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "README.md").write_text((REPO / folder / "README.md").read_text())
    (tmp_path / ".env.example").write_text("# SECRET_KEY=hunter2\n")
    monkeypatch.setattr(settings_docs, "REPO", tmp_path)

    assert settings_docs.stale_files(write=True) == [tmp_path / ".env.example"]
    assert settings_docs.stale_files(write=False) == []
    assert "# SECRET_KEY=  # required" in (tmp_path / ".env.example").read_text()


def test_every_declared_variable_is_in_env_example():
    text = (REPO / ".env.example").read_text()
    for entry in settings_docs.documented():
        assert f"# {entry.name}=" in text, entry.name


def test_every_relative_link_in_the_docs_leads_somewhere():
    broken = []
    for path in markdown_files():
        for target in LINK.findall(path.read_text()):
            if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(REPO)} -> {target}")

    assert not broken, broken


def test_the_generator_runs_as_documented():
    result = subprocess.run(
        [sys.executable, "-m", "scripts.settings_docs", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
