"""What text every service accepts, at every boundary: forms, JSON, path, query and headers.

Refused: NUL (PostgreSQL text cannot hold it), lone surrogates (not encodable as UTF-8, so no
database, log or reply can carry them) and control characters other than tab, newline and
carriage return (never typed by a person, often a smuggling attempt). The gateway applies the
same rule to paths and queries before it forwards anything.
"""

import re
from typing import Any
from urllib.parse import urlsplit

NOT_ALLOWED = "contains characters that are not allowed"
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Deeper than any document a service reads (a RealWorld body is 2 levels, tagList 3).
MAX_JSON_DEPTH = 32


def is_clean(value: str) -> bool:
    """Whether `value` holds none of the refused characters."""
    return _FORBIDDEN.search(value) is None


NOT_A_WEB_URL = "must be an http or https URL"


def is_web_url(value: str) -> bool:
    """Whether a URL typed by hand (a profile image) is empty or an absolute http(s) address:
    never javascript:, data: or a relative path a browser would resolve against our pages."""
    if not value:
        return True
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def too_long(limit: int) -> str:
    return f"is too long (maximum is {limit} characters)"


def json_problem(document: Any) -> tuple[str, str] | None:
    """(field, message) of the first refused string or too deep a nesting in a parsed JSON
    document, None if it is fine. Iterative, so no document can exhaust the stack."""
    pending = [(document, "body", 1)]
    while pending:
        value, field, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return "body", "is nested too deeply"
        if isinstance(value, str) and not is_clean(value):
            return field, NOT_ALLOWED
        if isinstance(value, dict):
            for key, item in value.items():
                if not is_clean(key):
                    return field, NOT_ALLOWED
                pending.append((item, key, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, field, depth + 1) for item in value)
    return None


# A profile's fields, as auth_service accepts them and user_service and webapp keep copies of.
USERNAME_MAX = 64
EMAIL_MAX = 254  # RFC 5321's longest forward path
BIO_MAX = 1000
IMAGE_URL_MAX = 2000  # what browsers and CDNs reliably handle
PROFILE_LIMITS = {"username": USERNAME_MAX, "bio": BIO_MAX, "image": IMAGE_URL_MAX}
