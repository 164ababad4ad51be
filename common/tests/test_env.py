import pytest

from titanium_common.env import env_bool, env_float, env_int, env_str


def test_defaults_apply_when_unset(monkeypatch):
    monkeypatch.delenv("T_VALUE", raising=False)
    assert env_str("T_VALUE", "x") == "x"
    assert env_bool("T_VALUE", True) is True
    assert env_int("T_VALUE", 3) == 3
    assert env_float("T_VALUE", 0.5) == 0.5


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("off", False), ("", False)]
)
def test_booleans_are_parsed(monkeypatch, raw, expected):
    monkeypatch.setenv("T_VALUE", raw)
    assert env_bool("T_VALUE", not expected) is expected


@pytest.mark.parametrize("parser", [env_bool, env_int, env_float])
def test_garbage_stops_the_boot_with_the_variable_named(monkeypatch, parser):
    monkeypatch.setenv("T_VALUE", "banana")
    with pytest.raises(ValueError, match="T_VALUE"):
        parser("T_VALUE", 0)


def test_numbers_are_parsed(monkeypatch):
    monkeypatch.setenv("T_VALUE", "42")
    assert env_int("T_VALUE", 0) == 42
    assert env_float("T_VALUE", 0) == 42.0
