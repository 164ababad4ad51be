"""Writing events: always in the same session (so the same transaction) as the account change."""

from auth_service.extensions import db
from auth_service.models import Account, OutboxEvent
from auth_service.outbox.destinations import DESTINATIONS


def record_profile_change(account: Account) -> list[OutboxEvent]:
    """Queue the account's full profile snapshot for every destination; the caller's commit
    makes them durable."""
    events = [
        OutboxEvent(
            account_id=account.id,
            destination=destination,
            payload={"profile": account.profile_snapshot()},
        )
        for destination in DESTINATIONS
    ]
    db.session.add_all(events)
    return events
