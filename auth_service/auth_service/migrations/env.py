"""Alembic environment: auth_service's migrations on the app's own engine."""

from alembic import context

from titanium_common.database import run_migrations

run_migrations(context)
