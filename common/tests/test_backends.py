import os
import uuid

import pytest
import sqlalchemy as sa

from titanium_common.backends import (
    database_on_server,
    drop_database,
    ensure_database,
    resolve_database,
    service_database_url,
    with_installed_driver,
)
from titanium_common.settings import database_settings, load, redis_settings


def test_sqlite_file_under_the_var_dir_by_default(tmp_path):
    url = service_database_url("auth_service", "", str(tmp_path / "var"))

    assert url == f"sqlite:///{tmp_path / 'var' / 'auth_service.db'}"
    assert (tmp_path / "var").is_dir()


def test_one_database_per_service_on_the_postgres_server():
    url = service_database_url("user_service", "postgresql://postgres@db:5432", "unused")

    assert url == "postgresql+psycopg2://postgres@db:5432/titanium_user_service"


def test_server_url_with_a_path_and_query_keeps_the_query():
    url = database_on_server("postgres://u:p@h/ignored?sslmode=require", "x")

    assert url == "postgresql+psycopg2://u:p@h/x?sslmode=require"


def test_ensure_database_ignores_sqlite(tmp_path):
    assert ensure_database(f"sqlite:///{tmp_path}/x.db") is False


@pytest.mark.skipif(not os.environ.get("TITANIUM_POSTGRES_URL"), reason="needs PostgreSQL")
def test_ensure_database_creates_once_then_drop_removes_it():
    url = database_on_server(os.environ["TITANIUM_POSTGRES_URL"], f"t_{uuid.uuid4().hex[:8]}")
    try:
        assert ensure_database(url) is True
        assert ensure_database(url) is False
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT 1")) == 1
        engine.dispose()
    finally:
        drop_database(url)
    assert ensure_database(url) is True
    drop_database(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgresql_urls_use_the_installed_driver(url, expected):
    assert with_installed_driver(url) == expected


# --- resolve_database: a service's database from the stack-wide settings ---------------


def backends(environ: dict, **overrides) -> dict:
    declared = [*database_settings(), *redis_settings("svc")]
    return resolve_database("svc", load(declared, overrides, environ=environ))


def test_defaults_give_a_sqlite_file_under_the_var_dir_and_no_redis(tmp_path):
    settings = backends({"TITANIUM_VAR_DIR": str(tmp_path)})

    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'svc.db'}"
    assert settings["REDIS_URL"] == ""
    assert settings["REDIS_KEY_PREFIX"] == "titanium:svc:"


def test_platform_wide_variables_give_each_service_its_own_database(tmp_path):
    settings = backends(
        {
            "TITANIUM_POSTGRES_URL": "postgresql://postgres@db:5432",
            "TITANIUM_REDIS_URL": "redis://cache:6379/0",
            "TITANIUM_VAR_DIR": str(tmp_path / "var"),
        }
    )

    assert settings["DATABASE_URL"] == "postgresql+psycopg2://postgres@db:5432/titanium_svc"
    assert settings["REDIS_URL"] == "redis://cache:6379/0"
    assert not (tmp_path / "var").exists()


def test_per_service_variables_win_over_the_platform_wide_ones():
    settings = backends(
        {
            "TITANIUM_POSTGRES_URL": "postgresql://postgres@db:5432",
            "TITANIUM_REDIS_URL": "redis://cache:6379/0",
            "DATABASE_URL": "postgresql://u@h/mine",
            "REDIS_URL": "redis://other:6379/1",
        }
    )

    assert settings["DATABASE_URL"] == "postgresql+psycopg2://u@h/mine"
    assert settings["REDIS_URL"] == "redis://other:6379/1"


def test_an_empty_redis_url_turns_redis_off_even_with_a_platform_redis():
    settings = backends({"TITANIUM_REDIS_URL": "redis://cache:6379/0", "REDIS_URL": ""})

    assert settings["REDIS_URL"] == ""


def test_a_test_override_wins_over_the_environment():
    settings = backends({"TITANIUM_REDIS_URL": "redis://cache:6379/0"}, REDIS_URL="")

    assert settings["REDIS_URL"] == ""
