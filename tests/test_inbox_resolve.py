"""intake/inbox.resolved: ``Path.resolve()`` with each folder's part worked out once (an inbox of
1,500 counties spent 0.06 s in resolve() before reading anything): the same path for every file,
plain or a link, under a plain or linked folder, given relatively or not; and the inbox still
reads a file reached twice (through a link) once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zhenggai.intake.inbox import expand, resolved


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="links as POSIX makes them")
def test_resolved_is_resolve_for_plain_files_links_and_linked_folders(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "真的收件"
    (real / "子目录").mkdir(parents=True)
    for name in ("谷城县.xlsx", "子目录/枣阳市.xlsx"):
        (real / name).write_bytes(b"x")
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "谷城县.xlsx").symlink_to(real / "谷城县.xlsx")  # a link to a file
    (inbox / "链接目录").symlink_to(real / "子目录", target_is_directory=True)  # a linked folder
    (inbox / "本地.xlsx").write_bytes(b"y")
    (inbox / "断链.xlsx").symlink_to(tmp_path / "不存在.xlsx")  # a broken link
    (inbox / "相对链接.xlsx").symlink_to(Path("..") / "真的收件" / "谷城县.xlsx")
    monkeypatch.chdir(tmp_path)
    paths = [p for root in (inbox, Path("收件"), Path("真的收件")) for p in root.rglob("*")] + [
        Path("收件") / "链接目录" / "枣阳市.xlsx", Path("./收件/../收件/本地.xlsx"), Path("收件/没有.xlsx")]
    folders: dict[Path, Path] = {}
    for p in paths:
        assert resolved(p, folders) == p.resolve(), p
    files, _ = expand([Path("收件"), real])
    once = {str(p.resolve()) for p in (real / "谷城县.xlsx", real / "子目录" / "枣阳市.xlsx", inbox / "本地.xlsx")}
    assert sorted(str(p.resolve()) for p in files) == sorted(once)  # each file once, links or not


def test_the_rollup_written_into_its_inbox_is_not_read_on_the_next_run(tmp_path: Path) -> None:
    """rollup.county.collect leaves the output out of the inbox by its resolved path (resolved()):
    written into the inbox folder and merged again, through a path spelt otherwise, the rollup is
    the same and nothing is said of the file."""
    from datetime import date

    import zhenggai
    from builders import appendix1_rows, appendix2_rows, make_workbook
    from zhenggai import MergeOptions, Options

    inbox = tmp_path / "收件"
    rows = [[1, "问题1", "投入1万元，新建站点1个", "是", "2022-06-30", "张三", "谷城县商务局"]]
    make_workbook(inbox / "谷城县.xlsx", {"附件1": appendix1_rows(rows, county="谷城县"),
                                          "附件2": appendix2_rows(["谷城县", 1, 1, 0, 20, 0, 1, 2, 0, 3, 4, 1, None],
                                                                  county="谷城县")})
    opts = MergeOptions(validate=Options(as_of=date(2022, 7, 15)))
    first = zhenggai.merge([inbox], opts, inbox / "汇总.xlsx")
    again = zhenggai.merge([inbox], opts, tmp_path / "收件" / ".." / "收件" / "汇总.xlsx", force=True)
    assert [f.path for f in again.report.files] == [f.path for f in first.report.files] == ["谷城县.xlsx"]
    assert [c.county for c in again.rollup.counties] == ["谷城县"]


@pytest.mark.parametrize("child", ["none", "forked", "fails"])
def test_an_inbox_looked_at_on_two_cpus_is_the_inbox_looked_at_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    child: str) -> None:
    """intake.inbox.open_inbox(also=…): a forked child looks at the second half of the files
    (archive or not, and ``also``) while this process looks at the first; the same inbox with
    no child, and with a child that fails (its half looked at here)."""
    import zipfile

    from zhenggai.intake import inbox, second_cpu

    root = tmp_path / "收件"
    (root / "子目录").mkdir(parents=True)
    for i in range(7):
        (root / f"县{i}.xlsx").write_bytes(b"PK\x03\x04 broken")  # no archive: read (and refused) later
    (root / "子目录" / "县9.csv").write_text("a,b\n", encoding="utf-8")
    with zipfile.ZipFile(root / "打包.zip", "w") as zf:  # an archive: its members looked at as they come out
        zf.writestr("谷城县附件1.xlsx", b"x")
        zf.writestr("说明.txt", b"y")
    (root / "随便.txt").write_text("不是报送", encoding="utf-8")
    me = os.getpid()

    def also(p: Path) -> object:
        if child == "fails" and os.getpid() != me:
            raise RuntimeError("the child dies")
        return f"看过 {p.name}"

    monkeypatch.setattr(inbox, "LOOK_ASIDE_MIN", 2)
    monkeypatch.setattr(second_cpu, "available", lambda: child != "none")
    started: list[bool] = []
    real = second_cpu.start
    monkeypatch.setattr(second_cpu, "start", lambda compute: started.append(True) or real(compute))
    with inbox.open_inbox([root], relative=True, also=also) as box:
        got = ([box.display(p) for p in box.files], sorted(box.also.values()), [f.display for f in box.skipped],
               box.archives)
    assert started == ([] if child == "none" else [True])
    assert got == ([*(f"县{i}.xlsx" for i in range(7)), "子目录/县9.csv", "打包.zip › 谷城县附件1.xlsx"],
                   sorted(f"看过 {n}" for n in ["县9.csv", *(f"县{i}.xlsx" for i in range(7)), "谷城县附件1.xlsx"]),
                   ["随便.txt", "打包.zip › 说明.txt"], ["打包.zip"])
