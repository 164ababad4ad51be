"""`flask keys ensure|rotate|prune` on a key directory of its own."""

import pytest

from auth_service.tokens.keys import key_ring


@pytest.fixture
def keys_app(make_app, tmp_path):
    return make_app(SIGNING_KEYS_DIR=str(tmp_path / "keys"))


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["keys", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_ensure_rotate_prune(keys_app):
    first = run(keys_app, "ensure")
    assert run(keys_app, "ensure") == first
    second = run(keys_app, "rotate")
    assert second != first
    assert run(keys_app, "prune") == "removed 0 key(s)\n"
    with keys_app.app_context():
        assert [f"active key {key.kid}\n" for key in key_ring().signing_keys()] == [first, second]
