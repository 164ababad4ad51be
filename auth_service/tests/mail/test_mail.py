"""Outgoing mail over a real SMTP server (aiosmtpd on a socket), and the .eml default."""

import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from auth_service import mail
from auth_service.models import MailMessage
from tests.conftest import free_port, new_user


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 OK"


def accept_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=accept_login,
        auth_require_tls=False,
    )
    controller.start()
    yield controller, inbox
    controller.stop()


def queued(recipient="reader@example.test") -> MailMessage:
    message = mail.queue(recipient, "Hello", "A link: https://blog.example.test/x\n")
    mail.db.session.commit()
    return message


def test_mail_goes_out_over_smtp_with_login(app, app_context, smtp_server, monkeypatch):
    controller, inbox = smtp_server
    url = f"smtp://titanium:s3cret@127.0.0.1:{controller.port}"
    monkeypatch.setitem(app.config, "MAIL_URL", url)
    message = queued()
    assert mail.send_due([message.id]) == [True]
    [(recipients, received)] = inbox.messages
    assert recipients == ["reader@example.test"]
    assert received["Subject"] == "Hello"
    assert received["From"] == app.config["MAIL_FROM"]
    assert "https://blog.example.test/x" in received.get_body(("plain",)).get_content()
    assert mail.db.session.get(MailMessage, message.id).sent_at is not None


def test_smtp_down_fails_no_one_and_is_retried(app, app_context, smtp_server, monkeypatch):
    controller, inbox = smtp_server
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")
    message = queued()
    assert mail.send_due([message.id]) == [False]
    stored = mail.db.session.get(MailMessage, message.id)
    assert stored.sent_at is None and stored.attempts == 1 and stored.last_error
    # The server is back: the next due pass (the relay's) sends it.
    monkeypatch.setitem(
        app.config, "MAIL_URL", f"smtp://titanium:s3cret@127.0.0.1:{controller.port}"
    )
    assert mail.send_due([message.id], now=stored.next_attempt_at) == [True]
    assert len(inbox.messages) == 1


def test_a_wrong_smtp_password_is_a_failed_attempt(app, app_context, smtp_server, monkeypatch):
    controller, _inbox = smtp_server
    monkeypatch.setitem(
        app.config, "MAIL_URL", f"smtp://titanium:wrong@127.0.0.1:{controller.port}"
    )
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT_SECONDS", 2.0)
    assert mail.send_due([queued().id]) == [False]


def test_without_mail_url_each_mail_is_an_eml_file(app, app_context, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path))
    assert mail.send_due([queued("someone@example.test").id]) == [True]
    [path] = tmp_path.glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "someone@example.test"


def test_a_long_link_stays_one_line_in_the_eml_file(app, app_context, tmp_path, monkeypatch):
    """A developer copies the link out of var/mail/*.eml: no folding, no =3D escapes."""
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path))
    link = "http://127.0.0.1:8080/reset-password?token=" + "t0K3n-" * 12
    message = mail.queue("someone@example.test", "Reset", f"Open this link:\n\n{link}\n")
    mail.db.session.commit()

    assert mail.send_due([message.id]) == [True]

    [path] = tmp_path.glob("*.eml")
    assert link in path.read_text().splitlines()


def test_registration_answers_while_smtp_hangs(app, client, monkeypatch):
    """A request never waits for mail: sign-up with an SMTP server that never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts, never speaks
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT_SECONDS", 3.0)
    started = time.monotonic()
    response = client.post("/api/users", json={"user": new_user()})
    assert response.status_code == 201
    assert time.monotonic() - started < 2.0
    for thread in list(app.extensions.get("mail_threads", ())):
        thread.join(10)
    listener.close()


def test_a_reset_request_answers_at_once_for_an_account_while_smtp_hangs(app, client, monkeypatch):
    """The known email's mail goes out after the reply: its answer takes no longer than an
    unknown email's, even when the SMTP server never answers (timing tells nothing)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    registered = client.post("/api/users", json={"user": new_user()}).json["user"]
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT_SECONDS", 3.0)

    started = time.monotonic()
    response = client.post(
        "/internal/password-resets/requests", json={"user": {"email": registered["email"]}}
    )
    assert response.status_code == 202
    assert time.monotonic() - started < 1.0
    for thread in list(app.extensions.get("mail_threads", ())):
        thread.join(10)
    listener.close()
