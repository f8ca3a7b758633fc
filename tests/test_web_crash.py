"""``zhenggai serve`` survives an upload that aborts the parser (issue 23).

The real server runs in a subprocess with a 100 MB address-space limit for its readers
(``ZHENGGAI_READ_LIMITS``). 保康县 uploads a reply with one extra value at N280000: within
the guard's budget, so calamine reads it, and under that limit its allocation fails and
Rust aborts the reading process (SIGABRT), as it would on a file just past what the
machine has. Before the boundary the intake read uploads in the server process itself:
such an abort stopped the intake for every county. Now the reader is a worker process;
the server keeps answering, 谷城县's upload is checked as usual, and 保康县's upload is
stored and shown as unreadable.
"""

from __future__ import annotations

import http.client
import os
import uuid
from pathlib import Path

import pytest

from test_boundary import far_sheet
from webtools import COUNTIES, PREFECTURE, Server, reply
from zhenggai.web import launch
from zhenggai.web.store import BLOB_DIR

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="子进程的限额需要 POSIX")


def _post(port: int, path: str, name: str, data: bytes) -> tuple[int, str]:
    """Upload one file; (status of the POST, the page it leads to)."""
    sep = uuid.uuid4().hex
    body = (f"--{sep}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{sep}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", path + "upload", body, {"Content-Type": f"multipart/form-data; boundary={sep}"})
        r = conn.getresponse()
        r.read()
        conn.request("GET", r.getheader("location") or path)
        return r.status, conn.getresponse().read().decode()
    finally:
        conn.close()


def test_an_upload_that_aborts_the_parser_does_not_stop_the_intake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "收件库"
    launch.prepare(root, prefecture=PREFECTURE, problems=None, expect=",".join(COUNTIES), deadline=None)
    monkeypatch.setenv("ZHENGGAI_READ_LIMITS", "memory_mb=100")
    server = Server(root).start()
    try:
        links = {who: url.split(f":{server.port}", 1)[1] for who, url in server.links().items()}
        far = far_sheet(reply(tmp_path, "保康县"), tmp_path / "保康县-far.xlsx")
        status, page = _post(server.port, links["保康县"], "保康县-报送.xlsx", far.read_bytes())
        assert status == 303
        assert "保康县-报送.xlsx" in page and "无法读取" in page and "异常终止" in page
        assert server.proc is not None and server.proc.poll() is None  # still serving

        status, page = _post(server.port, links["谷城县"], "谷城县-报送.xlsx", reply(tmp_path, "谷城县").read_bytes())
        assert status == 303 and "谷城县-报送.xlsx" in page and "无法读取" not in page
        assert len(list((root / BLOB_DIR).iterdir())) == 2  # both stored as received
        status, page = _post(server.port, links["保康县"], "保康县-报送.xlsx", far.read_bytes())
        assert status == 303 and "异常终止" in page and server.proc.poll() is None
    finally:
        server.stop()
