"""Where deliveries land in tests: a webhook receiver and an SMTP server on 127.0.0.1, and
the parsing of what they got."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TOKEN_PATH = "/services/T000/B000/SECRETTOKEN"


def unwrapped(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts_of(message: EmailMessage) -> dict[str, str]:
    """Each part's text by content type, with SMTP's CRLFs and the final newline that
    `set_content` adds taken away."""
    parts: dict[str, str] = {}
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        parts[part.get_content_type()] = unwrapped(part.get_content())
    return parts


def closed_port() -> int:
    """A loopback port nobody listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class Receiver:
    """A webhook receiver: what it was sent, and the status it answers with."""

    url: str
    posts: list[tuple[str, Any]] = field(default_factory=list)


@contextmanager
def webhook_receiver(status: int = 200, body: bytes = b"ok") -> Iterator[Receiver]:
    posts: list[tuple[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            posts.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(status)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}{TOKEN_PATH}", posts)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Mailbox:
    """What an SMTP server received, and who logged in."""

    port: int
    envelopes: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


class Capture:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes) and envelope.mail_from is not None
        self.mailbox.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(password: str | None = None) -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1 without TLS; with `password`, AUTH is offered and checked."""
    mailbox = Mailbox(port=closed_port())

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, given = data.login.decode(), data.password.decode()
        mailbox.logins.append((login, given))
        return AuthResult(success=given == password, handled=False)

    options: dict[str, Any] = {}
    if password is not None:
        options = {"authenticator": authenticate, "auth_require_tls": False}
    controller = Controller(Capture(mailbox), hostname="127.0.0.1", port=mailbox.port, **options)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
