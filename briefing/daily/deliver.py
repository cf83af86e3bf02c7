"""Optional delivery of a finished briefing: a Slack-compatible webhook and/or an email.

An edge, like `fetch`: the only module that posts to webhooks or speaks SMTP. The targets come
from the `[delivery]` table of the user's `briefing.toml` (`Delivery` and its parts), and the
messages are built by pure functions (`slack_message`, `email_message`) so they can be tested
without a server.

`deliver` never raises for a failed delivery: every failure becomes a one-line problem that
names the target, what went wrong and which setting to check. No secret reaches such a line:
the SMTP password is read from the environment variable the config names and never printed,
and a webhook URL (whose path is the Slack token) is shown as scheme and host only.
"""

from __future__ import annotations

import functools
import smtplib
import socket
import ssl
import string
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from html import escape
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

import httpx2
from pydantic import BaseModel, ConfigDict, Field, field_validator

from briefing.deadlines import whole_response_within_timeout
from briefing.diagnostics import Diagnostics
from briefing.types.contract import Briefing, SectionKind, Statement

USER_AGENT = "briefing/0.1 (+news briefing tool)"
HEADER_LIMIT = 150  # Slack: a header block's plain_text
TEXT_LIMIT = 3000  # Slack: a section's or context element's mrkdwn text; our fallback text
SUBJECT_FIELDS = frozenset({"title", "date"})
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class _Settings(BaseModel):
    # Inputs stay out of validation errors: a misplaced password or a webhook token must not
    # be echoed back by the config loader.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class WebhookDelivery(_Settings):
    """A Slack-compatible incoming webhook that gets the title and the bottom line."""

    url: str = Field(
        description="The incoming webhook's URL (http or https). Its path is a secret token, "
        "so messages show only its scheme and host."
    )
    link: str | None = Field(
        default=None,
        description="Base URL where the output folder is published; the message links to the "
        "briefing file under it. Without it the message names the file's path.",
    )
    timeout: float = Field(default=10.0, gt=0, description="Seconds to wait for the webhook.")

    @field_validator("url", "link")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not (urlsplit(value).scheme in {"http", "https"} and _host(value)):
            raise ValueError("must be an http:// or https:// URL")
        return value


class EmailDelivery(_Settings):
    """An email carrying the whole briefing: Markdown as text, with the HTML as alternative."""

    host: str = Field(min_length=1, description="The SMTP server's host name.")
    port: int = Field(default=587, ge=1, le=65535, description="The SMTP server's port.")
    security: Literal["none", "starttls", "ssl"] = Field(
        default="starttls",
        description='"starttls" upgrades a plain connection (usually port 587), "ssl" is TLS '
        'from the start (usually 465), "none" sends in clear (only for a local relay).',
    )
    sender: str = Field(min_length=3, description="The From address.")
    to: tuple[str, ...] = Field(min_length=1, description="The recipients' addresses.")
    username: str | None = Field(
        default=None, description="Log in as this user; without it no login is attempted."
    )
    password_env: str = Field(
        default="BRIEFING_SMTP_PASSWORD",
        pattern=ENV_NAME,
        description="Name of the environment variable that holds the password for `username` "
        "(never the password itself).",
    )
    subject: str = Field(
        default="{title}", description="The subject line; {title} and {date} are filled in."
    )
    timeout: float = Field(default=10.0, gt=0, description="Seconds to wait for the server.")

    @field_validator("subject")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as error:
            raise ValueError(
                f"is not a valid template ({error}); write {{{{ for a brace"
            ) from error
        if unknown := fields - SUBJECT_FIELDS:
            raise ValueError(
                f"uses {', '.join('{' + name + '}' for name in sorted(unknown))}; "
                "only {title} and {date} are filled in"
            )
        return value


class Delivery(_Settings):
    """Where a finished briefing goes besides the output folder; both targets are optional."""

    webhook: WebhookDelivery | None = Field(
        default=None, description="Post the title and bottom line to a chat webhook."
    )
    email: EmailDelivery | None = Field(default=None, description="Email the whole briefing.")


# --- the Slack message ------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Text with Slack's control characters `&`, `<` and `>` made literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def stale_notice(failed_run: str, reason: str, day: str) -> str:
    """The line a stale delivery opens with: which run failed and why, and the date of the
    (last complete) briefing sent instead."""
    return _one_line(f"stale: {failed_run} failed: {reason}; this is the briefing of {day}")


def slack_message(briefing: Briefing, where: str, stale: str | None = None) -> dict[str, Any]:
    """A Slack-compatible webhook payload: title, bottom line with source ids, and where the
    briefing is (a URL becomes a link, anything else is shown as a path). A `stale` notice
    (`stale_notice`) comes first, in the text and as the first block."""
    title = _clip(_one_line(briefing.title), HEADER_LIMIT)
    text = f"Briefing: {_one_line(briefing.title)}"
    return {
        "text": _clip_escaped(f"{stale} · {text}" if stale else text, TEXT_LIMIT),
        "blocks": [
            *_stale_blocks(stale),
            {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": False}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _bottom_line(briefing)}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _context(briefing, where)}],
            },
        ],
    }


def _stale_blocks(stale: str | None) -> list[dict[str, Any]]:
    if stale is None:
        return []
    notice = f"*{_clip_escaped(stale, TEXT_LIMIT - 2)}*"
    return [{"type": "section", "text": {"type": "mrkdwn", "text": notice}}]


def _bottom_line(briefing: Briefing) -> str:
    """The summary's sentences, each with its sources, as many whole ones as fit."""
    statements = [
        statement
        for section in briefing.sections
        if section.kind is SectionKind.summary
        for statement in section.statements
    ]
    lines: list[str] = []
    for statement in statements:
        line = _statement_line(statement, TEXT_LIMIT)
        if len(line) > TEXT_LIMIT - len("\n".join([*lines, ""])):
            break
        lines.append(line)
    return "\n".join(lines) or "_This briefing has no bottom line._"


def _statement_line(statement: Statement, limit: int) -> str:
    """The sentence and its source ids, `[S1, S2]`; the sentence is cut to fit `limit`."""
    sources = dict.fromkeys(citation.source for citation in statement.citations)
    ids = f" [{', '.join(map(slack_escape, sources))}]"
    return _clip_escaped(_one_line(statement.text), limit - len(ids)) + ids


def _context(briefing: Briefing, where: str) -> str:
    count = sum(1 for source in briefing.sources if source.duplicate_of is None)
    when = briefing.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    facts = f"{count} source{'' if count == 1 else 's'} · generated {when} · "
    return facts + _where(where, TEXT_LIMIT - len(facts))


def _where(where: str, limit: int) -> str:
    if urlsplit(where).scheme in {"http", "https"} and len(where) < limit - 30:
        target = where.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E")
        return f"<{target.replace('|', '%7C')}|open the briefing>"
    path = where.replace("`", "'")
    return f"`{_clip_escaped(path, limit - 2)}`"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clip_escaped(text: str, limit: int) -> str:
    """`text` escaped for Slack, cut to `limit` characters without splitting an entity."""
    escaped = slack_escape(text)
    if len(escaped) <= limit:
        return escaped
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = slack_escape(char)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + "…"


# --- the email --------------------------------------------------------------------------------


def email_message(
    briefing: Briefing,
    markdown: str,
    html: str,
    settings: EmailDelivery,
    where: str,
    stale: str | None = None,
) -> EmailMessage:
    """The briefing as a multipart/alternative email: the Markdown as text/plain, the HTML as
    text/html. `where` (the briefing's path or URL) goes into an `X-Briefing-Location` header.
    A `stale` notice (`stale_notice`) opens the subject and both bodies."""
    message = EmailMessage()
    filled = subject(briefing, settings.subject)
    message["Subject"] = _one_line(f"{stale} — {filled}") if stale else filled
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("briefing", domain=_domain(settings.sender))
    message["X-Briefing-Location"] = _one_line(where)
    if stale:
        markdown = f"{stale}\n\n{markdown}"
        html = _with_banner(html, stale)
    message.set_content(markdown, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def _with_banner(html: str, notice: str) -> str:
    """`html` with `notice` as the first thing in its body."""
    banner = f'<p role="alert"><strong>{escape(notice)}</strong></p>'
    head, body, rest = html.partition("<body>")
    return f"{head}{body}\n{banner}{rest}" if body else f"{banner}\n{html}"


def subject(briefing: Briefing, template: str) -> str:
    """The subject template filled with the title and the generation date, on one line."""
    filled = template.format(
        title=_one_line(briefing.title), date=briefing.generated_at.date().isoformat()
    )
    return _one_line(filled)


def _domain(address: str) -> str:
    """The sender's domain, for the Message-ID (asking the host's name may be slow)."""
    domain = parseaddr(address)[1].rpartition("@")[2]
    return domain or "briefing.invalid"


# --- sending ----------------------------------------------------------------------------------


def deliver(
    briefing: Briefing,
    markdown: str,
    html: str,
    where: str,
    delivery: Delivery,
    environ: Mapping[str, str],
    *,
    diagnostics: Diagnostics,
    published: str | None = None,
    stale: str | None = None,
) -> None:
    """Send the briefing to every configured target; each delivery that fails is one error
    in `diagnostics`.

    `where` is the written briefing's path; with `webhook.link` the webhook message links to
    `published` (that file's path under the published folder, default its name) under the
    published URL instead. A `stale` notice marks an earlier briefing sent because the
    latest run failed."""
    if (webhook := delivery.webhook) is not None:
        label = f"webhook delivery to {redacted(webhook.url)}"
        problem = _guarded(label, lambda: _to_webhook(briefing, where, webhook, published, stale))
        if problem is not None:
            diagnostics.error(problem, source="webhook")
    if (mail := delivery.email) is not None:
        label = f"email to {', '.join(mail.to)}"
        message = functools.partial(email_message, briefing, markdown, html, mail, where, stale)
        problem = _guarded(label, lambda: send_email(message(), mail, environ))
        if problem is not None:
            diagnostics.error(problem, source="email")


def _to_webhook(
    briefing: Briefing,
    where: str,
    settings: WebhookDelivery,
    published: str | None,
    stale: str | None,
) -> str | None:
    link = published_at(where, settings.link, published)
    return send_webhook(slack_message(briefing, link, stale), settings)


def _guarded(label: str, send: Callable[[], str | None]) -> str | None:
    """The problem `send` reports, if any; an unexpected error becomes one too (by class
    only: its message might quote a secret)."""
    try:
        return send()
    except Exception as error:
        return f"{label} failed: unexpected {type(error).__name__} (please report this bug)"


def published_at(where: str, link: str | None, published: str | None = None) -> str:
    """The briefing's URL under `link` (by `published`, its path under the published folder,
    default its file name), or `where` itself without one."""
    if link is None:
        return where
    name = published or where.replace("\\", "/").rstrip("/").rpartition("/")[2]
    return urljoin(link if link.endswith("/") else link + "/", quote(name))


def send_webhook(payload: dict[str, Any], settings: WebhookDelivery) -> str | None:
    """POST the payload; None when the webhook took it, else a one-line problem."""
    failed = f"webhook delivery to {redacted(settings.url)} failed"
    check = "check delivery.webhook.url in the config"
    try:
        with httpx2.Client(
            timeout=settings.timeout,
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            event_hooks={"request": [whole_response_within_timeout]},
        ) as client:
            response = client.post(settings.url, json=payload)
    except httpx2.TimeoutException:
        return f"{failed}: no answer within {settings.timeout:g} s ({check} or raise its timeout)"
    except httpx2.ConnectError:
        return f"{failed}: cannot connect ({check}, and that the network is up)"
    except httpx2.HTTPError as error:  # the message may quote the URL: name the class only
        return f"{failed}: {type(error).__name__} ({check})"
    if not response.is_success:
        return f"{failed}: HTTP {response.status_code}{_reason(response.text)} ({check})"
    return None


def _reason(body: str) -> str:
    """Slack's short error code (`no_service`, `invalid_payload`), when the body is one."""
    code = body.strip()
    return f" {code}" if 0 < len(code) <= 60 and code.replace("_", "").isalnum() else ""


def redacted(url: str) -> str:
    """Scheme, host and port of a URL, with the path (a webhook's token) left out."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:  # not a number: show none
        port = ""
    return f"{parts.scheme}://{_host(url)}{port}/…"


def _host(url: str) -> str:
    """The URL's host name ("" when it has none), bracketed when it is an IPv6 address."""
    host = urlsplit(url).hostname or ""
    return f"[{host}]" if ":" in host else host


class _EmailProblem(Exception):
    """A failed email delivery, already phrased for the user."""


def send_email(
    message: EmailMessage, settings: EmailDelivery, environ: Mapping[str, str]
) -> str | None:
    """Send the message over SMTP; None when every recipient was accepted, else a problem."""
    failed = f"email to {', '.join(settings.to)} failed"
    try:
        password = _password(settings, environ)
        with _connection(settings) as smtp:
            _log_in(smtp, settings, password)
            refused = smtp.send_message(message, _bare(settings.sender)[0], _bare(*settings.to))
    except _EmailProblem as problem:
        return f"{failed}: {problem}"
    except smtplib.SMTPException as error:
        return f"{failed}: {_smtp_problem(error, settings)}"
    except OSError as error:
        return f"{failed}: {_network_problem(error, settings)}"
    if refused:
        return f"email to {', '.join(refused)} failed: {_refusals(refused)}"
    return None


def _bare(*addresses: str) -> list[str]:
    """Envelope addresses: `Name <a@b>` becomes `a@b`."""
    return [parseaddr(address)[1] or address for address in addresses]


def _password(settings: EmailDelivery, environ: Mapping[str, str]) -> str | None:
    if settings.username is None:
        return None
    password = environ.get(settings.password_env)
    if not password:
        raise _EmailProblem(
            f"{settings.password_env} is not set (set it or remove delivery.email.username)"
        )
    return password


@contextmanager
def _connection(settings: EmailDelivery) -> Iterator[smtplib.SMTP]:
    """An SMTP session at the configured security; TLS verifies the server's certificate."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.security == "starttls":
            _start_tls(smtp, settings, context)
        yield smtp


def _start_tls(smtp: smtplib.SMTP, settings: EmailDelivery, context: ssl.SSLContext) -> None:
    try:
        smtp.starttls(context=context)
    except smtplib.SMTPNotSupportedError as error:
        raise _EmailProblem(
            f"{_address(settings)} does not offer STARTTLS "
            '(check delivery.email.port, or set delivery.email.security to "ssl")'
        ) from error


def _log_in(smtp: smtplib.SMTP, settings: EmailDelivery, password: str | None) -> None:
    if settings.username is None or password is None:
        return
    try:
        smtp.login(settings.username, password)
    except smtplib.SMTPNotSupportedError as error:
        raise _EmailProblem(
            f"{_address(settings)} does not offer login "
            "(check delivery.email.security, or remove delivery.email.username)"
        ) from error
    except smtplib.SMTPAuthenticationError as error:
        raise _EmailProblem(
            f"login as {settings.username} refused: {_reply(error.smtp_code, error.smtp_error)} "
            f"(check delivery.email.username and the password in {settings.password_env})"
        ) from error


def _smtp_problem(error: smtplib.SMTPException, settings: EmailDelivery) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _refusals(error.recipients)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (
            f"sender {error.sender} refused: {_reply(error.smtp_code, error.smtp_error)} "
            "(check delivery.email.sender)"
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return (
            f"{_address(settings)} closed the connection "
            "(check delivery.email.host/port and delivery.email.security)"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{_address(settings)} answered {_reply(error.smtp_code, error.smtp_error)}"
    return f"{type(error).__name__} from {_address(settings)} (check delivery.email)"


def _network_problem(error: OSError, settings: EmailDelivery) -> str:
    address = _address(settings)
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused by {address} (check delivery.email.host/port)"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve {settings.host} (check delivery.email.host)"
    if isinstance(error, TimeoutError):
        return (
            f"no answer from {address} within {settings.timeout:g} s "
            "(check delivery.email.host/port and delivery.email.security)"
        )
    if isinstance(error, ssl.SSLError):
        reason = error.reason or type(error).__name__
        return f"TLS with {address} failed: {reason} (check delivery.email.security and port)"
    reason = error.strerror or type(error).__name__
    return f"cannot reach {address}: {reason} (check delivery.email.host/port)"


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{recipient} refused: {_reply(code, reply)}"
        for recipient, (code, reply) in refused.items()
    )


def _reply(code: int, text: bytes | str) -> str:
    """An SMTP reply on one short line."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return _clip(f"{code} {_one_line(text)}".strip(), 160)


def _address(settings: EmailDelivery) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"{host}:{settings.port}"
