"""Unbound extension objects; create_app binds them with init_app."""

from pathlib import Path

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from titanium_common.database import database_extensions
from webapp.replica import ReplicaSession

db, migrate = database_extensions(Path(__file__).parent, session_class=ReplicaSession)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
