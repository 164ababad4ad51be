"""webapp's Idempotency-Keys (titanium_common.idempotency): creating an article or a comment,
through the API (the header) or a web form (a hidden field made for each render of the form)."""

import secrets

from titanium_common.idempotency import IdempotencyKeys
from webapp.extensions import db
from webapp.models import IdempotencyKey

keys = IdempotencyKeys(db, IdempotencyKey)


def new_key() -> str:
    """A fresh key for one rendering of a creating form: submitting it twice creates once."""
    return secrets.token_urlsafe(16)
