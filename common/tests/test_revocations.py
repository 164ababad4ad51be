"""RevocationList: what a reader of auth_service's revocation feed knows, and how it reads it."""

import logging

import pytest

from titanium_common.revocations import MalformedFeed, RevocationList, feed_query

DAY = 86400


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def page(*entries, next_since=1_800_000_000.0, complete=True) -> dict:
    return {
        "revocations": [{"account": a, "version": v, "at": at} for a, v, at in entries],
        "next_since": next_since,
        "complete": complete,
    }


def test_versions_below_the_minimum_are_refused_and_others_allowed():
    revoked = RevocationList(keep_seconds=DAY)

    revoked.apply(page(("ada", 3, 1_800_000_000.0)))

    assert not revoked.allows("ada", 2)
    assert revoked.allows("ada", 3) and revoked.allows("ada", 4)
    assert revoked.allows("grace", 1)


def test_an_entry_read_twice_or_late_never_lowers_the_minimum():
    revoked = RevocationList(keep_seconds=DAY)

    revoked.apply(page(("ada", 3, 1_800_000_010.0), ("ada", 2, 1_800_000_000.0)))
    revoked.apply(page(("ada", 3, 1_800_000_010.0)))

    assert not revoked.allows("ada", 2)


def test_a_fresh_list_asks_for_its_keep_window_then_follows_the_feed():
    clock = Clock()
    revoked = RevocationList(keep_seconds=DAY, clock=clock)
    assert feed_query(revoked) == {"since": f"{clock.now - DAY:.6f}"}

    assert revoked.apply(page(next_since=clock.now - 600, complete=False)) is False
    assert feed_query(revoked) == {"since": f"{clock.now - 600:.6f}"}
    assert revoked.apply(page(next_since=clock.now - 30)) is True
    assert feed_query(revoked) == {"since": f"{clock.now - 30:.6f}"}


def test_an_outage_is_logged_once_and_its_end_once(caplog):
    revoked = RevocationList(keep_seconds=DAY)

    with caplog.at_level(logging.INFO, logger="titanium_common.revocations"):
        for _ in range(3):
            revoked.read_failed(ConnectionError("refused"))
        revoked.apply(page(complete=False))
        revoked.apply(page())
        revoked.apply(page())

    records = [r for r in caplog.records if r.name == "titanium_common.revocations"]
    assert [record.levelname for record in records] == ["WARNING", "INFO"]


def test_a_first_read_before_auth_service_answers_is_no_warning(caplog):
    # `make run` starts every process at once: the gateway's first poll may beat auth_service.
    revoked = RevocationList(keep_seconds=DAY)

    with caplog.at_level(logging.INFO, logger="titanium_common.revocations"):
        revoked.read_failed(ConnectionError("refused"))
        revoked.apply(page())
        revoked.read_failed(ConnectionError("refused"))  # once read, an outage is one at once

    records = [r for r in caplog.records if r.name == "titanium_common.revocations"]
    assert [record.levelname for record in records] == ["WARNING"]


def test_entries_older_than_the_keep_window_are_forgotten():
    clock = Clock()
    revoked = RevocationList(keep_seconds=DAY, clock=clock)
    revoked.apply(page(("ada", 2, clock.now - DAY - 1), ("grace", 2, clock.now - DAY + 1)))

    assert revoked.allows("ada", 1)  # everything it ended has expired
    assert not revoked.allows("grace", 1)
    assert len(revoked) == 1


@pytest.mark.parametrize(
    "reply",
    [
        None,
        [],
        {"revocations": [], "complete": True},
        {"revocations": {}, "next_since": 1.0, "complete": True},
        {"revocations": [], "next_since": "1", "complete": True},
        {"revocations": [], "next_since": float("nan"), "complete": True},
        {"revocations": [], "next_since": 1.0, "complete": "yes"},
        page(("ada", "2", 1.0)),
        page(("ada", True, 1.0)),
        page((7, 2, 1.0)),
        page(("ada", 2, None)),
        {"revocations": ["ada"], "next_since": 1.0, "complete": True},
    ],
)
def test_a_malformed_page_changes_nothing(reply):
    revoked = RevocationList(keep_seconds=DAY)
    revoked.apply(page(("grace", 2, 1_800_000_000.0), ("ada", 2, 1_800_000_000.0)))
    since = revoked.since

    with pytest.raises(MalformedFeed):
        revoked.apply(reply)

    assert revoked.since == since
    assert not revoked.allows("ada", 1)
