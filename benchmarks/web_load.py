"""Load and faults for ``zhenggai serve``, on loopback only, bounded.

    .venv/bin/python benchmarks/web_load.py --counties 100          # load: p50/p95 upload → findings shown
    .venv/bin/python benchmarks/web_load.py --counties 100 --kill   # SIGKILL mid-uploads, restart, verify
    .venv/bin/python benchmarks/web_load.py --big 150000            # one 150,000-row upload, another county's page

Load: every county uploads its reply at the same moment (one thread each, the real
server in a subprocess). The time of one county is from the start of the upload
request to the end of the page that shows the findings (the redirect is followed),
which is what a clerk waits for. Then every acknowledged upload must be listed exactly
once, with its bytes stored under their hash.

Faults: the same, but the server is killed with SIGKILL once a third of the uploads are
acknowledged; it is restarted on the same folder, and every acknowledged upload must
be there, nothing half-written (every stored file's name is its content's hash, no
temp file is left, the checks' temporary folders emptied), and ``PRAGMA
integrity_check`` must say ok.

The server starts its check processes before it listens (see zhenggai/web/pool.py), so
the timing starts with a warm server, as at a real deadline.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

_A = "东西南北中上下前后左"
_B = "安平宁和丰泰兴华阳山"


def county_names(n: int) -> list[str]:
    """n distinct county names such as 东安县 (the reader finds a county by its Chinese name)."""
    names = [f"{a}{b}县" for a in _A for b in _B]
    names += [f"{a}{b}{c}县" for a in _A for b in _B for c in _B]
    return names[:n]


def write_reply(path: Path, county: str) -> Path:
    """A county's 附件1 + 附件2 with one error (an open item due after the deadline)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "附件1"
    for row in (["附件1"], ["示范县整改清单"], [f"{county}商务主管部门（盖章）"],
                ["序号", "问题描述", "整改措施和情况", "是否完成整改", "完成时限", "责任人", "责任单位"],
                [1, "县级电商公共服务中心停止运营", "恢复运营", "是", "2022-06-30", "李四", "县商务局"],
                [2, "快递企业整合不够", "新整合快递企业3家", "否", "2023-06-30", "王五", "县邮政分公司"],
                [], ["（联系人：张三  联系电话：13800138000）"]):
        ws.append(row)
    ws2 = wb.create_sheet("附件2")
    from zhenggai.core.schema import default_appendix2

    headers = [c.header for c in default_appendix2().columns]
    for row in (["附件2"], ["示范县专项整改成果统计表"], [f"{county}商务主管部门（盖章）"], headers,
                [county, 2, 1, 1, 30, 0, 4, 3, 0, 5, 12, 2, None], [],
                ["（联系人：张三  联系电话：0710-7223456）"]):
        ws2.append(row)
    wb.save(path)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(root: Path, counties: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "zhenggai", "serve", str(root), "--prefecture", "测试市",
                             "--expect", ",".join(counties), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def links(root: Path, counties: list[str]) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "zhenggai", "serve", str(root), "--prefecture", "测试市",
                          "--expect", ",".join(counties), "--links"], capture_output=True, text=True, check=True)
    paths = {}
    for line in out.stdout.splitlines():
        who, url = line.split("\t")
        paths[who] = "/" + url.split("/", 3)[3]
    return paths


@dataclass
class Outcome:
    """One county's upload."""

    county: str
    sha256: str
    acked: bool = False
    seconds: float | None = None  # upload start → findings page received
    error: str = ""


def upload(port: int, path: str, name: str, data: bytes, out: Outcome, go: threading.Event) -> None:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    go.wait()
    t0 = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        conn.request("POST", path + "upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        r = conn.getresponse()
        r.read()
        if r.status != 303:
            out.error = f"HTTP {r.status}"
            return
        out.acked = True
        conn.request("GET", r.getheader("location") or path)
        page = conn.getresponse().read().decode()
        if 'class="summary' in page and "处错误" in page:
            out.seconds = time.perf_counter() - t0
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        out.error = type(exc).__name__


@dataclass
class Verdict:
    """What the folder holds after the run."""

    listed: dict[str, list[str]] = field(default_factory=dict)  # county → sha256 of its uploads
    bad_blobs: list[str] = field(default_factory=list)
    temp_files: list[str] = field(default_factory=list)
    work_files: list[str] = field(default_factory=list)  # left in the checks' temporary folders
    integrity: str = ""


def inspect(root: Path) -> Verdict:
    v = Verdict()
    db = sqlite3.connect(root / "zhenggai.db")
    v.integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    for county, digest in db.execute("SELECT county, sha256 FROM uploads ORDER BY id"):
        v.listed.setdefault(county, []).append(digest)
    db.close()
    work = root / ".zhenggai-tmp"
    v.work_files = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file()) if work.is_dir() else []
    for p in (root / "原件").iterdir():
        if p.name.startswith("."):
            v.temp_files.append(p.name)
        elif hashlib.sha256(p.read_bytes()).hexdigest() != p.name.split(".")[0]:
            v.bad_blobs.append(p.name)
    return v


def run(n: int, work: Path, kill: bool = False) -> dict[str, object]:
    """One load (or kill) run; returns the measurements and the checks."""
    counties = county_names(n)
    root = work / "收件库"
    paths = links(root, counties)
    files = {c: write_reply(work / f"{c}.xlsx", c).read_bytes() for c in counties}
    port = free_port()
    server = start(root, counties, port)
    go = threading.Event()
    outcomes = [Outcome(c, hashlib.sha256(files[c]).hexdigest()) for c in counties]
    threads = [threading.Thread(target=upload, args=(port, paths[o.county], f"{o.county}-报送.xlsx",
                                                      files[o.county], o, go)) for o in outcomes]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    go.set()
    killed_after = None
    if kill:
        while sum(o.acked for o in outcomes) < n // 3 and time.perf_counter() - t0 < 120:
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)
        server.wait()
        killed_after = sum(o.acked for o in outcomes)
    for t in threads:
        t.join()
    temp_left = len(list((root / "原件").glob(".tmp-*")))  # what the crash left behind
    work = root / ".zhenggai-tmp"
    work_left = len([p for p in work.rglob("*") if p.is_file()]) if work.is_dir() else 0
    wall = time.perf_counter() - t0
    if not kill:
        server.terminate()
        server.wait()
    else:
        # Restart on the same folder: it must come up and clean what the crash left.
        server = start(root, counties, port)
        server.terminate()
        server.wait()
    v = inspect(root)
    acked = [o for o in outcomes if o.acked]
    times = sorted(o.seconds for o in outcomes if o.seconds is not None)
    lost = [o.county for o in acked if o.sha256 not in v.listed.get(o.county, [])]
    doubled = [c for c, ds in v.listed.items() if len(ds) > 1]
    return {
        "counties": n, "kill": kill, "acked": len(acked), "killed_after_acks": killed_after,
        "temp_files_after_kill": temp_left if kill else None,
        "work_files_after_kill": work_left if kill else None,
        "wall_s": round(wall, 2),
        "p50_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(times[max(0, int(len(times) * 0.95) - 1)], 3) if times else None,
        "max_s": round(times[-1], 3) if times else None,
        "lost": lost, "doubled": doubled, "bad_blobs": v.bad_blobs, "temp_files": v.temp_files,
        "work_files": v.work_files,
        "integrity": v.integrity, "errors": sorted({o.error for o in outcomes if o.error}),
    }


def write_big(path: Path, county: str, rows: int) -> Path:
    """A 附件1 of ``rows`` open items all due after the deadline (one error each), and its 附件2."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("附件1")
    head = [["附件1"], ["示范县整改清单"], [f"{county}商务主管部门（盖章）"],
            ["序号", "问题描述", "整改措施和情况", "是否完成整改", "完成时限", "责任人", "责任单位"]]
    for r, row in enumerate(head):
        ws.write_row(r, 0, row)
    for i in range(rows):
        measure = f"新建改造站点{i % 7 + 1}个，县级财政安排经费{i % 90 + 10}万元"
        ws.write_row(len(head) + i, 0, [i + 1, f"第{i + 1}个村级站点停运", measure, "否", "2023-06-30", "李四",
                                        "县商务局"])
    ws.write_row(len(head) + rows + 1, 0, ["（联系人：张三  联系电话：13800138000）"])
    ws2 = wb.add_worksheet("附件2")
    from zhenggai.core.schema import default_appendix2

    headers = [c.header for c in default_appendix2().columns]
    for r, row in enumerate((["附件2"], ["示范县专项整改成果统计表"], [f"{county}商务主管部门（盖章）"], headers,
                             [county, rows, 0, rows, 30, 0, 4, 3, 0, 5, 12, 2, None], [],
                             ["（联系人：张三  联系电话：0710-7223456）"])):
        ws2.write_row(r, 0, row)
    wb.close()
    return path


def _rss_peak_mb(pid: int) -> tuple[float, float]:
    """Peak resident memory (Linux /proc) of the server process and of its largest descendant
    (the library's reader workers, which run the checks), in MB."""
    def peak(p: str) -> float:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def descendants(p: str) -> list[str]:
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            return []
        return [k for kid in kids for k in (kid, *descendants(kid))]

    return round(peak(str(pid)), 1), round(max((peak(k) for k in descendants(str(pid))), default=0.0), 1)


def big(work: Path, rows: int = 150_000) -> dict[str, object]:
    """One county uploads a ``rows``-row workbook while another county opens its page again and
    again: the other page's slowest answer, the big upload's wait, memory, stored and page size."""
    counties = county_names(2)
    root = work / "收件库"
    paths = links(root, counties)
    small = write_reply(work / "small.xlsx", counties[1]).read_bytes()
    data = write_big(work / "big.xlsx", counties[0], rows).read_bytes()
    port = free_port()
    server = start(root, counties, port)
    try:
        other = Outcome(counties[1], "")
        ready = threading.Event()
        ready.set()
        upload(port, paths[counties[1]], "small.xlsx", small, other, ready)
        big_out = Outcome(counties[0], "")
        t = threading.Thread(target=upload, args=(port, paths[counties[0]], "big.xlsx", data, big_out, ready))
        t0 = time.perf_counter()
        t.start()
        waits: list[float] = []
        while t.is_alive() and time.perf_counter() - t0 < 600:
            s0 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", paths[counties[1]])
            body = conn.getresponse().read()
            conn.close()
            assert b'class="summary' in body
            waits.append(time.perf_counter() - s0)
            time.sleep(0.2)
        t.join()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", paths[counties[0]])
        page = conn.getresponse().read()
        conn.close()
        server_mb, child_mb = _rss_peak_mb(server.pid)
    finally:
        server.terminate()
        server.wait()
    stored = sum(p.stat().st_size for p in root.glob("zhenggai.db*"))
    return {"rows": rows, "file_mb": round(len(data) / 2**20, 1), "upload_to_findings_s": big_out.seconds,
            "big_error": big_out.error, "other_page_max_s": round(max(waits), 3) if waits else None,
            "other_page_n": len(waits), "page_kb": round(len(page) / 1024, 1),
            "findings_listed": page.count(b'<tr class="sev-'), "database_mb": round(stored / 2**20, 1),
            "server_peak_rss_mb": server_mb, "check_process_peak_rss_mb": child_mb}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counties", type=int, default=100)
    ap.add_argument("--kill", action="store_true", help="SIGKILL the server mid-uploads, restart, verify")
    ap.add_argument("--big", type=int, metavar="ROWS", help="one county uploads a workbook of ROWS rows")
    args = ap.parse_args()
    if os.name != "posix" and args.kill:
        sys.exit("--kill needs a POSIX system (SIGKILL)")
    with TemporaryDirectory(prefix="zhenggai-webload-") as tmp:
        result = big(Path(tmp), args.big) if args.big else run(args.counties, Path(tmp), args.kill)
        print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
