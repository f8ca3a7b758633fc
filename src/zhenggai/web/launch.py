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


def prepare(root: Path, *, prefecture: str | None, problems: Path | None, expect: str | None,
            deadline: date | None, previous: Path | None = None) -> Store:
    """Create or update the intake folder's settings; counties are added, never removed."""
    store = Store(root)
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
    store.set_config(prefecture=prefecture.strip() if prefecture else None, counties=counties,
                     deadline=deadline.isoformat() if deadline else None,
                     problems=True if problems is not None else None,
                     previous=True if previous is not None else None)
    if not counties:
        raise InputError("还不知道有哪些县（市、区）：请用 --problems 反馈问题清单.xlsx 或 --expect 县1,县2 指定")
    return store


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


def links(store: Store, host: str, port: int, rotate: str | None = None) -> list[Link]:
    """The prefecture's link, then one per county; ``rotate`` replaces one county's link."""
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
    shown_host = lan_address() if host in ("0.0.0.0", "::") else host
    base = f"http://{shown_host}:{port}"
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


def build(root: Path, max_upload: int) -> Any:
    """The application (raises InputError when another server already uses the folder)."""
    from zhenggai.web.app import create_app

    return create_app(root, max_upload=max_upload)


def run(app: Any, host: str, port: int) -> None:
    """Serve until interrupted."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
