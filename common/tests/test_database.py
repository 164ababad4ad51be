import click
import pytest
import sqlalchemy as sa
from flask import Flask

from titanium_common.database import NAMING_CONVENTION, database_extensions, wait_for_database


def test_each_service_gets_its_own_metadata_with_named_constraints(tmp_path):
    first_db, first_migrate = database_extensions(tmp_path / "one")
    second_db, _ = database_extensions(tmp_path / "two")

    class Thing(first_db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(10), unique=True)

    assert first_db.metadata is not second_db.metadata
    assert "thing" in first_db.metadata.tables and not second_db.metadata.tables
    assert first_db.metadata.naming_convention == {
        **first_db.metadata.naming_convention,
        **NAMING_CONVENTION,
    }
    assert first_migrate.directory == str(tmp_path / "one" / "migrations")


def refusing_engine() -> sa.Engine:
    """An engine whose every connection is refused at once (nothing listens on port 1)."""
    return sa.create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")


def test_waiting_for_a_database_that_never_comes_fails_with_the_reason():
    now, sleeps = [0.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(click.ClickException) as raised:
        wait_for_database(refusing_engine(), 30, sleep=sleep, clock=lambda: now[0])

    message = raised.value.message
    assert "did not accept connections within 30 s" in message
    assert "Connection refused" in message or "connection" in message.lower()
    assert sum(sleeps) <= 30 and len(sleeps) >= 5, sleeps
    assert sleeps[:4] == [0.5, 1.0, 2.0, 4.0] and max(sleeps) == 10.0  # capped backoff


def test_a_ready_database_is_not_waited_for(tmp_path):
    sleeps = []
    engine = sa.create_engine(f"sqlite:///{tmp_path}/ready.db")
    wait_for_database(engine, 30, sleep=sleeps.append)
    assert sleeps == []


def test_every_app_bound_to_the_migrations_gets_upgrade_database(tmp_path):
    db, migrate = database_extensions(tmp_path)
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/x.db"
    db.init_app(app)
    migrate.init_app(app, db)
    result = app.test_cli_runner().invoke(args=["upgrade-database", "--help"])
    assert result.exit_code == 0 and "Wait for the database" in result.output
