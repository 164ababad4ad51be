"""Declared settings: read from the environment, overridden by tests, documented from one place."""

import pytest

from titanium_common.settings import (
    REQUIRED,
    MissingSetting,
    Setting,
    database_settings,
    load,
    redis_settings,
    resolve_database,
)

DECLARED = [
    Setting("NAME", "titanium", "a text"),
    Setting("WORKERS", 2, "a whole number"),
    Setting("TIMEOUT", 0.25, "a number"),
    Setting("ENABLED", True, "a switch"),
    Setting("API_SECRET", REQUIRED, "signs the things we sign"),
]


def test_defaults_apply_when_unset_and_a_required_setting_comes_from_overrides():
    settings = load(DECLARED, {"API_SECRET": "s3cret"}, environ={})

    assert dict(settings) == {
        "NAME": "titanium",
        "WORKERS": 2,
        "TIMEOUT": 0.25,
        "ENABLED": True,
        "API_SECRET": "s3cret",
    }
    assert settings.WORKERS == 2  # attribute access, for the gateway


def test_values_are_parsed_by_the_type_of_their_default():
    environ = {"NAME": " x ", "WORKERS": "8", "TIMEOUT": "3", "ENABLED": "off", "API_SECRET": "k"}

    settings = load(DECLARED, environ=environ)

    assert (settings.NAME, settings.WORKERS, settings.TIMEOUT, settings.ENABLED) == (
        " x ",
        8,
        3.0,
        False,
    )


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("WORKERS", "many", "WORKERS='many' is not an integer"),
        ("TIMEOUT", "fast", "TIMEOUT='fast' is not a number"),
        ("ENABLED", "maybe", "ENABLED='maybe' is not a boolean"),
    ],
)
def test_garbage_stops_the_boot_naming_the_variable(name, raw, message):
    with pytest.raises(ValueError, match=message):
        load(DECLARED, environ={name: raw, "API_SECRET": "k"})


def test_an_empty_number_means_its_default():
    assert load(DECLARED, environ={"WORKERS": " ", "API_SECRET": "k"}).WORKERS == 2


@pytest.mark.parametrize("environ", [{}, {"API_SECRET": ""}])
def test_a_missing_secret_stops_the_boot_with_the_variable_and_its_purpose(environ):
    with pytest.raises(MissingSetting, match="API_SECRET is not set: signs the things we sign"):
        load(DECLARED, environ=environ)


def test_settings_are_read_only():
    settings = load(DECLARED, {"API_SECRET": "k"}, environ={})

    with pytest.raises(TypeError):
        settings["NAME"] = "other"  # type: ignore[index]
    with pytest.raises(AttributeError):
        _ = settings.UNKNOWN


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
