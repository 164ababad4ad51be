"""`flask --app auth_service keys ensure|rotate|prune`: manage the signing key ring."""

import click
from flask import Flask
from flask.cli import AppGroup

from auth_service.tokens.keys import key_ring

keys_cli = AppGroup("keys", help="Manage the token signing keys in SIGNING_KEYS_DIR.")


@keys_cli.command("ensure")
def ensure():
    """Create the first signing key if there is none."""
    click.echo(f"active key {key_ring().ensure().kid}")


@keys_cli.command("rotate")
def rotate():
    """Add a new signing key; older keys stay published so no token stops working."""
    click.echo(f"active key {key_ring().rotate().kid}")


@keys_cli.command("prune")
def prune():
    """Remove keys retired for longer than the token TTL."""
    removed = key_ring().prune()
    click.echo(f"removed {len(removed)} key(s)" + "".join(f"\n  {key.kid}" for key in removed))


def init_app(app: Flask) -> None:
    app.cli.add_command(keys_cli)
