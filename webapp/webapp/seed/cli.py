"""`flask --app webapp seed-demo`: demo articles, comments and favorites by the demo authors
(`seed-bulk`, webapp.seed.bulk, makes a big made-up blog for measurements).

Idempotent: an article whose slug already exists is left alone (with its comments and favorites).
The authors are the demo accounts auth_service seeds; their ids come from their profiles (copied
here by auth_service's outbox, or asked of user_service), so this runs once the stack is up, and
waits a little for their profiles to arrive.
"""

import time
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
import yaml
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp import authors
from webapp.articles import service as articles
from webapp.clock import now_ms
from webapp.comments import service as comments
from webapp.extensions import db
from webapp.models import Article, Comment
from webapp.seed.bulk import seed_bulk
from webapp.upstream import UpstreamUnavailable

CONTENT_FILE = Path(__file__).with_name("content.yaml")
POLL_SECONDS = 0.5


@click.command("seed-demo")
@click.option("--wait", default=30.0, show_default=True, help="Seconds to wait for the profiles.")
@with_appcontext
def seed_demo(wait: float):
    """Create the demo articles that do not exist yet."""
    content = yaml.safe_load(CONTENT_FILE.read_text())
    author_ids = _demo_author_ids(sorted(_usernames(content)), wait)
    now = now_ms()
    for item in content["articles"]:
        slug = articles.slugify(item["title"])
        if db.session.scalar(sa.select(Article.id).where(Article.slug == slug)):
            click.echo(f"exists  {slug}")
            continue
        _create(item, author_ids, now - timedelta(days=item["days_ago"], hours=item.get("hour", 9)))
        click.echo(f"created {slug}")


def _create(item: dict, author_ids: dict[str, str], written_at) -> None:
    fields = {key: item[key] for key in ("title", "description", "body")}
    article = articles.create_article(
        author_ids[item["author"]], {**fields, "tagList": item["tags"]}
    )
    for username in item.get("favorited_by", []):
        articles.favorite(article.slug, author_ids[username])
    for offset, comment in enumerate(item.get("comments", []), start=1):
        view = comments.add_comment(article.slug, author_ids[comment["author"]], comment["body"])
        _backdate(Comment, view.id, written_at + timedelta(hours=3 * offset))
    # Spread over the past months, as a living blog would be.
    row_id = db.session.scalar(sa.select(Article.id).where(Article.slug == article.slug))
    _backdate(Article, row_id, written_at)


def _backdate(model, row_id: int, moment) -> None:
    db.session.execute(
        sa.update(model).where(model.id == row_id).values(created_at=moment, updated_at=moment)
    )
    db.session.commit()


def _usernames(content: dict) -> set[str]:
    names = set()
    for item in content["articles"]:
        names.add(item["author"])
        names.update(item.get("favorited_by", []))
        names.update(comment["author"] for comment in item.get("comments", []))
    return names


def _demo_author_ids(usernames: list[str], wait: float) -> dict[str, str]:
    """Account ids by username, asked of user_service; fails clearly if it is not there."""
    url = current_app.config["USER_SERVICE_URL"]
    deadline = time.monotonic() + wait
    while True:
        try:
            found = {name: authors.profile_by_username(name) for name in usernames}
        except UpstreamUnavailable as error:
            if time.monotonic() >= deadline:
                raise click.ClickException(
                    f"user_service at {url} does not answer ({error}). Start the stack first "
                    "(make run), or set USER_SERVICE_URL."
                ) from error
        else:
            missing = [name for name, profile in found.items() if profile is None]
            if not missing:
                return {name: profile.id for name, profile in found.items()}
            if time.monotonic() >= deadline:
                raise click.ClickException(
                    f"No profile for demo account(s) {', '.join(missing)} at {url}. "
                    "Run `flask --app auth_service seed-demo` first (with its outbox relay)."
                )
        time.sleep(POLL_SECONDS)


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_bulk)
