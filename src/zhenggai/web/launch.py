"""Preparing an intake folder, printing its links, and running the server (for ``zhenggai serve``)."""

from __future__ import annotations

import re
import shutil
import socket
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from zhenggai.core.errors import InputError
from zhenggai.web import service
from zhenggai.web.context import PREVIOUS_NAME, PROBLEMS_NAME, all_links, settings_of
from zhenggai.web.security import PREFECTURE, county_subject
from zhenggai.web.service import Settings
from zhenggai.web.store import Store


@dataclass(frozen=True, slots=True)
class Link:
    """One printed link."""

    who: str  # county name, or "市州（审核）"
    url: str


def split_names(text: str | None) -> list[str]:
    """"县1,县2、县3" → names."""
    return [x.strip() for x in re.split(r"[,，、;；\s]+", text or "") if x.strip()]


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def prepare(root: Path | Store, *, prefecture: str | None, problems: Path | None, expect: str | None,
            deadline: date | None, previous: Path | None = None, host: str | None = None,
            port: int | None = None, https: bool | None = None) -> Store:
    """Create or update the intake folder's settings; counties are added, never removed.

    Only the process holding the folder's lock calls this (see :func:`open_intake`): a
    second ``serve`` refused because one is running must not change what the running one
    shows after its next restart.
    """
    store = root if isinstance(root, Store) else Store(root)
    root = store.root
    cfg = store.config()
    counties = list(cfg.get("counties", []))
    if problems is not None:
        if not problems.is_file():
            raise InputError(f"找不到反馈问题清单：{problems}")
        names, reason = service.counties_of(problems)
        if reason is not None:
            raise InputError(reason)
        _keep_copy(root, problems, PROBLEMS_NAME)
        counties += [n for n in names if n not in counties]
    counties += [n for n in split_names(expect) if n not in counties]
    if previous is not None:
        _keep_previous(root, previous)
    if not counties:
        raise InputError("还不知道有哪些县（市、区）：请用 --problems 反馈问题清单.xlsx 或 --expect 县1,县2 指定")
    store.set_config(prefecture=prefecture.strip() if prefecture else None, counties=counties,
                     deadline=deadline.isoformat() if deadline else None,
                     problems=True if problems is not None else None,
                     previous=True if previous is not None else None, host=host, port=port, https=https)
    return store


@dataclass(frozen=True, slots=True)
class Opened:
    """An intake folder opened by the command line."""

    store: Store
    notes: tuple[str, ...] = ()  # said on stderr (e.g. settings not saved because a server runs)


def open_intake(root: Path, *, start: bool, prefecture: str | None = None, problems: Path | None = None,
                expect: str | None = None, deadline: date | None = None, previous: Path | None = None,
                host: str | None = None, port: int | None = None, https: bool | None = None) -> Opened:
    """Open the folder for ``serve``: take its lock, and only then write the settings given.

    ``start``: a server is to run (refused, before anything is printed, when another one
    holds the folder). ``--links``, ``--rotate`` and ``--export`` run beside a server:
    they save the settings only when no server holds the folder, and say so otherwise.
    """
    store = Store(root)
    if not store.claim():
        if start:
            raise InputError(f"收件库 {root} 正在被另一个 zhenggai serve 使用；同一个收件库只能启动一个"
                             "（各县的链接请用 --links 列出）")
        given = [name for name, v in (("--prefecture", prefecture), ("--problems", problems),
                                      ("--expect", expect), ("--deadline", deadline), ("--previous", previous),
                                      ("--host", host), ("--port", port)) if v is not None]
        notes = (f"收件库正在运行，{'、'.join(given)} 没有保存：停止网上报送后再启动时给出。",) if given else ()
        if not settings_of(store).counties:
            raise InputError("还不知道有哪些县（市、区）：请用 --problems 反馈问题清单.xlsx 或 --expect 县1,县2 指定")
        return Opened(store, notes)
    prepare(store, prefecture=prefecture, problems=problems, expect=expect, deadline=deadline,
            previous=previous, host=host, port=port, https=https)
    if start:
        cfg = store.config()
        store.set_config(host=cfg.get("host", DEFAULT_HOST), port=cfg.get("port", DEFAULT_PORT))
    return Opened(store, ())


def address(store: Store) -> tuple[str, int]:
    """The host and port the server listens on (stored when it started), else the defaults."""
    cfg = store.config()
    return str(cfg.get("host", DEFAULT_HOST)), int(cfg.get("port", DEFAULT_PORT))


def _keep_previous(root: Path, previous: Path) -> None:
    """Last round's rollup (``--previous``), checked to be one and kept in the intake folder."""
    if not previous.is_file():
        raise InputError(f"找不到上一轮汇总表：{previous}")
    reason = service.previous_problem(previous)
    if reason is not None:
        raise InputError(reason)
    _keep_copy(root, previous, PREVIOUS_NAME)


def _keep_copy(root: Path, source: Path, name: str) -> None:
    """Copy ``source`` into the intake folder as ``name``, atomically; the given file is only read."""
    target = root / name
    if source.resolve() != target.resolve():
        tmp = root / f".{name}.tmp"
        shutil.copyfile(source, tmp)
        tmp.replace(target)


def lan_address() -> str:
    """This machine's address on the LAN (no packet is sent), for links when --host 0.0.0.0."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def links(store: Store, host: str | None = None, port: int | None = None, rotate: str | None = None) -> list[Link]:
    """The prefecture's link, then one per county; ``rotate`` replaces one county's link.

    The address is the one stored by the server that last started on the folder (a link
    printed with another port would not open); ``host``/``port`` only fill in when none is.
    """
    settings = settings_of(store)
    subjects = None
    if rotate is not None:
        if rotate in ("市州", PREFECTURE):
            subjects = {PREFECTURE}
        elif rotate in settings.counties:
            subjects = {county_subject(rotate)}
        else:
            raise InputError(f"没有“{rotate}”（已有：{'、'.join(settings.counties)}）")
        store.audit("admin", "rotate", {"subject": next(iter(subjects))}, "command line")
    tokens = all_links(store, subjects)
    cfg = store.config()
    host = str(cfg.get("host", host or DEFAULT_HOST))
    port = int(cfg.get("port", port or DEFAULT_PORT))
    shown_host = lan_address() if host in ("0.0.0.0", "::") else host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"  # an IPv6 address in a URL
    base = f"{'https' if cfg.get('https') else 'http'}://{shown_host}:{port}"
    out = [Link("市州（审核）", f"{base}/p/{tokens[PREFECTURE]}/")]
    out += [Link(c, f"{base}/c/{tokens[county_subject(c)]}/") for c in settings.counties]
    return out


@dataclass(frozen=True, slots=True)
class Desk:
    """The store and its settings, for work done from the command line."""

    store: Store
    settings: Settings


def export(store: Store, target: Path) -> Path:
    """Write each county's latest submission as a folder ``zhenggai merge`` reads; the folder."""
    from zhenggai.web import workflow

    return workflow.export_to(Desk(store, settings_of(store)), target)


def build(store: Store, max_upload: int) -> Any:
    """The application over a folder whose lock ``store`` holds (see :func:`open_intake`)."""
    from zhenggai.web.app import create_app

    return create_app(store.root, max_upload=max_upload, store=store, isolate=True)


def tls_problem(cert: Path | None, key: Path | None) -> str | None:
    """Why ``--cert``/``--key`` cannot be used (None: they can, or neither was given)."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        return "--cert 和 --key 须一起给出（证书文件和它的私钥文件）"
    for path, what in ((cert, "证书"), (key, "私钥")):
        if not path.is_file():
            return f"找不到{what}文件：{path}"
    import ssl

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, OSError, ValueError):
        return f"证书 {cert.name} 和私钥 {key.name} 无法使用：须是 PEM 格式、不设密码，且私钥与证书配对"
    return None


def run(app: Any, host: str, port: int, cert: Path | None = None, key: Path | None = None) -> None:
    """Serve until interrupted (HTTPS when a certificate is given)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False,
                ssl_certfile=str(cert) if cert else None, ssl_keyfile=str(key) if key else None)
