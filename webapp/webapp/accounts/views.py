"""Sign in, sign up, sign out, settings, password resets and email verification, backed by
auth_service.

After sign-in or sign-up the person goes back to the page they came from (ui.take_destination:
remembered in the session, exactly "/" otherwise). auth_service being slow or down shows on the
form as a message to try again, never as an error page; a sign-up form carries an
Idempotency-Key, so sending it again after a timeout signs in to the account the first attempt
created instead of finding its email taken.
"""

import math

from flask import Blueprint, flash, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from titanium_common.idempotency import IDEMPOTENCY_KEY_FIELD, IDEMPOTENCY_KEY_HEADER
from titanium_common.text import NOT_A_WEB_URL, is_web_url
from webapp import authors, sessions
from webapp.accounts import client
from webapp.idempotency import new_key
from webapp.identity import SignedInUser
from webapp.media import service as media
from webapp.media.images import ImageRejected
from webapp.media.storage import StorageUnavailable
from webapp.models import account_uuid
from webapp.profiles.client import Profile
from webapp.ui import (
    changes_no_page,
    error_lines,
    redirect_to,
    remember_destination,
    take_destination,
)
from webapp.upstream import UpstreamUnavailable

bp = Blueprint("accounts", __name__)

UNPROCESSABLE = 422
UNAVAILABLE = 503
# The session remembers that the signed-in account's email is not verified yet (the notice).
UNVERIFIED_KEY = "email_unverified"

THROTTLED = {
    "login": "Too many failed sign-in attempts.",
    "register": "Too many sign-ups from your address.",
    "forgot": "Too many reset requests from your address.",
}
SLOW = {
    "login": "Signing in is taking longer than usual. Please try again in a moment.",
    "register": (
        "Signing up is taking longer than usual. Please send the form again in a moment: "
        "if your account was already created, that signs you in."
    ),
    "forgot": "We could not take your request just now. Please try again in a moment.",
    "reset": "We could not change your password just now. Please try again in a moment.",
    "settings": "We could not save your settings just now. Please try again in a moment.",
}
ALREADY_SENT = (
    "This sign-up may already have gone through: try signing in with that email, "
    "or reload the page to sign up again."
)
SENT = (
    "If an account exists for that address, we sent a link to it. The link works once, "
    "for one hour."
)
LINK_GONE = "This link is invalid or has expired."


def throttled_message(mode: str, retry_after: int | None) -> str:
    """What a person reads on a 429: why, and how long to wait (seconds, or whole minutes)."""
    seconds = retry_after or 60
    count, unit = (seconds, "second") if seconds < 60 else (math.ceil(seconds / 60), "minute")
    return f"{THROTTLED[mode]} Try again in {count} {unit}{'' if count == 1 else 's'}."


def _rejection_lines(mode: str, rejection: client.AuthRejected) -> list[str]:
    if rejection.status == 429:
        return [throttled_message(mode, rejection.retry_after)]
    if IDEMPOTENCY_KEY_HEADER in rejection.errors:
        return [ALREADY_SENT]
    return error_lines(rejection.errors)


def _sign_in(user: dict) -> None:
    session.clear()  # a fresh session (and CSRF token) for the new identity
    account_id, version = client.signed_in_as(user)
    sessions.start(account_id, version)
    profile = Profile(account_id, user["username"], user["bio"], user["image"], False)
    _keep_copy(profile.id, user)
    login_user(SignedInUser(profile))
    _note_verification(user)


def _note_verification(user: dict) -> None:
    if user.get("verified", True):
        session.pop(UNVERIFIED_KEY, None)
    else:
        session[UNVERIFIED_KEY] = True


def _keep_copy(account_id: str, user: dict) -> None:
    """What auth_service just answered is the newest profile there is: webapp's copy of the
    author takes it at once (if newer), not only when the outbox's event arrives."""
    snapshot = authors.Snapshot(user["username"], user["bio"], user["image"], user["version"])
    authors.apply_snapshot(account_uuid(account_id), snapshot)


def _remember_next_argument() -> None:
    """A link may name where to go after signing in (`?next=/article/...`): kept only if it
    is a page of this site (ui.local_url), in the session like every other destination."""
    if next_page := request.args.get("next"):
        remember_destination(next_page)


@bp.route("/login", methods=["GET", "POST"])
@changes_no_page
def login():
    form = {"email": request.form.get("email", "")}
    if request.method == "GET":
        _remember_next_argument()
        return render_template("accounts/auth.html", mode="login", form=form, errors=[])
    try:
        user = client.login(request.form.get("email", ""), request.form.get("password", ""))
    except client.AuthRejected as rejection:
        return _auth_form("login", form, _rejection_lines("login", rejection))
    except UpstreamUnavailable:
        return _auth_form("login", form, [SLOW["login"]], UNAVAILABLE)
    destination = take_destination()
    _sign_in(user)
    flash(f"Welcome back, {user['username']}!")
    return redirect_to(destination)


@bp.route("/register", methods=["GET", "POST"])
@changes_no_page
def register():
    form = {name: request.form.get(name, "") for name in ("username", "email")}
    # One key per rendering of the form, sent again with every resubmission of it.
    form["idempotency_key"] = request.form.get(IDEMPOTENCY_KEY_FIELD) or new_key()
    if request.method == "GET":
        _remember_next_argument()
        return render_template("accounts/auth.html", mode="register", form=form, errors=[])
    try:
        user = client.register(
            form["username"],
            form["email"],
            request.form.get("password", ""),
            idempotency_key=form["idempotency_key"],
        )
    except client.AuthRejected as rejection:
        return _auth_form("register", form, _rejection_lines("register", rejection))
    except UpstreamUnavailable:
        return _auth_form("register", form, [SLOW["register"]], UNAVAILABLE)
    destination = take_destination()
    _sign_in(user)
    flash(
        f"Welcome to Titanium, {user['username']}! We sent you a link to confirm your email."
        if not user.get("verified", True)
        else f"Welcome to Titanium, {user['username']}!"
    )
    return redirect_to(destination)


def _auth_form(mode: str, form: dict, errors: list[str], status: int = UNPROCESSABLE):
    html = render_template("accounts/auth.html", mode=mode, form=form, errors=errors)
    return html, status


@bp.post("/logout")
@changes_no_page
def logout():
    sessions.end()
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect_to("/")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        account = client.current_account(current_user.id)
        return render_template("accounts/settings.html", form=account, errors=[])
    form = {name: request.form.get(name, "") for name in ("image", "username", "bio", "email")}
    if problems := _take_image(form):
        return _settings_form(form, error_lines(problems))
    changes = _settings_changes(form)
    try:
        account = client.update_account(
            current_user.id, changes, request.form.get("current_password", "")
        )
    except client.AuthRejected as rejection:
        return _settings_form(form, error_lines(rejection.errors))
    except UpstreamUnavailable:
        return _settings_form(form, [SLOW["settings"]], UNAVAILABLE)
    _keep_copy(current_user.id, account)
    _note_verification(account)
    if "password" in changes:
        # auth_service ended every session and token of the account; this one goes on.
        sessions.keep_after_own_change(*client.signed_in_as(account))
        flash("Settings saved. Your password is changed: every other browser is signed out.")
    else:
        flash("Settings saved.")
    return redirect_to(url_for("profile.articles", username=account["username"]))


def _settings_form(form: dict, errors: list[str], status: int = UNPROCESSABLE):
    return render_template("accounts/settings.html", form=form, errors=errors), status


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


# -- forgotten passwords --------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@changes_no_page
def forgot_password():
    """The same answer whether or not the email has an account (auth_service sends the mail
    after its reply, so not even the timing differs)."""
    form = {"email": request.form.get("email", "")}
    if request.method == "GET":
        return render_template("accounts/forgot.html", form=form, errors=[], sent=False)
    try:
        client.request_password_reset(form["email"])
    except client.AuthRejected as rejection:
        errors = _rejection_lines("forgot", rejection)
        return render_template("accounts/forgot.html", form=form, errors=errors), UNPROCESSABLE
    except UpstreamUnavailable:
        errors = [SLOW["forgot"]]
        return render_template("accounts/forgot.html", form=form, errors=errors), UNAVAILABLE
    return render_template("accounts/forgot.html", form=form, errors=[], sent=True)


@bp.route("/reset-password", methods=["GET", "POST"])
@changes_no_page
def reset_password():
    token = request.values.get("token", "")
    if request.method == "GET":
        if not client.reset_link_works(token):
            return _link_gone()
        return render_template("accounts/reset.html", token=token, errors=[])
    try:
        account_id, version = client.reset_password(token, request.form.get("password", ""))
    except client.AuthRejected as rejection:
        if rejection.status == 404:
            return _link_gone()
        errors = error_lines(rejection.errors)
        return render_template("accounts/reset.html", token=token, errors=errors), UNPROCESSABLE
    except UpstreamUnavailable:
        errors = [SLOW["reset"]]
        return render_template("accounts/reset.html", token=token, errors=errors), UNAVAILABLE
    # Every browser of the account is signed out now (the API's tokens within a poll).
    sessions.end_all_before(account_id, version)
    if current_user.is_authenticated:
        logout_user()
        session.clear()
    flash("Your password is changed and every browser signed out. Sign in with the new one.")
    return redirect_to(url_for("accounts.login"))


def _link_gone():
    html = render_template("accounts/link_gone.html", message=LINK_GONE, reset=True)
    return html, 404


# -- email verification ---------------------------------------------------------------------


@bp.get("/verify-email")
@changes_no_page
def verify_email():
    try:
        account_id = client.verify_email(request.args.get("token", ""))
    except client.AuthRejected:
        html = render_template("accounts/link_gone.html", message=LINK_GONE, reset=False)
        return html, 404
    if current_user.is_authenticated and current_user.id == account_id:
        session.pop(UNVERIFIED_KEY, None)
    flash("Thank you: your email is confirmed.")
    return redirect_to("/")


@bp.route("/verify-email/resend", methods=["GET", "POST"])
@login_required
@changes_no_page
def resend_verification():
    """The notice links here (a form on every page would be one more CSRF field on each)."""
    if request.method == "GET":
        return render_template("accounts/resend.html")
    client.resend_verification(current_user.id)
    flash("We sent a new confirmation link to your email.")
    return redirect_to("/")


bp.add_app_template_global(lambda: session.get(UNVERIFIED_KEY, False), "email_unverified")
