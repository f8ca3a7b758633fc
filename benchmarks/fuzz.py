"""Deterministic mutation fuzzing of everything that reads a file from outside (issue 23).

    .venv/bin/python benchmarks/fuzz.py --count 3000            # the long run
    .venv/bin/python benchmarks/fuzz.py --count 300 --seed 7    # what tests/test_fuzz.py runs

Seeds are ordinary replies built in code (an .xlsx with merges, a formula, an error value
and a hidden row; a Word reply; the .xls and .ods LibreOffice makes of the .xlsx; a .zip
holding an .xlsx and a .docx). Each mutant is one seed changed by one or more mutations
drawn from a ``random.Random(seed)``, so a run is the same every time:

- zip level (.xlsx, .docx, .ods, .zip): truncation, byte flips, general-purpose flag bits
  (encrypted, strong encryption, data descriptor), compression method, declared sizes,
  a member dropped, doubled or renamed;
- XML level (sheet, workbook, shared strings, styles, core.xml, document.xml,
  content.xml): numbers swapped for extreme ones, cell references past Excel's limits or
  in lower case, a tag cut out, an element doubled, the part cut short, a DTD, deep
  nesting, shared-string indexes out of range, odd cell types, control characters;
- byte level (.xls, .ods): flips, truncation, a chunk spliced elsewhere, a range zeroed,
  4-byte words (sector numbers, sizes) set to 0xFFFFFFFF / 0x7FFFFFFF / 0xFFFFFFFE.

Mutants are validated in batches (``python -m zhenggai validate BATCH/ --format json``, and
``merge`` on each batch) with tight reader limits (10 s CPU, 1 GB, 30 s wall per file).
A batch's exit status must be 0, 1 or 2 with no traceback and no 内部错误; a file whose
reader crashed (the boundary's 异常终止 / 读取时出错), hung (CPU or wall limit) or
bloated (memory or output limit) is a finding, and its mutant is kept in
``tests/crashes/`` (``--keep``), named after the seed, the mutation and what happened.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CRASHES = ROOT / "tests" / "crashes"
LIMITS = "cpu_s=10,memory_mb=1024,wall_s=30,output_mb=64"
# What the boundary writes into a file-unreadable finding when a reader did not come back.
CRASH_MARKS = ("异常终止", "异常退出", "读取时出错")
HANG_MARKS = ("CPU 时间", "仍未完成")
BLOAT_MARKS = ("占用内存", "结果大得异常")


# --- seeds -------------------------------------------------------------------------------


def build_seeds(folder: Path) -> dict[str, bytes]:
    """Seed name → bytes; .xls/.ods only when LibreOffice is installed (cached in ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = _seed_xlsx(folder / "seed.xlsx")
    seeds = {"xlsx": xlsx.read_bytes(), "docx": _seed_docx(folder / "seed.docx").read_bytes()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("谷城县/谷城县-附件1.xlsx", seeds["xlsx"])
        zf.writestr("谷城县/谷城县-说明.docx", seeds["docx"])
    seeds["zip"] = buf.getvalue()
    for fmt in ("xls", "ods"):
        target = folder / f"seed.{fmt}"
        if not target.exists() and shutil.which("soffice"):
            profile = folder / "lo-profile"
            subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                            "--convert-to", fmt, "--outdir", str(folder), str(xlsx)],
                           capture_output=True, timeout=180, check=False)
        if target.exists():
            seeds[fmt] = target.read_bytes()
    return seeds


def _seed_xlsx(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "附件1"
    rows = [["附件1"], ["示范县整改清单（示例数据，纯属虚构）"], ["谷城县商务主管部门（盖章）"],
            ["序号", "问题描述", "整改措施", "是否完成整改", "完成时限", "责任人", "责任单位"],
            [1, "部分村级站点无人值守", "已整合站点12个，安排专人值守", "是", "2022-06-30", "张三", "县商务局"],
            [2, "快递进村覆盖率低", "新整合快递企业3家", "否", "2022-12-31", "李四", "县邮政管理局"],
            [3, "培训人次不足", "已开展培训6期", "是", "2022年6月", "王五", "县商务局"],
            [], ["（联系人：张三  联系电话：13800138000）"]]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    ws.merge_cells("A2:G2")
    ws.merge_cells("G5:G7")
    ws["H5"] = "=1/0"
    ws.row_dimensions[8].hidden = True
    a2 = wb.create_sheet("附件2")
    a2.append(["附件2"])
    a2.append(["示范县专项整改成果统计表"])
    a2.append(["谷城县商务主管部门（盖章）"])
    a2.append(["县（市、区）", "反馈问题数", "已完成整改数", "完成率"])
    a2.append(["谷城县", 3, 2, "=C5/B5"])
    wb.save(path)
    return path


def _seed_docx(path: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.add_paragraph("附件1")
    doc.add_paragraph("谷城县商务主管部门（盖章）")
    table = doc.add_table(rows=3, cols=7)
    head = ["序号", "问题描述", "整改措施", "是否完成整改", "完成时限", "责任人", "责任单位"]
    body = [["1", "站点无人值守", "安排专人值守", "是", "2022-06-30", "张三", "县商务局"],
            ["2", "覆盖率低", "新整合快递企业3家", "否", "2022-12-31", "李四", "县邮政管理局"]]
    for r, row in enumerate([head, *body]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 6).merge(table.cell(2, 6))
    doc.add_paragraph("（联系人：张三  联系电话：13800138000）")
    doc.save(str(path))
    return path


# --- mutations ---------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes], bytes]
EXTREME = [b"0", b"-1", b"4294967295", b"4294967297", b"2147483648", b"99999999", b"1048577", b"16385",
           b"1e308", b"-1e308", b"NaN", b"999999999999999999999", b"65536", b"1048576"]
REFS = [b"A99999999", b"XFE1", b"AAAA1", b"zz99999", b"A0", b"A-1", b"XFD1048576", b"A4294967297", b"", b"1A"]


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [(i, zf.read(i)) for i in zf.infolist()]
    except Exception:  # noqa: BLE001 - an earlier mutation broke the zip: nothing to edit
        return None


def _rezip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # a doubled member is the point
        for info, body in members:
            zf.writestr(info, body)
    return buf.getvalue()


def _xml_edit(rng: random.Random, data: bytes, edit: Callable[[random.Random, bytes], bytes]) -> bytes:
    members = _members(data)
    if not members:
        return data
    xml = [k for k, (i, _) in enumerate(members) if i.filename.endswith((".xml", ".rels"))]
    if not xml:
        return data
    # Sheets, document.xml and content.xml hold the data: pick them more often.
    weights = [5 if re.search(r"sheet\d|document\.xml|content\.xml", members[k][0].filename) else 1 for k in xml]
    k = rng.choices(xml, weights)[0]
    info, body = members[k]
    members[k] = (info, edit(rng, body))
    return _rezip(members)


def _numbers(rng: random.Random, xml: bytes) -> bytes:
    spots = [m.span() for m in re.finditer(rb"(?<=[\"'>])\d+(?=[\"'<])", xml)]
    if not spots:
        return xml
    a, b = rng.choice(spots)
    return xml[:a] + rng.choice(EXTREME) + xml[b:]


def _refs(rng: random.Random, xml: bytes) -> bytes:
    spots = [m.span(1) for m in re.finditer(rb"""\s(?:r|ref|sqref)=["']([^"']*)["']""", xml)]
    if not spots:
        return xml
    a, b = rng.choice(spots)
    new = rng.choice(REFS)
    if b":" in xml[a:b] and rng.random() < 0.5:
        new = b"A1:" + new
    return xml[:a] + new + xml[b:]


def _cut_tag(rng: random.Random, xml: bytes) -> bytes:
    tags = [m.span() for m in re.finditer(rb"<[^>]{0,200}>", xml)]
    if not tags:
        return xml
    a, b = rng.choice(tags)
    return xml[:a] + xml[b:]


def _double(rng: random.Random, xml: bytes) -> bytes:
    elems = [m.span() for m in re.finditer(rb"<(row|c|si|tc|tr|table:table-row)\b.*?</\1>", xml, re.S)]
    if not elems:
        return xml
    a, b = rng.choice(elems)
    return xml[:b] + xml[a:b] * rng.choice([1, 2, 50]) + xml[b:]


def _truncate_xml(rng: random.Random, xml: bytes) -> bytes:
    return xml[: rng.randrange(len(xml) + 1)]


def _dtd(rng: random.Random, xml: bytes) -> bytes:
    decl = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    at = xml.find(b"?>")
    return xml[: at + 2] + decl + xml[at + 2:] if at >= 0 else decl + xml


def _nest(rng: random.Random, xml: bytes) -> bytes:
    at = xml.rfind(b"</")
    depth = rng.choice([100, 5000, 50000])
    return xml[:at] + b"<x>" * depth + b"</x>" * depth + xml[at:] if at >= 0 else xml


def _cell_types(rng: random.Random, xml: bytes) -> bytes:
    choices = [b' t="s"><v>99999999</v>', b' t="e"><v>#BAD!</v>', b' t="d"><v>not a date</v>',
               b' t="b"><v>7</v>', b' t="n"><v>1e999</v>', b' t="inlineStr"><is><t>\x01\x02</t></is>',
               b' t="str"><v>' + b"x" * 40000 + b"</v>"]
    cells = [m.span() for m in re.finditer(rb"<c\b[^>]*?(?:\st=[\"'][^\"']*[\"'])?[^>/]*>.*?</c>", xml, re.S)]
    if not cells:
        return xml
    a, b = rng.choice(cells)
    head = re.match(rb"<c\b[^>]*?(?=\st=|>)", xml[a:b])
    name = head.group(0) if head else b"<c"
    return xml[:a] + name + rng.choice(choices) + b"</c>" + xml[b:]


def _control(rng: random.Random, xml: bytes) -> bytes:
    at = rng.randrange(len(xml) + 1)
    return xml[:at] + bytes(rng.choice([0, 1, 0x1F, 0x7F, 0xFF, 0xFE])) * rng.randint(1, 4) + xml[at:]


XML_EDITS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "numbers": _numbers, "refs": _refs, "cut-tag": _cut_tag, "double": _double, "truncate-xml": _truncate_xml,
    "dtd": _dtd, "nest": _nest, "cell-types": _cell_types, "control": _control,
}


def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        at = rng.randrange(len(out))
        out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def _splice(rng: random.Random, data: bytes) -> bytes:
    a = rng.randrange(len(data))
    chunk = data[a: a + rng.choice([16, 512, 4096])]
    at = rng.randrange(len(data))
    return data[:at] + chunk + data[at + len(chunk):] if rng.random() < 0.5 else data[:at] + chunk + data[at:]


def _zero(rng: random.Random, data: bytes) -> bytes:
    a = rng.randrange(len(data))
    n = rng.choice([4, 64, 512])
    return data[:a] + b"\0" * n + data[a + n:]


def _words(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(0, max(1, len(out) - 4)) & ~3
        out[at:at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\xff\xff\xff\x7f", b"\xfe\xff\xff\xff", b"\0\0\0\x10"])
    return bytes(out)


BYTE_EDITS: dict[str, Mutation] = {"flip": _flip, "truncate": _truncate, "splice": _splice, "zero": _zero,
                                   "words": _words}


def _zip_headers(rng: random.Random, data: bytes) -> bytes:
    """Flags, method or sizes in the local and central headers of one member."""
    out = bytearray(data)
    heads = [(m.start(), m.group()) for m in re.finditer(rb"PK\x01\x02|PK\x03\x04", data)]
    if not heads:
        return data
    at, sig = rng.choice(heads)
    flag_at, method_at, size_at = (8, 10, 20) if sig == b"PK\x01\x02" else (6, 8, 18)
    what = rng.randrange(3)
    if what == 0:
        out[at + flag_at] |= rng.choice([0x01, 0x40, 0x08, 0x20])
    elif what == 1:
        out[at + method_at:at + method_at + 2] = rng.choice([b"\x09\x00", b"\x0e\x00", b"\x63\x00", b"\x0c\x00"])
    else:
        out[at + size_at:at + size_at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\0\0\0\0", b"\x10\0\0\0"])
    return bytes(out)


def _members_edit(rng: random.Random, data: bytes) -> bytes:
    members = _members(data)
    if not members:
        return data
    k = rng.randrange(len(members))
    what = rng.randrange(3)
    if what == 0:
        del members[k]
    elif what == 1:
        members.append(members[k])
    else:
        info, body = members[k]
        renamed = zipfile.ZipInfo(rng.choice(["../../x.xml", "/abs.xml", "a" * 300, "xl/worksheets/sheet1.xml",
                                              "谷城县.xlsx", "x/" * 40 + "y.xml"]), info.date_time)
        members[k] = (renamed, body)
    return _rezip(members)


ZIP_EDITS: dict[str, Mutation] = {"zip-headers": _zip_headers, "members": _members_edit}


def mutations_for(kind: str) -> dict[str, Mutation]:
    """The mutations that make sense for a seed of this kind."""
    out: dict[str, Mutation] = {}
    if kind in ("xlsx", "docx", "ods", "zip"):
        out.update(ZIP_EDITS)
        out.update({name: (lambda e: lambda rng, d: _xml_edit(rng, d, e))(edit) for name, edit in XML_EDITS.items()})
        out.update({"flip": _flip, "truncate": _truncate})
    if kind in ("xls", "ods"):
        out.update(BYTE_EDITS)
    return out


@dataclass(frozen=True)
class Mutant:
    name: str  # seed kind, mutations and index: "xlsx-refs+flip-0042"
    suffix: str
    data: bytes


def mutants(seeds: dict[str, bytes], count: int, seed: int) -> Iterator[Mutant]:
    """``count`` mutants, the same for the same seeds and ``seed``."""
    rng = random.Random(seed)
    kinds = sorted(seeds)
    for i in range(count):
        kind = kinds[i % len(kinds)]
        edits = mutations_for(kind)
        names = rng.sample(sorted(edits), rng.choice([1, 1, 1, 2, 3]))
        data = seeds[kind]
        for name in names:
            data = edits[name](rng, data) or data
        yield Mutant(f"{kind}-{'+'.join(names)}-{i:04d}", "." + kind, data)


# --- running -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a batch run found."""

    mutants: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0
    crashes: list[str] = field(default_factory=list)  # "mutant: reason"
    hangs: list[str] = field(default_factory=list)
    bloat: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # a run with a traceback, 内部错误 or exit 3+
    failed_files: list[str] = field(default_factory=list)  # the mutants that make a run fail
    exits: dict[int, int] = field(default_factory=dict)


def _zhenggai(args: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, str, float]:
    """Run the CLI; (exit status, stdout, stderr, peak RSS of it and its workers in MB)."""
    t = subprocess.Popen([sys.executable, "-m", "zhenggai", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, text=True)
    try:
        out, err = t.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        t.kill()
        out, err = t.communicate()
        return -999, out, err, 0.0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return t.returncode, out, err, peak


def run_batch(batch: list[Mutant], work: Path, outcome: Outcome, *, merge: bool = True,
              timeout: float = 600) -> None:
    """Validate (and merge) one batch of mutants; add what happened to ``outcome``."""
    folder = work / "收件"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    by_file = {}
    for m in batch:
        (folder / (m.name + m.suffix)).write_bytes(m.data)
        by_file[m.name + m.suffix] = m
    env = {**os.environ, "ZHENGGAI_READ_LIMITS": LIMITS, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.monotonic()
    runs = [["validate", str(folder), "--format", "json", "--as-of", "2022-07-15"]]
    if merge:
        runs.append(["merge", str(folder), "-o", str(work / "汇总.xlsx"), "--force", "--format", "json",
                     "--as-of", "2022-07-15"])
    for args in runs:
        code, out, err, peak = _zhenggai(args, env, timeout)
        outcome.exits[code] = outcome.exits.get(code, 0) + 1
        outcome.peak_mb = max(outcome.peak_mb, peak)
        if _failed(code, out, err):
            culprits = _culprits(args[0], folder, env, timeout)
            outcome.failures.append(f"{args[0]} exit {code}: {(err or out)[-300:]} ← {', '.join(culprits) or '?'}")
            outcome.failed_files.extend(culprits)
            continue
        if args[0] == "validate" and code in (0, 1):
            _classify(json.loads(out), by_file, outcome)
    outcome.seconds += time.monotonic() - t0
    outcome.mutants += len(batch)


def _failed(code: int, out: str, err: str) -> bool:
    return code not in (0, 1, 2) or "Traceback" in err or "内部错误" in out + err


def _culprits(command: str, folder: Path, env: dict[str, str], timeout: float) -> list[str]:
    """The files of a failed batch that fail on their own (one run each: only after a failure)."""
    found = []
    for path in sorted(folder.iterdir()):
        args = [command, str(path), "--format", "json", "--as-of", "2022-07-15"]
        if command == "merge":
            args[2:2] = ["-o", str(folder.parent / "单个汇总.xlsx"), "--force"]
        code, out, err, _ = _zhenggai(args, env, timeout)
        if _failed(code, out, err):
            found.append(path.name)
    return found


def _classify(report: dict[str, object], by_file: dict[str, Mutant], outcome: Outcome) -> None:
    files = report.get("files", [])
    assert isinstance(files, list)
    for f in files:
        name = Path(str(f["path"]).split(" › ")[0]).name
        for x in f["findings"]:
            if x["code"] != "file-unreadable":
                continue
            msg = x["message"]
            for marks, bucket in ((CRASH_MARKS, outcome.crashes), (HANG_MARKS, outcome.hangs),
                                  (BLOAT_MARKS, outcome.bloat)):
                if any(mark in msg for mark in marks):
                    bucket.append(f"{name}: {msg}")


def keep(outcome: Outcome, batch_dir: Path) -> list[Path]:
    """Copy every mutant that crashed, hung or bloated to tests/crashes/ (regression files)."""
    kept = []
    for name in outcome.failed_files:
        if (batch_dir / name).exists():
            target = CRASHES / f"fuzz-internal-error-{name}"
            shutil.copyfile(batch_dir / name, target)
            kept.append(target)
    for bucket, what in ((outcome.crashes, "crash"), (outcome.hangs, "hang"), (outcome.bloat, "bloat")):
        for line in bucket:
            name = line.split(": ", 1)[0]
            src = batch_dir / name
            if src.exists():
                target = CRASHES / f"fuzz-{what}-{name}"
                shutil.copyfile(src, target)
                kept.append(target)
    return kept


def fuzz(count: int, seed: int, *, batch: int = 150, work: Path | None = None, merge: bool = True,
         keep_crashes: bool = False, seeds_dir: Path | None = None) -> Outcome:
    """Build the seeds, generate ``count`` mutants and run them in batches."""
    own = work is None
    work = work or Path(tempfile.mkdtemp(prefix="zhenggai-fuzz-"))
    try:
        seeds = build_seeds(seeds_dir or (HERE / "data" / "fuzz-seeds"))
        outcome = Outcome()
        pending: list[Mutant] = []
        for m in mutants(seeds, count, seed):
            pending.append(m)
            if len(pending) == batch:
                _run_and_keep(pending, work, outcome, merge, keep_crashes)
                pending = []
        if pending:
            _run_and_keep(pending, work, outcome, merge, keep_crashes)
        return outcome
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def _run_and_keep(batch: list[Mutant], work: Path, outcome: Outcome, merge: bool, keep_crashes: bool) -> None:
    def found() -> int:
        return len(outcome.crashes) + len(outcome.hangs) + len(outcome.bloat) + len(outcome.failed_files)

    before = found()
    run_batch(batch, work, outcome, merge=merge)
    if keep_crashes and found() > before:
        keep(outcome, work / "收件")
    print(f"  {outcome.mutants} 个变体，{outcome.seconds:.0f} s，崩溃 {len(outcome.crashes)}，"
          f"卡死 {len(outcome.hangs)}，膨胀 {len(outcome.bloat)}，运行失败 {len(outcome.failures)}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description="zhenggai 读取器的确定性变异模糊测试")
    ap.add_argument("--count", type=int, default=3000, help="变体个数（默认 3000）")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=150, help="每批变体数：每批运行一次 validate 和 merge")
    ap.add_argument("--no-merge", action="store_true", help="只运行 validate")
    ap.add_argument("--keep", action="store_true", help="把崩溃、卡死、膨胀的变体复制到 tests/crashes/")
    ns = ap.parse_args()
    t0 = time.monotonic()
    out = fuzz(ns.count, ns.seed, batch=ns.batch, merge=not ns.no_merge, keep_crashes=ns.keep)
    print(json.dumps({"mutants": out.mutants, "seconds": round(time.monotonic() - t0, 1),
                      "peak_mb": round(out.peak_mb), "exits": out.exits, "crashes": out.crashes,
                      "hangs": out.hangs, "bloat": out.bloat, "failures": out.failures},
                     ensure_ascii=False, indent=1))
    return 1 if out.crashes or out.hangs or out.bloat or out.failures else 0


if __name__ == "__main__":
    sys.exit(main())
