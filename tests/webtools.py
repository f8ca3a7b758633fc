"""Helpers for the web intake tests: an intake folder, county replies, a live server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from builders import GOOD_A2, GOOD_ROWS, Row, appendix1_rows, appendix2_rows, make_workbook

COUNTIES = ("谷城县", "老河口市", "保康县")
PREFECTURE = "襄阳市"
XSS = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example/","点这里")'


def bad_rows() -> list[Row]:
    """Two rows; row 6's 完成时限 (E6) is after the deadline although the item is open."""
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][4] = "2023-06-30"
    return rows


def reply(folder: Path, county: str, *, bad: bool = False, rows: list[Row] | None = None,
          name: str | None = None) -> Path:
    """A county's 附件1 + 附件2 in one workbook (bad: one error at 附件1!E6)."""
    body = rows if rows is not None else (bad_rows() if bad else [list(r) for r in GOOD_ROWS])
    a2 = [county, *list(GOOD_A2)[1:]]
    return make_workbook(folder / (name or f"{county}-报送.xlsx"), {
        "附件1": appendix1_rows(body, county=county),
        "附件2": appendix2_rows(a2, county=county),
    })


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_args(root: Path, *extra: str) -> list[str]:
    """``zhenggai serve`` arguments for a test intake."""
    return [sys.executable, "-m", "zhenggai", "serve", str(root), "--prefecture", PREFECTURE,
            "--expect", ",".join(COUNTIES), *extra]


def links(root: Path, port: int = 8000) -> dict[str, str]:
    """who → URL, as ``serve --links`` prints them."""
    out = subprocess.run([*serve_args(root, "--links", "--port", str(port))], capture_output=True, text=True,
                         check=True, timeout=120)
    return dict(line.split("\t") for line in out.stdout.splitlines() if "\t" in line)


class Server:
    """``zhenggai serve`` in a subprocess on a free loopback port."""

    def __init__(self, root: Path, *extra: str) -> None:
        self.root = root
        self.port = free_port()
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([*serve_args(self.root, "--port", str(self.port), *self.extra)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    died = self.proc.stderr.read().decode() if self.proc.stderr else "server died"
                    raise RuntimeError(died) from None
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def links(self) -> dict[str, str]:
        return links(self.root, self.port)

    def stop(self, sig: int | None = None) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        if self.proc is not None:
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()


def token_of(url: str) -> str:
    """The secret part of a link."""
    m = re.search(r"/[cp]/([^/]+)/", url)
    assert m is not None
    return m.group(1)


def _header_at(rows: list[list[object]]) -> int:
    return next(i for i, r in enumerate(rows) if r and r[0] in ("县（市、区）", "市（州）"))


def review_column(sheets: dict[str, list[list[object]]]) -> list[object]:
    """The web rollup's 审核状态 column (header row on), taken out of its 汇总概览 table; the
    title, subtitle and contact lines (placed by the table's width) are left out of both."""
    rows = sheets["汇总概览"]
    head = _header_at(rows)
    at = rows[head].index("审核状态")
    column = [row.pop(at) if len(row) > at else None for row in rows[head:]]
    sheets["汇总概览"] = table_rows(rows)
    return column


def table_rows(rows: list[list[object]]) -> list[list[object]]:
    """汇总概览's header, county and 合计 rows (what a comparison across widths can compare)."""
    end = next(i for i, r in enumerate(rows) if r and r[0] == "合计")
    return [[v for v in r if v is not None] for r in rows[_header_at(rows):end + 1]]


def shot(page: Any, name: str) -> None:
    """A screenshot for the README when ZHENGGAI_SCREENSHOTS names a folder (browser tests)."""
    folder = os.environ.get("ZHENGGAI_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def upload(page: Any, *files: Path) -> None:
    """Upload files through the county page's form and wait for the check's summary."""
    from playwright.sync_api import expect

    page.set_input_files("#files", [str(f) for f in files])
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url("**/?done=*")
    expect(page.locator("#check .summary")).to_be_visible()
