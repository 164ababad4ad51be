"""webapp's Idempotency-Keys (titanium_common.idempotency): creating an article or a comment,
through the API (the header) or a web form (a hidden field made for each render of the form)."""

import secrets

from flask import request

from titanium_common.api import ApiError
from titanium_common.idempotency import (
    IDEMPOTENCY_KEY_FIELD,
    IDEMPOTENCY_KEY_HEADER,
    Claim,
    IdempotencyKeys,
    default_replay,
)
from webapp.extensions import db
from webapp.models import IdempotencyKey

keys = IdempotencyKeys(db, IdempotencyKey)


def new_key() -> str:
    """A fresh key for one rendering of a creating form: submitting it twice creates once."""
    return secrets.token_urlsafe(16)


def form_claim(caller: str, replay=default_replay) -> Claim | None:
    """The submitted form's key. Sent again unchanged, the request ends with the first answer;
    a key that went with other fields (the form came back with the Back button and was edited)
    is no longer this submission's, which goes ahead without one."""
    try:
        return keys.claim(
            caller, key=request.form.get(IDEMPOTENCY_KEY_FIELD) or None, replay=replay
        )
    except ApiError as error:
        if IDEMPOTENCY_KEY_HEADER not in error.errors:
            raise
        return None
