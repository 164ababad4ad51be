"""Ending an account's sessions and tokens: a password change (or an operator) raises its token
version, the reply's token carries the new one, and the feed the gateway and webapp read lists
it, in pages, readable by the shared RevocationList."""

from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa

from auth_service.extensions import db
from auth_service.models import Account, TokenRevocation, utc_now
from auth_service.tokens import revocations
from titanium_common.identity import REVOCATIONS_PATH
from titanium_common.revocations import RevocationList, feed_query


def version_of(token: str) -> int:
    return jwt.decode(token, options={"verify_signature": False})["ver"]


def feed(client, **query):
    response = client.get(REVOCATIONS_PATH, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def entries_for(client, account_id: str) -> list[dict]:
    return [entry for entry in feed(client)["revocations"] if entry["account"] == account_id]


def test_a_password_change_ends_older_tokens_and_keeps_the_replys(client, users):
    user = users.register()

    changed = users.update(user, password="a new passphrase")
    renamed = users.update(user, bio="no password change here")

    assert version_of(user["token"]) == 1
    assert version_of(changed.json["user"]["token"]) == 2
    assert version_of(renamed.json["user"]["token"]) == 2
    [entry] = entries_for(client, user["id"])
    assert entry["version"] == 2
    revoked = RevocationList(keep_seconds=86400)
    revoked.apply(feed(client))
    assert not revoked.allows(user["id"], version_of(user["token"]))
    assert revoked.allows(user["id"], version_of(changed.json["user"]["token"]))


def test_sign_in_after_a_change_gets_the_current_version(users):
    user = users.register()
    users.update(user, password="a new passphrase")
    users.update(user, password="another passphrase")

    login = users.login(user["email"], "another passphrase")

    assert version_of(login.json["user"]["token"]) == 3


def test_the_feed_comes_in_pages_that_a_reader_follows_to_the_end(client, users, app, monkeypatch):
    monkeypatch.setattr(revocations, "PAGE_SIZE", 2)
    changed = [users.register() for _ in range(3)]
    for user in changed:
        users.update(user, password="a new passphrase")
    with app.app_context():
        newest_first = db.session.scalars(
            sa.select(TokenRevocation.created_at).order_by(TokenRevocation.created_at.desc())
        ).all()
    reader = RevocationList(keep_seconds=86400)
    reader.since = revocations.unix(newest_first[2]) - 0.000001  # just before the three

    pages = []
    while not pages or not pages[-1]["complete"]:
        pages.append(feed(client, **feed_query(reader)))
        reader.apply(pages[-1])

    # A full page goes on from its last moment, so the second repeats one entry.
    assert [page["complete"] for page in pages] == [False, False, True]
    for user in changed:
        assert not reader.allows(user["id"], 1) and reader.allows(user["id"], 2)
    assert pages[-1]["next_since"] < revocations.unix(utc_now())  # asks again with an overlap


def test_a_reader_past_the_newest_entry_gets_an_empty_complete_page(client):
    page = feed(client, since=revocations.unix(utc_now()) + 60)

    assert (page["revocations"], page["complete"]) == ([], True)


@pytest.mark.parametrize("since", ["yesterday", "nan", "inf", "1e300", ""])
def test_a_malformed_since_is_422(client, since):
    response = client.get(REVOCATIONS_PATH, query_string={"since": since})

    assert (response.status_code, response.json) == (422, {"errors": {"since": ["is invalid"]}})


def test_entries_older_than_the_retention_are_dropped_when_a_new_one_is_written(client, users, app):
    old, new = users.register(), users.register()
    users.update(old, password="a new passphrase")
    with app.app_context():
        retention = timedelta(seconds=app.config["REVOCATION_RETENTION_SECONDS"])
        db.session.execute(
            sa.update(TokenRevocation)
            .where(TokenRevocation.account_id == old["id"])
            .values(created_at=utc_now() - retention - timedelta(seconds=1))
        )
        db.session.commit()

    users.update(new, password="a new passphrase")

    assert entries_for(client, old["id"]) == []
    assert len(entries_for(client, new["id"])) == 1


def test_sign_out_everywhere_ends_every_token_of_the_account(client, cli_runner, users, app):
    user = users.register()

    result = cli_runner.invoke(args=["sign-out-everywhere", user["email"].upper()])
    login = users.login(user["email"], "correct horse")

    assert result.exit_code == 0, result.output
    assert f"signed out everywhere: {user['username']}" in result.output
    assert [entry["version"] for entry in entries_for(client, user["id"])] == [2]
    assert version_of(login.json["user"]["token"]) == 2
    with app.app_context():
        assert db.session.get(Account, user["id"]).token_version == 2


def test_sign_out_everywhere_names_an_unknown_email(cli_runner):
    result = cli_runner.invoke(args=["sign-out-everywhere", "nobody@example.test"])

    assert result.exit_code != 0
    assert "no account has the email nobody@example.test" in result.output
