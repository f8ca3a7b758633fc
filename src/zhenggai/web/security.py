"""Links, cross-site request checks, response headers, body size and rate limits.

Links: each county and the prefecture get a URL holding a secret. The secret is derived
from the store's key (HMAC of subject and generation), so ``--links`` can print the
same links again; the database keeps only its SHA-256, and a request's secret is
compared with every stored hash in constant time. ``--rotate`` bumps the generation:
the old link stops working at once.

Cross-site request forgery: as datasette/csrf.py, an unsafe method passes only when the
browser says the request is same-origin (``Sec-Fetch-Site``), or, for browsers that do
not send it, when ``Origin`` matches ``Host``. Clients that send neither (scripts,
curl) are not browsers and cannot be tricked into a request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from zhenggai.web.store import Store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFECTURE = "prefecture"
TOKEN_BYTES = 24  # 192 bits: guessing is hopeless even at a million tries a second

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # The secret is in the path: never send it to another site as a referrer.
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def county_subject(county: str) -> str:
    """The links-table subject of a county."""
    return f"county:{county}"


def derive_token(key: bytes, subject: str, gen: int) -> str:
    """The secret in a link (URL-safe, no padding)."""
    mac = hmac.new(key, f"{subject}\0{gen}".encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def token_hash(token: str) -> str:
    """What the database keeps of a secret."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def ensure_links(store: Store, subjects: list[str], rotate: set[str] | None = None) -> dict[str, str]:
    """Make sure each subject has a link (bumping those in ``rotate``); subject → token."""
    key = store.key()
    existing = store.links()
    out: dict[str, str] = {}
    for subject in subjects:
        gen = existing.get(subject, (0, ""))[0]
        if subject not in existing or (rotate and subject in rotate):
            gen += 1
            token = derive_token(key, subject, gen)
            store.set_link(subject, gen, token_hash(token))
        out[subject] = derive_token(key, subject, gen)
    return out


class LinkTable:
    """Resolves a presented secret to its subject; reloaded when the links change."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._hashes: list[tuple[str, bytes]] = []
        self._loaded = 0.0
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        # A --rotate run by another process takes effect within two seconds.
        with self._lock:
            if time.monotonic() - self._loaded > 2.0:
                self._hashes = [(s, bytes.fromhex(h)) for s, (_, h) in self.store.links().items()]
                self._loaded = time.monotonic()

    def resolve(self, token: str) -> str | None:
        """The subject whose secret this is, or None. Every hash is compared, in constant time."""
        self._refresh()
        presented = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found = None
        for subject, digest in self._hashes:
            if hmac.compare_digest(presented, digest):
                found = subject
        return found


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k == name:
            return str(v.decode("latin-1"))
    return None


def cross_site(scope: Scope) -> bool:
    """True when an unsafe request comes from another site (refuse it)."""
    site = _header(scope, b"sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = _header(scope, b"origin")
    if origin is None:
        return False
    host = _header(scope, b"host") or ""
    return origin == "null" or urlsplit(origin).netloc.lower() != host.lower()


Render = Callable[[int, str, str, str], bytes]  # (status, title, message, path) → a page in the site's layout


def _bare(status: int, title: str, text: str, path: str) -> bytes:
    return f"<!doctype html><meta charset=utf-8><title>{title}</title><p>{text}</p>".encode()


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), *HEADERS,
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class TooLarge(Exception):
    """The request body passed the size limit."""


@dataclass
class Guard:
    """ASGI middleware: security headers on every response, CSRF refusal, body size limit."""

    app: ASGIApp
    max_body: int
    render: Render = _bare

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if scope["method"] in UNSAFE and cross_site(scope):
            refused = "请求来自其他网站，已拒绝。请直接在本系统的页面上操作。"
            await _plain(send, 403, self.render(403, "操作被拒绝", refused, path))
            return
        length = _header(scope, b"content-length")
        limit = self.max_body + 64 * 1024  # room for the multipart framing around the file

        def too_large() -> bytes:
            return self.render(413, "文件太大", f"文件太大：每次上传不能超过 {self.max_body // (1024 * 1024)} MB。"
                               "请删去多余的工作表或图片后再上传。", path)

        if length is not None and length.isdigit() and int(length) > limit:
            await _plain(send, 413, too_large())
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        try:
            await self.app(scope, counted_receive, secured_send)
        except TooLarge:
            if not started:
                await _plain(send, 413, too_large())


class RateLimiter:
    """A token bucket per link: ``burst`` requests at once, then ``per_minute``."""

    def __init__(self, per_minute: float = 30, burst: int = 10) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, who: str) -> bool:
        """Take one token for ``who``; False when the bucket is empty."""
        t = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (self.burst, t))
            tokens = min(self.burst, tokens + (t - last) * self.rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, t)
                return False
            self._buckets[who] = (tokens - 1.0, t)
            return True
