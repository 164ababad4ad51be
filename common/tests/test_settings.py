"""Declared settings: read from the environment, overridden by tests, documented from one place."""

import pytest

from titanium_common.settings import (
    REQUIRED,
    MissingSetting,
    Setting,
    load,
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
