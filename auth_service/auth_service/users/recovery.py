"""Account recovery and email verification, for webapp's pages (internal: the gateway never
routes /internal, so only webapp reaches these).

- `POST /internal/password-resets/requests {"email"}`: 202 whatever the email, with the same
  body, after the same work: the account is looked up, and its mail queued and sent, by a
  background thread after the reply (mail.run_soon), so neither the answer nor its timing tells
  whether an account exists. (A process that dies in that moment loses the mail; asking again
  sends another.)
- `POST /internal/password-resets/check {"token"}`: 204 while the link works, else 404.
- `POST /internal/password-resets {"token", "password"}`: sets the password, ends every session
  and token of the account; 200 `{"account", "token_version"}`; 404 for a used, expired or
  unknown link; 422 for an unusable password.
- `POST /internal/email-verifications {"token"}`: 200 `{"account"}`, else 404.
- `POST /internal/email-verifications/requests` (as the caller): a new verification mail; 202.
"""

import sqlalchemy as sa
from flask import Blueprint, request

from auth_service import mail
from auth_service.extensions import db
from auth_service.models import Account
from auth_service.passwords import passwords
from auth_service.throttle import client_limit
from auth_service.users import links, service
from titanium_common.api import ApiError, FieldErrors, read_wrapped_json
from titanium_common.context import client_address_var
from titanium_common.identity import USER_ID_HEADER
from titanium_common.text import EMAIL_MAX

bp = Blueprint("recovery", __name__, url_prefix="/internal")

LINK_GONE = "is invalid or has expired"
ACCEPTED = {"status": "accepted"}


def _link_gone() -> ApiError:
    return ApiError.one(404, "link", LINK_GONE)


@bp.post("/password-resets/requests")
def request_reset():
    data = read_wrapped_json("user")
    errors = FieldErrors()
    email = errors.required_text(data, "email", EMAIL_MAX)
    errors.raise_if_any()
    client_limit("password_reset").hit(client_address_var.get())
    mail.run_soon(_send_reset_mail, email.lower())
    return ACCEPTED, 202


def _send_reset_mail(email: str) -> None:
    account = db.session.scalar(sa.select(Account).where(Account.email == email))
    if account is None:
        return
    message = links.reset_mail(account)
    db.session.commit()
    mail.send_due([message.id])


@bp.post("/password-resets/check")
def check_reset():
    if links.find(read_wrapped_json("reset").get("token"), links.RESET) is None:
        raise _link_gone()
    return "", 204


@bp.post("/password-resets")
def reset_password():
    data = read_wrapped_json("reset")
    found = links.find(data.get("token"), links.RESET)
    if found is None:
        raise _link_gone()
    link, account = found
    errors = FieldErrors()
    password = service.new_password(errors, data)
    errors.raise_if_any()
    password_hash = passwords().hash(password)
    if not links.use(link):
        db.session.rollback()
        raise _link_gone()
    links.reset_password(account, password_hash)
    db.session.commit()
    return {"account": account.id, "token_version": account.token_version}


@bp.post("/email-verifications")
def verify_email():
    found = links.find(read_wrapped_json("verification").get("token"), links.VERIFY)
    if found is None or not links.use(found[0]):
        db.session.rollback()
        raise _link_gone()
    links.verify_email(found[1])
    db.session.commit()
    return {"account": found[1].id}


@bp.post("/email-verifications/requests")
def resend_verification():
    account = service.find_account(request.headers.get(USER_ID_HEADER))
    messages = [] if account.email_verified_at else [links.verification_mail(account)]
    db.session.commit()
    mail.send_soon(messages)
    return ACCEPTED, 202
