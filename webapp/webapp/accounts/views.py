"""Sign in, sign up, sign out and settings, backed by auth_service."""

import math

from flask import Blueprint, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from titanium_common.text import NOT_A_WEB_URL, is_web_url
from webapp import authors, sessions
from webapp.accounts import client
from webapp.identity import SignedInUser
from webapp.media import service as media
from webapp.media.images import ImageRejected
from webapp.media.storage import StorageUnavailable
from webapp.models import account_uuid
from webapp.profiles.client import Profile
from webapp.ui import changes_no_page, error_lines, redirect_to

bp = Blueprint("accounts", __name__)

UNPROCESSABLE = 422


THROTTLED = {
    "login": "Too many failed sign-in attempts.",
    "register": "Too many sign-ups from your address.",
}


def throttled_message(mode: str, retry_after: int | None) -> str:
    """What a person reads on a 429: why, and how long to wait (seconds, or whole minutes)."""
    seconds = retry_after or 60
    count, unit = (seconds, "second") if seconds < 60 else (math.ceil(seconds / 60), "minute")
    return f"{THROTTLED[mode]} Try again in {count} {unit}{'' if count == 1 else 's'}."


def _rejection_lines(mode: str, rejection: client.AuthRejected) -> list[str]:
    if rejection.status == 429:
        return [throttled_message(mode, rejection.retry_after)]
    return error_lines(rejection.errors)


def _sign_in(user: dict) -> None:
    session.clear()  # a fresh session (and CSRF token) for the new identity
    account_id, version = client.signed_in_as(user)
    sessions.start(account_id, version)
    profile = Profile(account_id, user["username"], user["bio"], user["image"], False)
    _keep_copy(profile.id, user)
    login_user(SignedInUser(profile))


def _keep_copy(account_id: str, user: dict) -> None:
    """What auth_service just answered is the newest profile there is: webapp's copy of the
    author takes it at once (if newer), not only when the outbox's event arrives."""
    snapshot = authors.Snapshot(user["username"], user["bio"], user["image"], user["version"])
    authors.apply_snapshot(account_uuid(account_id), snapshot)


@bp.route("/login", methods=["GET", "POST"])
@changes_no_page
def login():
    form = {"email": request.form.get("email", "")}
    if request.method == "GET":
        return render_template("accounts/auth.html", mode="login", form=form, errors=[])
    try:
        user = client.login(request.form.get("email", ""), request.form.get("password", ""))
    except client.AuthRejected as rejection:
        return _auth_form("login", form, _rejection_lines("login", rejection))
    _sign_in(user)
    return redirect_to("/")


@bp.route("/register", methods=["GET", "POST"])
@changes_no_page
def register():
    form = {name: request.form.get(name, "") for name in ("username", "email")}
    if request.method == "GET":
        return render_template("accounts/auth.html", mode="register", form=form, errors=[])
    try:
        user = client.register(form["username"], form["email"], request.form.get("password", ""))
    except client.AuthRejected as rejection:
        return _auth_form("register", form, _rejection_lines("register", rejection))
    _sign_in(user)
    return redirect_to("/")


def _auth_form(mode: str, form: dict, errors: list[str]):
    html = render_template("accounts/auth.html", mode=mode, form=form, errors=errors)
    return html, UNPROCESSABLE


@bp.post("/logout")
@changes_no_page
def logout():
    sessions.end()
    logout_user()
    session.clear()
    return redirect_to("/")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        account = client.current_account(current_user.id)
        return render_template("accounts/settings.html", form=account, errors=[])
    form = {name: request.form.get(name, "") for name in ("image", "username", "bio", "email")}
    if problems := _take_image(form):
        return _settings_form(form, problems)
    changes = _settings_changes(form)
    try:
        account = client.update_account(current_user.id, changes)
    except client.AuthRejected as rejection:
        return _settings_form(form, rejection.errors)
    _keep_copy(current_user.id, account)
    if "password" in changes:
        # auth_service ended every session and token of the account; this one goes on.
        sessions.keep_after_own_change(*client.signed_in_as(account))
    return redirect_to(url_for("profile.articles", username=account["username"]))


def _settings_form(form: dict, errors: dict[str, list[str]]):
    html = render_template("accounts/settings.html", form=form, errors=error_lines(errors))
    return html, UNPROCESSABLE


def _take_image(form: dict) -> dict[str, list[str]]:
    """An uploaded avatar (field `avatar`) becomes the profile's image URL; a typed URL must be
    http(s). Returns the problems (RealWorld shape), found before anything is sent."""
    upload = request.files.get("avatar")
    if upload is not None and upload.filename:
        try:
            form["image"] = media.media_url(media.store_upload(upload, avatar=True))
        except ImageRejected as rejection:
            return {"avatar": [rejection.message(media.limits())]}
        except StorageUnavailable:
            return {"avatar": [media.UNAVAILABLE]}
    if not is_web_url(form["image"].strip()):
        return {"image": [NOT_A_WEB_URL]}
    return {}


def _settings_changes(form: dict) -> dict:
    """Empty bio/image clear them (null); an empty password means unchanged and is not sent."""
    changes = {
        "username": form["username"],
        "email": form["email"],
        "bio": form["bio"].strip() or None,
        "image": form["image"].strip() or None,
    }
    if password := request.form.get("password", ""):
        changes["password"] = password
    return changes
