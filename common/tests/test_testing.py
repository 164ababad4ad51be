import pytest

from titanium_common.testing import (
    Backend,
    assert_reachable,
    configured_backends,
    redis_key_prefix,
    throwaway_database,
)


def test_sqlite_is_always_a_backend(monkeypatch):
    monkeypatch.delenv("TITANIUM_POSTGRES_URL", raising=False)
    monkeypatch.delenv("TITANIUM_REDIS_URL", raising=False)

    assert configured_backends() == [Backend("sqlite")]


def test_configured_urls_add_a_real_backend(monkeypatch):
    monkeypatch.setenv("TITANIUM_POSTGRES_URL", "postgresql://pg")
    monkeypatch.setenv("TITANIUM_REDIS_URL", "redis://r")

    assert configured_backends()[1] == Backend("postgres", "postgresql://pg", "redis://r")


def test_a_configured_but_unreachable_backend_fails_loudly():
    with pytest.raises(RuntimeError, match="TITANIUM_REDIS_URL is set but Redis does not answer"):
        assert_reachable(Backend("x", "", "redis://127.0.0.1:1/0"))
    with pytest.raises(RuntimeError, match="TITANIUM_POSTGRES_URL is set"):
        assert_reachable(Backend("x", "postgresql://postgres@127.0.0.1:1", ""))


def test_sqlite_throwaway_database_is_a_file_url(tmp_path):
    with throwaway_database(Backend("sqlite"), "svc", str(tmp_path)) as url:
        assert url == f"sqlite:///{tmp_path}/svc.db"


def test_key_prefixes_are_unique():
    assert redis_key_prefix("svc") != redis_key_prefix("svc")


def test_configured_backends_answer():
    for backend in configured_backends():
        assert_reachable(backend)
