"""Fixtures the shared library's tests share."""

import sys

import pytest

OPENAPI = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"


@pytest.fixture
def service_package(tmp_path, monkeypatch):
    """An importable package `demo_service` with its openapi.yaml, as a service has."""
    package = tmp_path / "demo_service"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "openapi.yaml").write_text(OPENAPI)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    sys.modules.pop("demo_service", None)
