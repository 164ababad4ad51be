"""auth_service settings, declared once: the only module that knows the environment variables.

Names are the variable names; `create_app(settings_override)` can replace any of them.
"""

from titanium_common.settings import (
    REQUIRED,
    Setting,
    database_settings,
    redis_settings,
    server_settings,
)

SERVICE = "auth_service"

SETTINGS = [
    *server_settings(port=8082),
    *database_settings(),
    *redis_settings(SERVICE),
    Setting(
        "SIGNING_KEYS_DIR",
        REQUIRED,
        "folder of Ed25519 PEM signing keys: every *.pem, the last by name signs (name them by "
        "UTC creation time); /readyz is 503 while it holds none. `make run`: var/keys",
        SERVICE,
    ),
    Setting(
        "TOKEN_TTL_SECONDS",
        86400,
        "access token lifetime (the gateway refuses longer ones); also how long a retired key "
        "stays published",
        SERVICE,
    ),
    Setting(
        "USER_SERVICE_URL",
        "http://127.0.0.1:8083",
        "user_service's base URL (the outbox relay delivers profile changes there)",
        SERVICE,
    ),
    Setting(
        "WEBAPP_URL",
        "http://127.0.0.1:8081",
        "webapp's base URL (auth_service's outbox relay delivers author profiles there)",
        SERVICE,
    ),
    # argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes).
    Setting(
        "ARGON2_TIME_COST",
        3,
        "argon2id passes (hashes are upgraded at the next sign-in when a cost changes)",
        SERVICE,
    ),
    Setting("ARGON2_MEMORY_COST", 65536, "argon2id memory, KiB", SERVICE),
    Setting("ARGON2_PARALLELISM", 4, "argon2id lanes", SERVICE),
    # Throttling (throttle.py): delays per account that the owner can wait out, limits per
    # client address (as the gateway's trusted edge saw it) that block no one else.
    Setting(
        "LOGIN_THROTTLE_WINDOW_SECONDS",
        900,
        "how long failed sign-ins are remembered, per account and per client address",
        SERVICE,
    ),
    Setting(
        "LOGIN_FAILURES_BEFORE_DELAY",
        5,
        "failed sign-ins to an account before each further attempt must wait",
        SERVICE,
    ),
    Setting(
        "LOGIN_FIRST_DELAY_SECONDS",
        1.0,
        "the first such wait; it doubles with every further failure",
        SERVICE,
    ),
    Setting(
        "LOGIN_MAX_DELAY_SECONDS",
        60.0,
        "the longest wait an account's owner can be made to sit out",
        SERVICE,
    ),
    Setting(
        "LOGIN_MAX_FAILURES_PER_CLIENT",
        50,
        "failed sign-ins per client address per window; more are refused for that address only",
        SERVICE,
    ),
    Setting(
        "REGISTRATIONS_PER_CLIENT",
        20,
        "sign-up attempts per client address per registration window (0: no limit)",
        SERVICE,
    ),
    Setting("REGISTRATION_WINDOW_SECONDS", 3600, "window of the sign-up limit per client", SERVICE),
    Setting(
        "REVOCATION_RETENTION_SECONDS",
        30 * 86400,
        "how long a revocation stays on the feed the gateway and webapp read; at least the "
        "longest token (TOKEN_TTL_SECONDS) and web session (webapp SESSION_MAX_AGE_SECONDS)",
        SERVICE,
    ),
    Setting(
        "OUTBOX_RELAY_INTERVAL_SECONDS",
        1.0,
        "pause between outbox relay passes (profile changes to user_service)",
        SERVICE,
    ),
    Setting("RELAY_METRICS_PORT", 9102, "the outbox relay's Prometheus port (0: off)", SERVICE),
    # Mail (mail.py): password-reset and verification links.
    Setting(
        "MAIL_URL",
        "",
        "SMTP server for outgoing mail: smtp://[user:password@]host[:port] (smtp+starttls:// "
        "or smtps:// for TLS); empty: each mail is written as a .eml file in MAIL_DIR",
        SERVICE,
    ),
    Setting(
        "MAIL_DIR",
        "",
        "where mail goes when MAIL_URL is empty; empty: mail/ in the var dir",
        SERVICE,
    ),
    Setting("MAIL_FROM", "Titanium <no-reply@titanium.local>", "sender of every mail", SERVICE),
    Setting(
        "MAIL_TIMEOUT_SECONDS",
        10.0,
        "longest wait for the SMTP server (sending never delays a request: mail goes out "
        "after the commit, retried by the outbox relay)",
        SERVICE,
    ),
    Setting(
        "PUBLIC_URL",
        "http://127.0.0.1:8080",
        "the address readers use (scheme and host): absolute links (canonical, og:url, RSS, "
        "sitemap; auth_service: the links in mail); https also makes the session cookie Secure "
        "and sends HSTS",
        SERVICE,
    ),
    Setting(
        "PASSWORD_RESET_TTL_SECONDS",
        3600,
        "how long a password-reset link works (once)",
        SERVICE,
    ),
    Setting(
        "EMAIL_VERIFICATION_TTL_SECONDS",
        7 * 86400,
        "how long an email-verification link works",
        SERVICE,
    ),
    Setting(
        "PASSWORD_RESETS_PER_CLIENT",
        10,
        "reset-link requests per client address per registration window (0: no limit)",
        SERVICE,
    ),
]
