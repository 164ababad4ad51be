"""`flask seed-demo` creates the demo accounts once, with their profile events."""

import sqlalchemy as sa

from auth_service.extensions import db
from auth_service.models import Account, OutboxEvent
from auth_service.users.cli import DEMO_ACCOUNTS, DEMO_PASSWORD


def test_seed_demo_is_idempotent_and_the_accounts_can_log_in(app, cli_runner, users):
    first = cli_runner.invoke(args=["seed-demo"])
    second = cli_runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0 and second.exit_code == 0, (first.output, second.output)
    assert second.output.splitlines() == [f"exists  {name}" for name, _ in DEMO_ACCOUNTS]
    for name, bio in DEMO_ACCOUNTS:
        response = users.login(f"{name}@demo.titanium.test", DEMO_PASSWORD)
        assert response.status_code == 200
        assert response.json["user"]["bio"] == bio
    with app.app_context():
        ada = db.session.scalar(sa.select(Account).where(Account.username == "ada"))
        newest_event = db.session.scalars(
            sa.select(OutboxEvent)
            .where(OutboxEvent.account_id == ada.id)
            .order_by(OutboxEvent.id.desc())
        ).first()
        assert newest_event.payload["profile"]["bio"] == DEMO_ACCOUNTS[0][1]
