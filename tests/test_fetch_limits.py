"""Fetching article and feed URLs safely (#19): the whole page within its deadline however
slowly the server sends it, and nothing fetched from this machine or a private network, at the
first request or after any redirect, unless the user allows it.

Redirects to internal addresses are served by httpx's mock transport from a public address,
so nothing is contacted; the rest fetch from the fixture site on 127.0.0.1, through
`read_documents` and through the real entry point (`briefing generate` / `briefing run`).
"""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.errors import SourceError
from briefing.sources import fetch as fetch_module
from briefing.sources.fetch import MAX_REDIRECTS, fetch, non_public_kind
from briefing.sources.ingest import read_documents

from .support.daily import daily, write_config
from .support.endpoint import MODEL, FakeEndpoint
from .support.paths import FIXTURES, SEED_FILES
from .support.reading import read_with_warnings
from .support.site import TRICKLE_LIMIT, FixtureSite

PUBLIC = "http://93.184.215.14/story"  # a public address: checked without any DNS
GENEROUS = 30.0  # seconds; the deadlines tested are 0.5 and 1 s, a hang is TRICKLE_LIMIT
OPT_IN = (
    "(to read pages from this machine or your own network, pass --allow-private-addresses "
    "or set allow_private_addresses = true under [sources])"
)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1%eth0", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("::127.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("93.184.215.14", None),
        ("2606:4700::6810:84e5", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_addresses_of_this_machine_or_a_private_network_are_named(
    address: str, kind: str | None
) -> None:
    assert non_public_kind(address) == kind


# --- redirects: every destination is checked ---------------------------------------------------


def mock_client(routes: dict[str, httpx2.Response]) -> tuple[httpx2.Client, list[str]]:
    """A client whose answers come from `routes` (404 elsewhere), and the URLs it was asked."""
    asked: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        asked.append(str(request.url))
        return routes.get(str(request.url), httpx2.Response(404))

    return httpx2.Client(transport=httpx2.MockTransport(answer), timeout=5), asked


def redirect(to: str) -> httpx2.Response:
    return httpx2.Response(302, headers={"location": to})


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
        (
            "http://[::ffff:7f00:1]:8080/admin",
            r"::ffff:7f00:1 \(::ffff:127\.0\.0\.1\), a loopback address",
        ),
        ("https://10.0.0.5/", "10.0.0.5, a private address"),
        ("http://0.0.0.0:8000/", "0.0.0.0, an unspecified address"),
        ("http://localhost:9/", r"localhost \((127\.0\.0\.1|::1)\), a loopback address"),
    ],
)
def test_a_redirect_to_this_machine_or_a_private_network_is_refused(
    target: str, shown: str
) -> None:
    client, asked = mock_client({PUBLIC: redirect(target)})
    with pytest.raises(SourceError) as refused:
        fetch(PUBLIC, client)
    assert re.fullmatch(
        rf"{re.escape(PUBLIC)}: redirects to {shown}; not fetched", refused.value.message
    )
    assert str(refused.value).endswith(OPT_IN)
    assert asked == [PUBLIC]  # the internal address was never asked

    client, asked = mock_client({PUBLIC: redirect(target), target: httpx2.Response(200, text="ok")})
    assert fetch(PUBLIC, client, private_ok=True).text == "ok"  # allowed: followed
    assert asked == [PUBLIC, target]


def test_a_redirect_to_a_file_is_refused_even_when_private_addresses_are_allowed() -> None:
    client, asked = mock_client({PUBLIC: redirect("file:///etc/passwd")})
    with pytest.raises(SourceError, match=r"redirects to file://.*/etc/passwd, not a web address"):
        fetch(PUBLIC, client, private_ok=True)
    assert asked == [PUBLIC]


def test_redirects_are_followed_at_most_ten_times() -> None:
    client, asked = mock_client({PUBLIC: redirect(PUBLIC)})
    with pytest.raises(SourceError, match=f"more than {MAX_REDIRECTS} redirects"):
        fetch(PUBLIC, client)
    assert len(asked) == MAX_REDIRECTS + 1


# --- the fixture site on 127.0.0.1 ---------------------------------------------------------------


@pytest.mark.loopback
def test_a_url_on_this_machine_is_refused_before_connecting(
    site: FixtureSite, client: httpx2.Client
) -> None:
    url = site.url("article.html")
    documents, warnings = read_with_warnings([url, FIXTURES / "undated.html"], client=client)
    assert [d.title for d in documents] == ["Talks continue in Tokyo"]
    assert warnings == [f"skipped {url}: 127.0.0.1 is a loopback address; not fetched {OPT_IN}"]
    assert site.requests == []

    via = site.url(f"redirect?to={quote(url)}")  # allowed: redirects on the site are followed
    (document,) = read_documents([via], client=client, private_ok=True)
    assert document.title == "Allies agree new command" and document.path == via
    assert site.requests == ["/redirect?to=" + quote(url), "/article.html"]


@pytest.mark.loopback
def test_a_name_that_resolves_to_this_machine_on_connecting_is_refused_unasked(
    site: FixtureSite, client: httpx2.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name is public when checked, loopback when connected to."""
    resolve = socket.getaddrinfo
    answers = iter(["93.184.215.14", "127.0.0.1"])

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "news.example":
            host = next(answers, "127.0.0.1")
        return resolve(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = site.url("article.html").replace("127.0.0.1", "news.example")
    with pytest.raises(SourceError) as refused:
        fetch(url, client)
    assert refused.value.message == (
        f"{url}: news.example (127.0.0.1) is a loopback address; not fetched"
    )
    assert site.requests == []  # connected, but nothing was sent


@pytest.mark.loopback
@pytest.mark.parametrize("path", ["trickle-headers", "trickle-body"])
def test_a_page_that_trickles_in_ends_at_the_deadline(
    site: FixtureSite, client: httpx2.Client, path: str
) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError) as slow:
        fetch(site.url(path), client, private_ok=True)
    assert time.monotonic() - started < GENEROUS < TRICKLE_LIMIT
    assert str(slow.value) == (
        f"{site.url(path)} sent its page too slowly: no complete answer in 0.5 s "
        "(try again later or drop it)"
    )


# --- through the real entry point ------------------------------------------------------------


BY_WORDS = '[endpoint]\nmatch_by = "words"\n'  # the sentence encoder is slow, and not tested here


def generate(tmp_path: Path, fake: FakeEndpoint, *args: str) -> Any:
    config = tmp_path / "briefing.toml"
    config.write_text(BY_WORDS)
    options = ["--out", str(tmp_path / "out"), "--base-url", fake.base_url, "--model", MODEL]
    options += ["--config", str(config), "--quiet"]
    return CliRunner().invoke(app, ["generate", *args, *options])


def failures(tmp_path: Path) -> list[str]:
    data = json.loads((tmp_path / "out" / "briefing.json").read_text())
    return list(data["failures"])


@pytest.mark.loopback
def test_the_command_refuses_a_local_url_unless_allowed(
    tmp_path: Path, site: FixtureSite, fake: FakeEndpoint
) -> None:
    url = site.url("article.html")
    refused = generate(tmp_path, fake, url, str(SEED_FILES[1]))
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.splitlines() == [
        f"warning: skipped {url}: 127.0.0.1 is a loopback address; not fetched {OPT_IN}"
    ]
    assert failures(tmp_path) == [f"{url}: 127.0.0.1 is a loopback address; not fetched {OPT_IN}"]
    assert site.requests == []

    allowed = generate(tmp_path, fake, url, str(SEED_FILES[1]), "--allow-private-addresses")
    assert allowed.exit_code == 0, allowed.output
    assert failures(tmp_path) == [] and site.requests == ["/article.html"]


@pytest.mark.loopback
def test_the_config_key_allows_local_urls(
    tmp_path: Path, site: FixtureSite, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake, 'match_by = "words"', articles=1)
    text = config.read_text().replace(
        "[sources]\n", f'[sources]\nurls = ["{site.url("article.html")}"]\n'
    )
    config.write_text(text)
    assert daily(config).exit_code == 2 and site.requests == []

    config.write_text(text.replace("[sources]\n", "[sources]\nallow_private_addresses = true\n"))
    result = daily(config)
    assert result.exit_code == 0, result.output
    assert site.requests == ["/article.html"]


@pytest.mark.loopback
def test_the_command_gives_up_on_a_trickling_page_at_the_deadline(
    tmp_path: Path, site: FixtureSite, fake: FakeEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "TIMEOUT_SECONDS", 1.0)  # the documented 20 s, shortened
    url = site.url("trickle-headers")
    result = generate(tmp_path, fake, url, str(SEED_FILES[1]), "--allow-private-addresses")
    assert site.trickled_for("/trickle-headers") < GENEROUS < TRICKLE_LIMIT  # it hung up
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"warning: skipped {url} sent its page too slowly: no complete answer in 1 s "
        "(try again later or drop it)"
    ]
