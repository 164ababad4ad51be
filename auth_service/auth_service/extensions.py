"""Unbound extension objects; create_app binds them with init_app."""

from pathlib import Path

from titanium_common.database import database_extensions

db, migrate = database_extensions(Path(__file__).parent)
