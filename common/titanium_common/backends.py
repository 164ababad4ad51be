"""Where a service keeps its data: one database per service, on SQLite or a PostgreSQL server.

`TITANIUM_POSTGRES_URL` names a *server*; each service gets its own database on it
(`titanium_<service>`). Without it, each service uses a SQLite file under the var dir.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

REPO_DIR = Path(__file__).resolve().parents[2]


def service_database_url(service: str, postgres_server_url: str, var_dir: str) -> str:
    if postgres_server_url:
        return database_on_server(postgres_server_url, f"titanium_{service}")
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(var_dir).resolve() / f'{service}.db'}"


def database_on_server(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    return with_installed_driver(
        urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))
    )


def with_installed_driver(url: str) -> str:
    """SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; the installed driver is psycopg2."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url.removeprefix(scheme)
    return url


def ensure_database(url: str) -> bool:
    """Create a PostgreSQL database if it does not exist yet. Returns True if it was created."""
    target = sa.engine.make_url(url)
    if not target.drivername.startswith("postgresql"):
        return False
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            query = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
            exists = conn.scalar(query, {"name": target.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
            return not exists
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database (used by test suites for their own throwaway databases)."""
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def resolve_database(service: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """An empty DATABASE_URL made from the stack-wide settings (after any override), with the
    installed driver named."""
    resolved = dict(settings)
    if "DATABASE_URL" in resolved:
        if not resolved["DATABASE_URL"]:
            var_dir = REPO_DIR / resolved["TITANIUM_VAR_DIR"]  # an absolute one stays as it is
            resolved["DATABASE_URL"] = service_database_url(
                service, resolved["TITANIUM_POSTGRES_URL"], str(var_dir)
            )
        resolved["DATABASE_URL"] = with_installed_driver(resolved["DATABASE_URL"])
    return resolved
