"""webapp settings, declared once: the only module that knows the environment variables.

Names are the variable names; `create_app(settings_override)` can replace any of them.
"""

from titanium_common.revocations import revocation_settings
from titanium_common.settings import (
    REQUIRED,
    Setting,
    database_settings,
    redis_settings,
    server_settings,
)

SERVICE = "webapp"


def media_settings() -> list[Setting]:
    """Uploaded images (avatars, images in articles): limits and where they are kept
    (webapp/media/storage.py, docs/adr/0018-image-uploads-and-media-storage.md)."""
    return [
        Setting(
            "MEDIA_STORAGE_URL",
            "",
            "where uploaded images are kept: empty for the folder `media` in TITANIUM_VAR_DIR, "
            "`file:<folder>`, or `s3://<bucket>[/<prefix>]` (S3, or MinIO with S3_ENDPOINT_URL)",
            SERVICE,
        ),
        Setting(
            "S3_ENDPOINT_URL",
            "",
            "an S3-compatible server (MinIO) for an s3:// MEDIA_STORAGE_URL; empty: AWS S3. "
            "Credentials: the pod's IAM role, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
            SERVICE,
        ),
        Setting("S3_REGION", "", "the bucket's region (empty: boto3's default)", SERVICE),
        Setting(
            "S3_TIMEOUT_SECONDS",
            5.0,
            "give up connecting to, or waiting for, the bucket after this long",
            SERVICE,
        ),
        # Below the 2 MiB request body webapp and the gateway accept, form fields included.
        Setting(
            "MEDIA_MAX_BYTES",
            3 * 512 * 1024,
            "the largest image file accepted for upload, in bytes",
            SERVICE,
        ),
        # A decompression bomb is a small file with a huge canvas: refused before it is decoded.
        Setting(
            "MEDIA_MAX_PIXELS",
            25_000_000,
            "the most pixels an uploaded image may have (all frames of an animation together)",
            SERVICE,
        ),
    ]


def replica_settings() -> list[Setting]:
    """Reads from a PostgreSQL read replica (webapp/replica.py, docs/adr/0024)."""
    return [
        Setting(
            "DATABASE_REPLICA_URL",
            "",
            "a PostgreSQL read replica of DATABASE_URL (CloudNativePG's `-ro` service): GET "
            "and HEAD requests read from it, falling back to the primary while it is down; "
            "empty: none",
            SERVICE,
        ),
        Setting(
            "DATABASE_REPLICA_LAG_WINDOW_SECONDS",
            5.0,
            "after a signed-in viewer's successful write, their reads use the primary for this "
            "long, so they see it before the replica has replayed it",
            SERVICE,
        ),
    ]


SETTINGS = [
    *server_settings(port=8081),
    *database_settings(),
    *replica_settings(),
    *redis_settings(SERVICE),
    Setting(
        "SECRET_KEY",
        REQUIRED,
        "signs the browser session cookie and CSRF tokens (`make run` generates var/secret_key)",
        SERVICE,
    ),
    # Never the Host a client sends: a page or feed kept by the edge cache would carry it.
    Setting(
        "PUBLIC_URL",
        "http://127.0.0.1:8080",
        "the address readers use (scheme and host): absolute links (canonical, og:url, RSS, "
        "sitemap); https also makes the session cookie Secure and sends HSTS",
        SERVICE,
    ),
    Setting(
        "SESSION_MAX_AGE_SECONDS",
        30 * 86400,
        "how long a browser stays signed in at most; auth_service's REVOCATION_RETENTION_SECONDS "
        "must be at least this",
        SERVICE,
    ),
    *revocation_settings(SERVICE),
    Setting("AUTH_SERVICE_URL", "http://127.0.0.1:8082", "auth_service's base URL", SERVICE),
    Setting("USER_SERVICE_URL", "http://127.0.0.1:8083", "user_service's base URL", SERVICE),
    # A page waits for an upstream at most this long before answering 503: fail fast.
    Setting(
        "UPSTREAM_CONNECT_TIMEOUT_SECONDS",
        0.5,
        "give up connecting to an upstream after this long",
        SERVICE,
    ),
    Setting(
        "UPSTREAM_READ_TIMEOUT_SECONDS",
        2.0,
        "longest silence while waiting for an upstream's reply",
        SERVICE,
    ),
    # Sign-in, sign-up and password changes hash a password (argon2id, ~64 MiB, 3 passes), which
    # under load takes far longer than a read: giving up early showed a 503 for a sign-up that
    # went on to succeed.
    Setting(
        "AUTH_WRITE_TIMEOUT_SECONDS",
        15.0,
        "longest wait for auth_service on a sign-in, sign-up or password change (these hash a "
        "password); past it the form asks to try again, and a retried sign-up is not doubled",
        SERVICE,
    ),
    Setting("SITE_NAME", "Titanium", "the name pages and feeds show", SERVICE),
    Setting(
        "TRASH_RETENTION_DAYS",
        30,
        "how long a deleted article stays restorable in its author's trash; "
        "`flask --app webapp trash purge` deletes older ones for good",
        SERVICE,
    ),
    *media_settings(),
]
