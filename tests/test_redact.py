"""redact: credentials in URLs and control characters never reach the user's screen or logs."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.errors import EndpointError
from briefing.progress import logging_to, record
from briefing.redact import MASK, redacted, redacted_url, without_controls


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:sk-123@host:8080/v1", f"http://{MASK}@host:8080/v1"),
        ("https://api.example.com/v1?api-key=sk-123&model=m",
         f"https://api.example.com/v1?api-key={MASK}&model=m"),
        ("https://example.com/a?token=abc&sig=xyz&page=2",
         f"https://example.com/a?token={MASK}&sig={MASK}&page=2"),
        ("https://example.com/news/story.html", "https://example.com/news/story.html"),
    ],
)  # fmt: skip
def test_urls_lose_user_info_and_secret_query_values(url: str, shown: str) -> None:
    assert redacted_url(url) == shown
    assert redacted(f"cannot reach {url}: refused") == f"cannot reach {shown}: refused"


def test_an_error_message_never_shows_the_key() -> None:
    error = EndpointError("the endpoint at http://me:sk-secret@h/v1 refused", hint="check it")
    assert "sk-secret" not in str(error) and f"{MASK}@h" in str(error)


def test_the_log_file_never_holds_the_key(tmp_path: object) -> None:
    from pathlib import Path

    log_path = Path(str(tmp_path)) / "run.log"
    handler = logging.FileHandler(log_path, encoding="utf-8")
    with logging_to(None, level=logging.INFO, log_file=handler):
        record.info("fetched https://x.test/a?api_key=sk-secret \x1b[31mred\x07")
    text = log_path.read_text()
    assert "sk-secret" not in text and "\x1b" not in text and "\x07" not in text


def test_control_characters_go_and_text_stays() -> None:
    assert without_controls("a\x1b[2Jb\x07c\u202ed\te\nf") == "a[2Jbcd\te\nf"


@given(st.text())
def test_redacting_never_fails_and_keeps_text_without_urls(text: str) -> None:
    if "://" not in text:
        assert redacted(text) == text
    redacted(text)
