"""Alembic environment: webapp's migrations on the app's own engine."""

from alembic import context

from titanium_common.database import run_migrations
from webapp.search import include_object

run_migrations(context, include_object=include_object)
