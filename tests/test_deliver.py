"""deliver: the Slack message and the email as built, and real delivery to servers the tests
run on 127.0.0.1 (a webhook receiver and an SMTP server), including the failures a user meets:
an HTTP error, a refused connection, no answer, a missing password, a refused login."""

from __future__ import annotations

import json
import re
import socket
import tomllib
from typing import Any

import pytest
from pydantic import ValidationError

from briefing.daily.deliver import (
    Delivery,
    EmailDelivery,
    WebhookDelivery,
    deliver,
    email_message,
    published_at,
    redacted,
    slack_escape,
    slack_message,
    stale_notice,
)
from briefing.diagnostics import Diagnostics
from briefing.types.contract import Briefing, Section, SectionKind, SourceInfo, Statement
from briefing.types.stages import Citation

from .support.builders import briefing as built
from .support.receivers import (
    TOKEN_PATH,
    closed_port,
    parsed,
    parts_of,
    smtp_server,
    unwrapped,
    webhook_receiver,
)

PASSWORD = "correct horse battery staple"
MARKDOWN = "# US and Japan upgrade their alliance\n\nThe bottom line.[^1]\n\n[^1]: S1: quote\n"
HTML = "<!doctype html><html><body><h1>US and Japan upgrade their alliance</h1></body></html>"


# --- briefings ---------------------------------------------------------------------------------


def failed_deliveries(*args: Any, **options: Any) -> list[str]:
    """`deliver`'s failed deliveries, as the run's diagnostics hold them."""
    diagnostics = Diagnostics()
    deliver(*args, diagnostics=diagnostics, **options)
    return list(diagnostics.errors)


def source(id: str, duplicate_of: str | None = None) -> SourceInfo:
    return SourceInfo(
        id=id,
        path=f"seeds/{id}.txt",
        title="A title",
        published=None,
        duplicate_of=duplicate_of,
        sentences=10,
        claims_extracted=3,
        claims_verified=2,
    )


def statement(text: str, *sources: str) -> Statement:
    citations = tuple(
        Citation(source=s, quote="Japan will double its defense budget.", start=0, end=37)
        for s in sources
    )
    return Statement(text=text, citations=citations)


def summary(*statements: Statement) -> Section:
    return Section(heading="Bottom line", kind=SectionKind.summary, statements=statements)


def sample(title: str = "US and Japan upgrade their alliance") -> Briefing:
    return built(
        summary(
            statement("Japan will double its defense budget.", "S1", "S2", "S1"),
            statement("Drones go to Kanoya Air Base.", "S3"),
        ),
        Section(
            heading="Key developments",
            kind=SectionKind.developments,
            statements=(statement("Talks were held in Washington.", "S2"),),
        ),
        title=title,
        sources=(source("S1"), source("S2"), source("S3"), source("S4", duplicate_of="S3")),
    )


def blocks_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["type"]: block for block in message["blocks"]}


def section_text(message: dict[str, Any]) -> str:
    text: str = blocks_of(message)["section"]["text"]["text"]
    return text


def context_text(message: dict[str, Any]) -> str:
    text: str = blocks_of(message)["context"]["elements"][0]["text"]
    return text


# --- the Slack message -------------------------------------------------------------------------


def test_slack_message_has_title_bottom_line_with_sources_and_where() -> None:
    message = slack_message(sample(), "out/briefing.md")
    blocks = blocks_of(message)

    assert [b["type"] for b in message["blocks"]] == ["header", "section", "context"]
    assert blocks["header"]["text"] == {
        "type": "plain_text",
        "text": "US and Japan upgrade their alliance",
        "emoji": False,
    }
    assert section_text(message) == (
        "Japan will double its defense budget. [S1, S2]\nDrones go to Kanoya Air Base. [S3]"
    )
    assert "Washington" not in json.dumps(message)  # only the bottom line
    # the syndicated copy S4 is not a fourth source
    assert context_text(message) == "3 sources · generated 2024-04-12 09:30 UTC · `out/briefing.md`"
    assert "US and Japan upgrade their alliance" in message["text"]


def test_slack_message_links_a_published_url() -> None:
    where = "https://intranet.example/briefings/briefing.html?a=1&b=2"
    context = context_text(slack_message(sample(), where))
    assert context.endswith(
        "<https://intranet.example/briefings/briefing.html?a=1&amp;b=2|open the briefing>"
    )


def test_slack_message_escapes_control_characters_in_text() -> None:
    hostile = "<script>alert(1)</script> & <!channel> <https://evil.example|click>"
    briefing = built(
        summary(statement(hostile, "S1")), title=f"Tom & Jerry {hostile}", sources=(source("S1"),)
    )
    message = slack_message(briefing, "out/<b>&.md")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt; &lt;https://evil"

    assert section_text(message).startswith(escaped)
    assert escaped in message["text"]
    assert "`out/&lt;b&gt;&amp;.md`" in context_text(message)
    for text in (section_text(message), context_text(message), message["text"]):
        assert "<" not in text and ">" not in text
        assert re.search(r"&(?!amp;|lt;|gt;)", text) is None


def test_slack_message_stays_within_slack_limits() -> None:
    long = "Tokyo & Washington <agree> " * 60  # 1,620 characters, 2,340 escaped
    briefing = built(
        summary(*(statement(long + str(n), "S1", "S2") for n in range(6))),
        title="Alliance & partners " * 20,
        sources=(source("S1"), source("S2")),
    )
    message = slack_message(briefing, "out/" + "deep/" * 1000 + "briefing.md")
    header = blocks_of(message)["header"]["text"]["text"]
    section = section_text(message)

    assert len(header) <= 150 and header.endswith("…")
    assert len(section) <= 3000
    assert section.endswith("[S1, S2]")  # whole sentences, each with its sources
    assert section.startswith("Tokyo &amp; Washington &lt;agree&gt;")
    assert len(message["text"]) <= 3000
    assert len(context_text(message)) <= 3000
    for text in (section, context_text(message), message["text"]):
        assert re.search(r"&(?!amp;|lt;|gt;)", text) is None  # no entity cut in half


def test_slack_message_cuts_a_single_overlong_sentence_but_keeps_its_sources() -> None:
    briefing = built(summary(statement("x&" * 2000, "S1")), sources=(source("S1"),))
    section = section_text(slack_message(briefing, "out/briefing.md"))
    assert len(section) <= 3000
    assert section.endswith("… [S1]")


def test_slack_message_without_a_bottom_line_is_still_valid() -> None:
    message = slack_message(built(sources=()), "out/briefing.md")
    assert section_text(message)  # Slack rejects an empty section
    assert context_text(message).startswith("0 sources · ")


def test_a_stale_slack_message_says_so_first() -> None:
    notice = stale_notice("today's run", "the endpoint <x> failed", "2024-04-11")
    assert notice == (
        "stale: today's run failed: the endpoint <x> failed; this is the briefing of 2024-04-11"
    )
    message = slack_message(sample(), "out/briefing.md", stale=notice)
    first = message["blocks"][0]
    assert first["type"] == "section"
    assert first["text"]["text"] == f"*{slack_escape(notice)}*"
    assert [b["type"] for b in message["blocks"][1:]] == ["header", "section", "context"]
    assert message["text"].startswith("stale: today's run failed: the endpoint &lt;x&gt; failed")
    assert "Briefing: US and Japan upgrade their alliance" in message["text"]


# --- the email ---------------------------------------------------------------------------------


def email_settings(**changes: Any) -> EmailDelivery:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 2525,
        "security": "none",
        "sender": "Briefing <briefing@example.com>",
        "to": ["me@example.com", "you@example.com"],
        "subject": "Briefing: {title} ({date})",
        "timeout": 5,
    }
    return EmailDelivery(**(values | changes))


def test_email_message_carries_markdown_and_html_as_alternatives() -> None:
    markdown = MARKDOWN + "Ünïcödé & a very long line " * 80 + "\n"
    message = email_message(sample(), markdown, HTML, email_settings(), "out/briefing.md")
    received = parsed(message.as_bytes())

    assert received.get_content_type() == "multipart/alternative"
    assert parts_of(received) == {"text/plain": unwrapped(markdown), "text/html": HTML}
    assert received["Subject"] == "Briefing: US and Japan upgrade their alliance (2024-04-12)"
    assert received["From"] == "Briefing <briefing@example.com>"
    assert received["To"] == "me@example.com, you@example.com"
    assert received["Date"] is not None
    assert re.fullmatch(r"<.+@example\.com>", received["Message-ID"])
    assert received["X-Briefing-Location"] == "out/briefing.md"


def test_a_stale_email_says_so_in_its_subject_and_first_lines() -> None:
    notice = stale_notice("today's run", "no <b>source</b> held an article", "2024-04-11")
    message = email_message(sample(), MARKDOWN, HTML, email_settings(), "out/b.md", notice)
    received = parsed(message.as_bytes())
    assert received["Subject"] == (
        f"{notice} — Briefing: US and Japan upgrade their alliance (2024-04-12)"
    )
    parts = parts_of(received)
    assert parts["text/plain"] == f"{notice}\n\n{unwrapped(MARKDOWN)}"
    assert parts["text/html"].startswith(
        '<!doctype html><html><body>\n<p role="alert"><strong>stale: today&#x27;s run failed: '
        "no &lt;b&gt;source&lt;/b&gt; held an article; this is the briefing of 2024-04-11"
        "</strong></p><h1>"
    )


def test_email_subject_is_one_line_whatever_the_title() -> None:
    message = email_message(
        sample(title="Line one\nBcc: evil@example.com"),
        MARKDOWN,
        HTML,
        email_settings(subject="{title}"),
        "out/briefing.md",
    )
    assert message["Subject"] == "Line one Bcc: evil@example.com"
    assert message["Bcc"] is None


# --- the settings ------------------------------------------------------------------------------

CONFIG = """
[delivery.webhook]
url = "https://hooks.slack.com/services/T000/B000/XXXX"
link = "https://intranet.example/briefings/"
timeout = 10

[delivery.email]
host = "smtp.example.com"
port = 587
security = "starttls"
sender = "briefing@example.com"
to = ["me@example.com"]
username = "briefing"
password_env = "BRIEFING_SMTP_PASSWORD"
subject = "{title}"
timeout = 10
"""


def test_delivery_reads_the_documented_toml_table() -> None:
    delivery = Delivery.model_validate(tomllib.loads(CONFIG)["delivery"])
    assert delivery.webhook is not None and delivery.email is not None
    assert delivery.email.to == ("me@example.com",)
    assert delivery.email.security == "starttls"
    assert Delivery() == Delivery(webhook=None, email=None)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"email": {"host": "h", "sender": "a@b.c", "to": ["x@y.z"], "password": PASSWORD}}, ""),
        (
            {"email": {"host": "h", "sender": "a@b.c", "to": ["x@y.z"], "password_env": PASSWORD}},
            "",
        ),
        ({"webhook": {"url": "hooks.slack.com" + TOKEN_PATH}}, "http:// or https://"),
        ({"email": {"host": "h", "sender": "a@b.c", "to": []}}, "to"),
        ({"email": {"host": "h", "sender": "a@b.c", "to": ["x@y.z"], "security": "tls"}}, ""),
        ({"email": {"host": "h", "sender": "a@b.c", "to": ["x@y.z"], "subject": "{x}"}}, "{x}"),
        ({"email": {"host": "h", "sender": "a@b.c", "to": ["x@y.z"], "subject": "{"}}, "template"),
    ],
)
def test_bad_settings_are_refused_without_echoing_them(
    table: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Delivery.model_validate(table)
    assert expected in str(raised.value)
    assert PASSWORD not in str(raised.value)
    assert "SECRET" not in str(raised.value)


def test_a_webhook_url_is_shown_without_its_token() -> None:
    assert redacted("https://hooks.slack.com" + TOKEN_PATH) == "https://hooks.slack.com/…"
    assert redacted("http://user:pw@127.0.0.1:8080/x/y") == "http://127.0.0.1:8080/…"


def test_the_published_url_names_the_briefing_file() -> None:
    assert published_at("out/briefing.md", None) == "out/briefing.md"
    link = "https://intranet.example/briefings"
    assert published_at("out/briefing.md", link) == link + "/briefing.md"
    assert published_at("out/my briefing.md", link + "/") == link + "/my%20briefing.md"


def test_a_missing_password_is_a_problem_not_an_exception() -> None:
    settings = email_settings(username="briefing", port=closed_port())
    problems = failed_deliveries(
        sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(email=settings), {}
    )
    assert problems == [
        "email to me@example.com, you@example.com failed: BRIEFING_SMTP_PASSWORD is not set "
        "(set it or remove delivery.email.username)"
    ]


# --- servers on 127.0.0.1 ----------------------------------------------------------------------


loopback = pytest.mark.loopback


@loopback
def test_webhook_gets_the_slack_message(loopback: None) -> None:
    with webhook_receiver() as receiver:
        webhook = WebhookDelivery(url=receiver.url, link="https://intranet.example/b/", timeout=5)
        problems = failed_deliveries(
            sample(), MARKDOWN, HTML, "out/briefing.html", Delivery(webhook=webhook), {}
        )

    assert problems == []
    assert receiver.posts == [
        (TOKEN_PATH, slack_message(sample(), "https://intranet.example/b/briefing.html"))
    ]


@loopback
def test_a_webhook_error_is_a_problem_without_the_token(loopback: None) -> None:
    with webhook_receiver(status=500, body=b"internal_error") as receiver:
        webhook = WebhookDelivery(url=receiver.url, timeout=5)
        problems = failed_deliveries(
            sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(webhook=webhook), {}
        )

    port = receiver.url.split(":")[2].split("/")[0]
    assert problems == [
        f"webhook delivery to http://127.0.0.1:{port}/… failed: HTTP 500 internal_error "
        "(check delivery.webhook.url in the config)"
    ]


@loopback
def test_a_refused_webhook_connection_is_a_problem(loopback: None) -> None:
    webhook = WebhookDelivery(url=f"http://127.0.0.1:{closed_port()}{TOKEN_PATH}", timeout=5)
    problems = failed_deliveries(
        sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(webhook=webhook), {}
    )

    assert len(problems) == 1
    assert "cannot connect (check delivery.webhook.url" in problems[0]
    assert "SECRET" not in problems[0]


@loopback
def test_a_silent_webhook_times_out_as_a_problem(loopback: None) -> None:
    with socket.socket() as silent:  # listens, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}{TOKEN_PATH}"
        webhook = WebhookDelivery(url=url, timeout=0.3)
        problems = failed_deliveries(
            sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(webhook=webhook), {}
        )

    assert len(problems) == 1
    assert "failed: no answer within 0.3 s" in problems[0]


@loopback
def test_email_is_sent_over_smtp(loopback: None) -> None:
    with smtp_server() as mailbox:
        settings = email_settings(port=mailbox.port)
        problems = failed_deliveries(
            sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(email=settings), {}
        )

    assert problems == []
    [(sender, recipients, raw)] = mailbox.envelopes
    assert (sender, recipients) == ("briefing@example.com", ["me@example.com", "you@example.com"])
    received = parsed(raw)
    assert received["Subject"] == "Briefing: US and Japan upgrade their alliance (2024-04-12)"
    assert parts_of(received) == {"text/plain": unwrapped(MARKDOWN), "text/html": HTML}


@loopback
def test_email_logs_in_with_the_password_from_the_environment(loopback: None) -> None:
    with smtp_server(password=PASSWORD) as mailbox:
        settings = email_settings(port=mailbox.port, username="briefing", password_env="SMTP_PW")
        environ = {"SMTP_PW": PASSWORD}
        problems = failed_deliveries(
            sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(email=settings), environ
        )

    assert problems == []
    assert mailbox.logins == [("briefing", PASSWORD)]
    assert len(mailbox.envelopes) == 1


@loopback
def test_a_refused_login_is_a_problem_without_the_password(loopback: None) -> None:
    with smtp_server(password="another one") as mailbox:
        settings = email_settings(port=mailbox.port, username="briefing")
        environ = {"BRIEFING_SMTP_PASSWORD": PASSWORD}
        problems = failed_deliveries(
            sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(email=settings), environ
        )

    assert mailbox.envelopes == []
    [problem] = problems
    assert problem.startswith("email to me@example.com, you@example.com failed: login as briefing")
    assert problem.endswith(
        "(check delivery.email.username and the password in BRIEFING_SMTP_PASSWORD)"
    )
    assert PASSWORD not in problem


@loopback
def test_a_refused_smtp_connection_is_a_problem(loopback: None) -> None:
    port = closed_port()
    settings = email_settings(port=port, to=["a@b.example"])
    problems = failed_deliveries(
        sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(email=settings), {}
    )

    assert problems == [
        f"email to a@b.example failed: connection refused by 127.0.0.1:{port} "
        "(check delivery.email.host/port)"
    ]


@loopback
def test_starttls_against_a_server_without_it_is_a_problem(loopback: None) -> None:
    with smtp_server() as mailbox:
        settings = email_settings(port=mailbox.port, security="starttls")
        problems = failed_deliveries(
            sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(email=settings), {}
        )

    assert mailbox.envelopes == []  # nothing goes out in clear
    assert len(problems) == 1
    assert f"127.0.0.1:{mailbox.port} does not offer STARTTLS" in problems[0]


@loopback
def test_ssl_against_a_plain_server_is_a_problem(loopback: None) -> None:
    with smtp_server() as mailbox:
        settings = email_settings(port=mailbox.port, security="ssl")
        problems = failed_deliveries(
            sample(), MARKDOWN, HTML, "out/briefing.md", Delivery(email=settings), {}
        )

    assert len(problems) == 1
    assert f"failed: TLS with 127.0.0.1:{mailbox.port} failed" in problems[0]
    assert "(check delivery.email.security and port)" in problems[0]


@loopback
def test_one_failed_target_does_not_stop_the_other(loopback: None) -> None:
    with webhook_receiver(status=404, body=b"no_service") as receiver, smtp_server() as mailbox:
        delivery = Delivery(
            webhook=WebhookDelivery(url=receiver.url, timeout=5),
            email=email_settings(port=mailbox.port),
        )
        problems = failed_deliveries(sample(), MARKDOWN, HTML, "out/briefing.md", delivery, {})

    assert len(problems) == 1
    assert "HTTP 404 no_service" in problems[0]
    assert len(mailbox.envelopes) == 1
