"""POST /api/users, POST /api/users/login, GET and PUT /api/user."""

import json

from flask import Blueprint, Response, jsonify, request

from auth_service import mail
from auth_service.extensions import db
from auth_service.models import Account, IdempotencyKey
from auth_service.outbox.delivery import deliver_after_commit
from auth_service.tokens.keys import key_ring
from auth_service.users import service
from titanium_common.api import ApiError, read_wrapped_json
from titanium_common.caching import PURGE_HEADER, UNCHANGED_HEADER, author_key, username_key
from titanium_common.context import client_address_var
from titanium_common.idempotency import IdempotencyKeys, StoredReply
from titanium_common.identity import (
    EMAIL_VERIFIED_HEADER,
    PROFILE_VERSION_HEADER,
    USER_ID_HEADER,
)

bp = Blueprint("users", __name__, url_prefix="/api")


# A new account or a sign-in changes no page anyone reads: the gateway keeps its cached pages.
CHANGES_NO_PAGE = {UNCHANGED_HEADER: "1"}
# A registration has no caller yet: its Idempotency-Keys share one namespace. A replay needs the
# same body, password included, so it tells nobody anything they did not send.
ANONYMOUS = ""
idempotency_keys = IdempotencyKeys(db, IdempotencyKey)


@bp.post("/users")
def register():
    """Idempotency-Key: a retry with the same key and body gets the first reply again."""
    data = read_wrapped_json("user")
    claim = idempotency_keys.claim(ANONYMOUS, replay=_replayed_registration)
    try:
        account, events, mails = service.register(
            data,
            client_address_var.get(),
            before_commit=claim and claim.recording(_stored_registration),
        )
    except ApiError as error:
        if claim is not None and error.status == 409:
            claim.replay_if_taken()  # a twin with the same key registered first: its reply
        raise
    deliver_after_commit(events)
    mail.send_soon(mails)
    return user_reply(account, 201, CHANGES_NO_PAGE)


def _stored_registration(account: Account) -> Response:
    """What a registration's key keeps: the reply without its token (no credential rests in
    the database), and the account id to sign a fresh one for a replay."""
    user = {key: value for key, value in user_response(account)["user"].items() if key != "token"}
    response = jsonify(user=user, account=account.id, version=account.profile_version)
    response.status_code = 201
    return response


def _replayed_registration(stored: StoredReply) -> Response:
    kept = json.loads(stored.body)
    account = db.session.get(Account, kept["account"])
    token = key_ring().sign(account.id, account.token_version)
    response = jsonify(user={**kept["user"], "token": token})
    response.status_code = stored.status
    response.headers.update(
        {
            **CHANGES_NO_PAGE,
            PROFILE_VERSION_HEADER: str(kept["version"]),
            EMAIL_VERIFIED_HEADER: "1" if account.email_verified_at else "0",
        }
    )
    return response


@bp.post("/users/login")
def login():
    account = service.login(read_wrapped_json("user"), client_address_var.get())
    return user_reply(account, 200, CHANGES_NO_PAGE)


@bp.get("/user")
def current_user():
    return user_reply(service.find_account(request.headers.get(USER_ID_HEADER)))


@bp.put("/user")
def update_current_user():
    """RealWorld's update. A caller that sends `current_password` beside `user` (webapp's
    settings form) asks for it to be checked before an email or password change (ADR 0019)."""
    account = service.find_account(request.headers.get(USER_ID_HEADER))
    data = read_wrapped_json("user")
    body = request.get_json(silent=True, force=True)
    current = body.get("current_password", service.UNCHECKED)
    events, mails = service.update(account, data, current, client_address_var.get())
    deliver_after_commit(events)  # webapp's copy of the profile first, then the purge below
    mail.send_soon(mails)
    return user_reply(account, 200, {PURGE_HEADER: profile_keys(account)})


def profile_keys(account: Account) -> str:
    """What a profile change changes in pages: the author's name, bio and image wherever they
    show, and any list filtered by the (maybe new) username."""
    return f"{author_key(account.id)} {username_key(account.username)}"


def user_reply(account: Account, status: int = 200, headers: dict | None = None):
    """The User reply, with the version of the profile in it (PROFILE_VERSION_HEADER)."""
    version = {
        PROFILE_VERSION_HEADER: str(account.profile_version),
        EMAIL_VERIFIED_HEADER: "1" if account.email_verified_at else "0",
    }
    return user_response(account), status, {**(headers or {}), **version}


def user_response(account: Account) -> dict:
    """Every User response carries a freshly signed token."""
    return {
        "user": {
            "email": account.email,
            "token": key_ring().sign(account.id, account.token_version),
            "username": account.username,
            "bio": account.bio,
            "image": account.image,
        }
    }
