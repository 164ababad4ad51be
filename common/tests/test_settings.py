from pathlib import Path

import pytest

from titanium_common.settings import shared_settings

VARIABLES = (
    "DATABASE_URL",
    "TITANIUM_POSTGRES_URL",
    "TITANIUM_VAR_DIR",
    "REDIS_URL",
    "TITANIUM_REDIS_URL",
    "REDIS_KEY_PREFIX",
    "REDIS_TIMEOUT_SECONDS",
    "REDIS_BACKOFF_SECONDS",
    "LOG_LEVEL",
)


@pytest.fixture
def clean_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_give_a_sqlite_file_under_the_repo_var_dir_and_no_redis(clean_env, tmp_path):
    assert shared_settings("svc", tmp_path) == {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'svc.db'}",
        "REDIS_URL": "",
        "REDIS_KEY_PREFIX": "titanium:svc:",
        "REDIS_TIMEOUT_SECONDS": 0.25,
        "REDIS_BACKOFF_SECONDS": 5.0,
        "LOG_LEVEL": "INFO",
    }


def test_platform_wide_variables_give_each_service_its_own_database(clean_env, tmp_path):
    clean_env.setenv("TITANIUM_POSTGRES_URL", "postgresql://postgres@db:5432")
    clean_env.setenv("TITANIUM_REDIS_URL", "redis://cache:6379/0")

    settings = shared_settings("svc", tmp_path)

    assert settings["DATABASE_URL"] == "postgresql+psycopg2://postgres@db:5432/titanium_svc"
    assert settings["REDIS_URL"] == "redis://cache:6379/0"
    assert not (tmp_path / "var").exists()


def test_titanium_var_dir_moves_the_sqlite_file(clean_env, tmp_path):
    clean_env.setenv("TITANIUM_VAR_DIR", str(tmp_path / "data"))

    assert shared_settings("svc", Path("/unused"))["DATABASE_URL"] == (
        f"sqlite:///{tmp_path / 'data' / 'svc.db'}"
    )


def test_per_service_variables_win(clean_env, tmp_path):
    clean_env.setenv("TITANIUM_POSTGRES_URL", "postgresql://postgres@db:5432")
    clean_env.setenv("TITANIUM_REDIS_URL", "redis://cache:6379/0")
    overrides = {
        "DATABASE_URL": "postgresql+psycopg2://u@h/mine",
        "REDIS_URL": "redis://other:6379/1",
        "REDIS_KEY_PREFIX": "p:",
        "REDIS_TIMEOUT_SECONDS": "0.5",
        "REDIS_BACKOFF_SECONDS": "30",
        "LOG_LEVEL": "DEBUG",
    }
    for name, value in overrides.items():
        clean_env.setenv(name, value)

    assert shared_settings("svc", tmp_path) == {
        **overrides,
        "REDIS_TIMEOUT_SECONDS": 0.5,
        "REDIS_BACKOFF_SECONDS": 30.0,
    }


def test_an_empty_redis_url_turns_redis_off_even_with_a_platform_redis(clean_env, tmp_path):
    clean_env.setenv("TITANIUM_REDIS_URL", "redis://cache:6379/0")
    clean_env.setenv("REDIS_URL", "")

    assert shared_settings("svc", tmp_path)["REDIS_URL"] == ""


def test_a_timeout_that_is_not_a_number_stops_the_boot(clean_env, tmp_path):
    clean_env.setenv("REDIS_TIMEOUT_SECONDS", "fast")

    with pytest.raises(ValueError, match="REDIS_TIMEOUT_SECONDS"):
        shared_settings("svc", tmp_path)
