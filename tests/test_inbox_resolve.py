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
