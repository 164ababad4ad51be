"""Outgoing mail: written to the mail outbox in the transaction that wants it sent, sent after
the commit by a background thread and, whatever that misses (SMTP down), by the outbox relay.

A request never waits for mail, so no answer's timing tells whether a mail was sent, and an SMTP
server that is down fails no request. Where mail goes (MAIL_URL):

- `smtp://[user:password@]host[:port]` (port 25 unless given); `smtp+starttls://` upgrades the
  connection with STARTTLS (port 587 unless given); `smtps://` is TLS from the start (465);
- empty: each mail is a `.eml` file in MAIL_DIR (default `<var dir>/mail/`), which any mail
  program opens; `make run` needs no mail server.

A message is claimed (its next attempt moved a minute ahead) before it is sent, so the thread
and the relay never send the same mail twice at once.
"""

import logging
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import Flask, current_app

from auth_service.extensions import db
from auth_service.models import MailMessage, utc_now
from titanium_common.backends import REPO_DIR

log = logging.getLogger(__name__)

CLAIM = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 3600
BATCH_SIZE = 20
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailSettingError(ValueError):
    """MAIL_URL names no SMTP server this module can use."""


def queue(recipient: str, subject: str, body: str) -> MailMessage:
    """A mail to send once the caller's transaction commits (pass it to `send_soon`)."""
    message = MailMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    return message


def send_soon(messages: list[MailMessage]) -> None:
    """After the commit: send these in a background thread, so the reply does not wait."""
    ids = [message.id for message in messages if message.id is not None]
    if ids:
        run_soon(send_due, ids)


def run_soon(work: Callable, *args) -> None:
    """`work(*args)` in a background thread with its own app context and database session.
    The thread is kept in `app.extensions["mail_threads"]` while it runs (tests join it)."""
    app = current_app._get_current_object()
    threads = app.extensions.setdefault("mail_threads", set())
    thread = threading.Thread(target=_run, args=(app, threads, work, args), daemon=True)
    threads.add(thread)
    thread.start()


def _run(app: Flask, threads: set, work: Callable, args) -> None:
    with app.app_context():
        try:
            work(*args)
        except Exception:  # the relay retries what was queued; a thread has no one to tell
            db.session.rollback()
            log.exception("sending mail failed")
        finally:
            db.session.remove()
            threads.discard(threading.current_thread())


def send_due(ids: list[int] | None = None, now=None) -> list[bool]:
    """Send every due unsent mail (or only `ids`); returns whether each attempt sent."""
    now = now or utc_now()
    query = sa.select(MailMessage.id).where(
        MailMessage.sent_at.is_(None), MailMessage.next_attempt_at <= now
    )
    if ids is not None:
        query = query.where(MailMessage.id.in_(ids))
    outcomes = []
    for message_id in db.session.scalars(query.order_by(MailMessage.id).limit(BATCH_SIZE)).all():
        if (message := _claim(message_id, now)) is not None:
            outcomes.append(_attempt(message, now))
    return outcomes


def pending_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(MailMessage).where(MailMessage.sent_at.is_(None))
    )


def _claim(message_id: int, now) -> MailMessage | None:
    claimed = db.session.execute(
        sa.update(MailMessage)
        .where(
            MailMessage.id == message_id,
            MailMessage.sent_at.is_(None),
            MailMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + CLAIM)
    ).rowcount
    db.session.commit()
    return db.session.get(MailMessage, message_id) if claimed == 1 else None


def _attempt(message: MailMessage, now) -> bool:
    attempts = message.attempts + 1
    try:
        deliver(build(message), current_app.config)
    except (OSError, smtplib.SMTPException, MailSettingError) as error:
        log.warning(
            "mail not sent",
            extra={"mail_id": message.id, "attempts": attempts, "error": str(error)},
        )
        message.attempts = attempts
        message.last_error = str(error)[:500]
        message.next_attempt_at = now + timedelta(
            seconds=min(2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        )
        db.session.commit()
        return False
    message.attempts = attempts
    message.last_error = None
    message.sent_at = utc_now()
    db.session.commit()
    return True


def build(message: MailMessage) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_FROM"]
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at.replace(tzinfo=UTC))
    mail["Message-ID"] = make_msgid(domain="titanium.local")
    # Plain 7bit when it can be, so a link stays one line a person can copy out of a .eml file
    # (quoted-printable would fold it and escape its "=").
    mail.set_content(message.body, cte="7bit" if message.body.isascii() else "quoted-printable")
    return mail


def deliver(mail: EmailMessage, config) -> None:
    """Hand one message to the SMTP server of MAIL_URL, or write it under MAIL_DIR."""
    if not config["MAIL_URL"]:
        _write_file(mail, mail_dir(config))
        return
    url = urlsplit(config["MAIL_URL"])
    if url.scheme not in DEFAULT_PORTS or not url.hostname:
        raise MailSettingError(f"MAIL_URL scheme must be one of {', '.join(DEFAULT_PORTS)}")
    port = url.port or DEFAULT_PORTS[url.scheme]
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if url.scheme == "smtps":
        context = ssl.create_default_context()
        smtp = smtplib.SMTP_SSL(url.hostname, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(url.hostname, port, timeout=timeout)
    with smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(mail)


def mail_dir(config) -> Path:
    if config["MAIL_DIR"]:
        return Path(config["MAIL_DIR"])
    return REPO_DIR / config["TITANIUM_VAR_DIR"] / "mail"  # an absolute var dir stays as it is


def _write_file(mail: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    partial = folder / f".{name}.tmp"
    partial.write_bytes(mail.as_bytes())
    partial.rename(folder / name)  # whoever watches the folder never reads half a mail
