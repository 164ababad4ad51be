"""POST /api/users, POST /api/users/login, GET and PUT /api/user."""

from flask import Blueprint, request

from auth_service.models import Account
from auth_service.outbox.delivery import deliver_after_commit
from auth_service.tokens.keys import key_ring
from auth_service.users import service
from titanium_common.api import read_wrapped_json
from titanium_common.caching import UNCHANGED_HEADER
from titanium_common.context import client_address_var
from titanium_common.identity import USER_ID_HEADER

bp = Blueprint("users", __name__, url_prefix="/api")


# A new account or a sign-in changes no page anyone reads: the gateway keeps its cached pages.
CHANGES_NO_PAGE = {UNCHANGED_HEADER: "1"}


@bp.post("/users")
def register():
    account, event = service.register(read_wrapped_json("user"), client_address_var.get())
    deliver_after_commit(event.id)
    return user_response(account), 201, CHANGES_NO_PAGE


@bp.post("/users/login")
def login():
    account = service.login(read_wrapped_json("user"), client_address_var.get())
    return user_response(account), 200, CHANGES_NO_PAGE


@bp.get("/user")
def current_user():
    return user_response(service.find_account(request.headers.get(USER_ID_HEADER)))


@bp.put("/user")
def update_current_user():
    account = service.find_account(request.headers.get(USER_ID_HEADER))
    event = service.update(account, read_wrapped_json("user"))
    if event is not None:
        deliver_after_commit(event.id)
    return user_response(account)


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
