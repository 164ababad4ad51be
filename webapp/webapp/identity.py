"""Who is viewing: the flask-login session holds only the account id and a session id; every
request checks that the server still holds that session (webapp.sessions: not logged out, not
expired, not ended by a password change) and reads webapp's own copy of the account's profile
(webapp.authors) in the same query, with no user_service call. A session that is over, or whose
account exists nowhere, is cleared, so the page renders signed out."""

from flask import Flask, g, session, url_for
from flask_login import UserMixin, current_user

from webapp import authors, sessions
from webapp.extensions import login_manager
from webapp.profiles.client import Profile
from webapp.ui import is_page_request, redirect_to, remember_destination
from webapp.upstream import UpstreamUnavailable


class SignedInUser(UserMixin):
    """The viewer behind the session: the account id plus what the navbar shows."""

    def __init__(self, profile: Profile):
        self.id = profile.id
        self.username = profile.username
        self.image = profile.image


def viewer_id() -> str | None:
    return current_user.id if current_user.is_authenticated else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_send_to_login)
    app.before_request(_resolve_identity)


def _load_user(account_id: str) -> SignedInUser | None:
    live, copy = sessions.live_account(account_id)
    if not live:
        session.clear()  # logged out, expired or ended: render signed out from now on
        return None
    if copy is not None:
        return SignedInUser(authors.as_profile(copy))
    try:
        profile = authors.profile_by_id(account_id)
    except UpstreamUnavailable as error:
        # Not copied here, and user_service, which could know it, is down (a session older
        # than the copies): raised by `_resolve_identity`, outside flask-login.
        g.identity_error = error
        return None
    if profile is None:
        session.clear()  # the account is gone: render signed out from now on
        return None
    return SignedInUser(profile)


def _send_to_login():
    # The contract wants exactly /login (no ?next=); htmx must change the real URL. The page
    # asked for is remembered in the session, so signing in goes back to it.
    remember_destination()
    return redirect_to(url_for("accounts.login"))


def _resolve_identity() -> None:
    if not is_page_request():
        return
    if current_user.is_anonymous and (error := g.pop("identity_error", None)):
        raise error  # an error page beats a silent sign-out
