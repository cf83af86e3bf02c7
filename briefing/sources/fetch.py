"""Fetch article pages and feeds over HTTP(S). An edge: the only module that reads URLs.

Every failure becomes a `SourceError` naming the URL and what to do, so one bad source is
reported and the others still run. A fetch, redirects included, must be over within the
client's timeout (20 s), however slowly the server sends (`deadlines.Watch`). Redirects are
followed here, at most `MAX_REDIRECTS`, so that every destination is checked: unless private
addresses are allowed, a host that is, or resolves to, this machine or a private network is
refused before connecting, and the address each connection actually reached is checked again
before anything is sent on it (a name that resolves differently the second time is caught).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx2

from briefing.deadlines import Watch
from briefing.errors import SourceError

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 10
USER_AGENT = "briefing/0.1 (+news briefing tool)"
WEB_SCHEMES = ("http", "https")
PRIVATE_HINT = (
    "to read pages from this machine or your own network, pass --allow-private-addresses "
    "or set allow_private_addresses = true under [sources]"
)


@dataclass(frozen=True)
class Page:
    url: str
    content_type: str
    text: str


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def http_client() -> httpx2.Client:
    return httpx2.Client(timeout=TIMEOUT_SECONDS, headers={"user-agent": USER_AGENT})


def fetch(url: str, client: httpx2.Client, *, private_ok: bool = False) -> Page:
    """GET `url`, following redirects, all within the client's timeout; with `private_ok`
    false, only from public addresses."""
    seconds = _longest(client.timeout)
    destinations = _Destinations(url, private_ok)
    with Watch(seconds, on_connect=destinations.check_connection) as watch:
        try:
            return _followed(url, client, watch, destinations)
        except _Refused as refused:
            raise SourceError(refused.describe(url), hint=PRIVATE_HINT) from refused
        except httpx2.ConnectTimeout as error:
            raise SourceError(
                f"{url}: could not connect within {seconds:g} s",
                hint="check the URL, or try again later",
            ) from error
        except httpx2.TimeoutException as error:
            raise SourceError(
                f"{url} sent its page too slowly: no complete answer in {seconds:g} s",
                hint="try again later or drop it",
            ) from error
        except httpx2.HTTPError as error:
            raise SourceError(
                f"{url}: {error.__class__.__name__}: {error}", hint="check the URL"
            ) from error


def non_public_kind(address: str) -> str | None:
    """What kind of address of this machine or a private network `address` is ("loopback",
    "link-local", "private", ...); None for a public one. IPv4-mapped and 6to4 IPv6 addresses
    are judged by the IPv4 address they carry."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.partition("%")[0]  # an IPv6 zone ("fe80::1%eth0") names an interface
    )
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    kinds = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    )
    return next((kind for kind, found in kinds if found), None)


class _Refused(Exception):
    """A destination on this machine or a private network, reached as `host`."""

    def __init__(self, host: str, address: str, kind: str, redirected: bool) -> None:
        super().__init__(f"{host} is {address}")
        self.host, self.address, self.kind, self.redirected = host, address, kind, redirected

    def describe(self, url: str) -> str:
        where = f"{self.host} ({self.address})" if self.host != self.address else self.address
        article = "an" if self.kind[0] in "aeiou" else "a"
        what = f"{article} {self.kind} address; not fetched"
        return (
            f"{url}: redirects to {where}, {what}"
            if self.redirected
            else f"{url}: {where} is {what}"
        )


class _Destinations:
    """The hosts one fetch asks for, and the check each must pass."""

    def __init__(self, url: str, private_ok: bool) -> None:
        self._url = url
        self._private_ok = private_ok
        self._hosts: set[str] = set()

    def check_url(self, url: httpx2.URL) -> None:
        """Refuse anything but a web address, then a host that resolves to a private address
        (before connecting)."""
        if url.scheme not in WEB_SCHEMES:
            raise SourceError(
                f"{self._url}: redirects to {url}, not a web address; not followed",
                hint="link the article itself",
            )
        host = url.raw_host.decode("ascii")
        redirected = bool(self._hosts)
        self._hosts.add(host)
        if self._private_ok:
            return
        try:
            found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return  # connecting fails too, and says why
        for *_, address in found:
            self._refuse_private(host, str(address[0]), redirected)

    def check_connection(self, host: str, address: str) -> None:
        """The address a connection reached, before anything is sent on it. A connection to a
        host this fetch did not ask for is to a proxy the environment names: that is the
        user's own choice, like the model endpoint."""
        if not self._private_ok and host in self._hosts:
            self._refuse_private(host, address, redirected=len(self._hosts) > 1)

    def _refuse_private(self, host: str, address: str, redirected: bool) -> None:
        kind = non_public_kind(address)
        if kind is not None:
            raise _Refused(host, address, kind, redirected)


def _followed(url: str, client: httpx2.Client, watch: Watch, destinations: _Destinations) -> Page:
    request = client.build_request(
        "GET", url, headers={"connection": "close"}, extensions={"trace": watch}
    )
    for _ in range(MAX_REDIRECTS + 1):
        destinations.check_url(request.url)
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            if response.next_request is None:
                return _page(response, url, watch)
            request = response.next_request  # keeps the headers and the watch
        finally:
            response.close()
    raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects", hint="link the article itself")


def _page(response: httpx2.Response, url: str, watch: Watch) -> Page:
    if response.status_code >= 400:
        raise SourceError(f"{url}: HTTP {response.status_code}", hint="check the URL or drop it")
    body = _read_capped(response, url, watch)
    content_type = response.headers.get("content-type", "")
    return Page(url=str(response.url), content_type=content_type, text=_decoded(body, response))


def _read_capped(response: httpx2.Response, url: str, watch: Watch) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if watch.expired:  # the watch's timer ends the connection; this, one it could not see
            raise httpx2.ReadTimeout("the deadline passed")
        size += len(chunk)
        if size > MAX_BYTES:
            raise SourceError(
                f"{url}: larger than {MAX_BYTES // (1024 * 1024)} MB, not an article page",
                hint="link the article itself",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _longest(timeout: httpx2.Timeout) -> float:
    """The longest of a client's timeouts: the time a whole fetch may take."""
    limits = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    return max((limit for limit in limits if limit is not None), default=TIMEOUT_SECONDS)


def _decoded(body: bytes, response: httpx2.Response) -> str:
    encoding = response.charset_encoding or "utf-8"
    try:
        return body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return body.decode("utf-8", errors="replace")
