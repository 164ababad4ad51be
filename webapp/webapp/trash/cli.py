"""`flask --app webapp trash purge`: deletes for good the articles trashed more than
TRASH_RETENTION_DAYS ago. Run daily by the chart's CronJob (values/webapp.yaml)."""

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.articles import service as articles

trash_cli = AppGroup("trash", help="The authors' trash of deleted articles.")


@trash_cli.command("purge")
def purge():
    """Delete the articles trashed longer than TRASH_RETENTION_DAYS ago."""
    days = current_app.config["TRASH_RETENTION_DAYS"]
    count = articles.purge_trash(timedelta(days=days))
    click.echo(f"purged {count} article(s) trashed more than {days} days ago")


def init_app(app: Flask) -> None:
    app.cli.add_command(trash_cli)
