"""`flask --app auth_service seed-demo`: a few demo accounts for local runs (idempotent);
`flask --app auth_service sign-out-everywhere EMAIL`: end an account's sessions and tokens."""

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from auth_service.extensions import db
from auth_service.models import Account, utc_now
from auth_service.tokens.revocations import end_sessions_and_tokens
from auth_service.users import service

DEMO_PASSWORD = "titanium-demo"  # noqa: S105 (documented in the README; demo data only)
DEMO_ACCOUNTS = [
    ("ada", "Wrote the first program, for an engine that was never finished."),
    ("grace", "Compilers, COBOL, and a moth in a relay."),
    ("linus", "Kernels and version control, mostly by email."),
    ("margaret", "Flew Apollo's software to the Moon and back."),
]


def demo_email(username: str) -> str:
    return f"{username}@demo.titanium.test"


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo accounts that do not exist yet, each with its profile event."""
    for username, bio in DEMO_ACCOUNTS:
        email = demo_email(username)
        if db.session.scalar(sa.select(Account.id).where(Account.email == email)):
            click.echo(f"exists  {username}")
            continue
        account, _events, _mails = service.register(
            {"username": username, "email": email, "password": DEMO_PASSWORD},
            verify_email=False,
        )
        account.email_verified_at = utc_now()  # demo addresses receive no mail
        service.update(account, {"bio": bio})
        click.echo(f"created {username}")


@click.command("sign-out-everywhere")
@click.argument("email")
@with_appcontext
def sign_out_everywhere(email: str):
    """End every browser session and API token of the account (a stolen password or token)."""
    account = db.session.scalar(sa.select(Account).where(Account.email == email.lower()))
    if account is None:
        raise click.ClickException(f"no account has the email {email}")
    end_sessions_and_tokens(account)
    db.session.commit()
    click.echo(f"signed out everywhere: {account.username} (token version {account.token_version})")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(sign_out_everywhere)
