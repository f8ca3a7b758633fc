"""The public API (``import zhenggai``): one calling convention, frozen results, DataFrames.

Also runs every ``python`` block of the README's 作为库使用 section, in a folder holding
a copy of ``examples/``, so the documented API cannot drift from the real one.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import zhenggai
from builders import appendix1_rows, appendix2_rows, make_workbook

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2022, 7, 15)
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _library_blocks() -> list[str]:
    section = README.split("## 作为库使用", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_library_section_runs(examples: Path) -> None:
    blocks = _library_blocks()
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    assert (examples / "襄阳市汇总.xlsx").is_file()
    assert sorted(p.name for p in (examples / "下发").iterdir()) == [
        "谷城县-附件1-示范县整改清单.xlsx", "谷城县-附件2-示范县专项整改成果统计表.xlsx"]


def test_the_one_liner_of_the_issue_works_in_a_fresh_interpreter() -> None:
    code = "import zhenggai; r = zhenggai.validate(['examples/襄阳市收件']); print(r.errors, len(r.files))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    errors, files = map(int, proc.stdout.split())
    assert errors > 0 and files >= 6


def test_validate_equals_the_cli_json(examples: Path) -> None:
    from typer.testing import CliRunner

    from zhenggai.cli.app import app

    r = zhenggai.validate("examples/襄阳市收件", zhenggai.Options(as_of=AS_OF))
    out = CliRunner().invoke(app, ["validate", "examples/襄阳市收件", "--as-of", "2022-07-15", "--format", "json"])
    assert json.loads(out.stdout) == r.report.to_dict()
    assert r.errors == r.report.errors > 0 and not r.ok
    assert [f.code for f in r.findings()] == [f["code"] for fr in json.loads(out.stdout)["files"]
                                              for f in fr["findings"]]


def test_results_are_frozen(examples: Path) -> None:
    r = zhenggai.validate(["examples/襄阳市收件"], zhenggai.Options(as_of=AS_OF))
    m = zhenggai.merge(["examples/襄阳市收件"], zhenggai.MergeOptions(validate=zhenggai.Options(as_of=AS_OF)))
    for obj, attr in ((r, "report"), (m, "output"), (m, "rollup"), (zhenggai.Options(), "as_of")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, attr, None)
    assert m.output is None and not list(examples.glob("*.xlsx"))  # no output: nothing written


def test_public_functions_survive_importing_the_modules() -> None:
    import zhenggai.api
    import zhenggai.api.pipeline
    import zhenggai.checking.files
    import zhenggai.rollup.county

    assert zhenggai.validate is zhenggai.api.validate
    assert zhenggai.merge is zhenggai.api.merge
    assert set(zhenggai.__all__) <= set(dir(zhenggai))
    for name in zhenggai.__all__:
        assert getattr(zhenggai, name) is not None
    with pytest.raises(AttributeError):
        _ = zhenggai.no_such_name  # type: ignore[attr-defined]


def test_missing_path_is_a_fatal_error_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(zhenggai.FatalError, match="找不到"):
        zhenggai.validate(tmp_path / "没有这个文件夹")
    with pytest.raises(zhenggai.FatalError, match="找不到反馈问题清单"):
        zhenggai.validate(tmp_path, problems=tmp_path / "清单.xlsx")


def test_read_rollup_refuses_a_county_reply(tmp_path: Path) -> None:
    reply = make_workbook(tmp_path / "谷城县.xlsx", {"附件1": appendix1_rows([])})
    with pytest.raises(zhenggai.FatalError, match="不是 zhenggai 生成的汇总表"):
        zhenggai.read_rollup(reply)


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "收件"
    rows = [
        [1, "服务中心停运", "已恢复运营", "是", date(2022, 6, 30), "张三", "县商务局"],
        [2, "快递整合不够", "正在整合", "否", "长期坚持", "李四", "县商务局"],
    ]
    make_workbook(inbox / "谷城县-附件1.xlsx", {"附件1": appendix1_rows(rows)})
    make_workbook(inbox / "谷城县-附件2.xlsx",
                  {"附件2": appendix2_rows(["谷城县", 2, 1, 1, "三十多万", 0, 1, 0, 0, 0, 0, 0, ""])})
    make_workbook(inbox / "保康县-附件1.xlsx", {"附件1": appendix1_rows(rows[:1], county="保康县")})
    return inbox


def test_frames_are_typed_and_mark_what_could_not_be_read(tmp_path: Path) -> None:
    m = zhenggai.merge(_inbox(tmp_path), zhenggai.MergeOptions(validate=zhenggai.Options(as_of=AS_OF)),
                       tmp_path / "汇总.xlsx")
    counties, items, stats, findings = m.frames()
    assert counties.set_index("county")["status"].to_dict() == {"保康县": "no-appendix2", "谷城县": "submitted"}
    assert str(counties["status"].dtype) == "category" and str(counties["total"].dtype) == "Int64"
    assert counties.set_index("county")["rate"].to_dict() == {"保康县": 1.0, "谷城县": 0.5}

    gucheng = items[items["county"] == "谷城县"].reset_index(drop=True)
    assert gucheng["done"].tolist() == [True, False] and str(items["done"].dtype) == "boolean"
    assert gucheng["deadline"][0] == pd.Timestamp(2022, 6, 30)
    assert pd.isna(gucheng["deadline"][1]) and gucheng["errors"][1] > 0  # 长期坚持: NA, and marked
    assert str(items["deadline"].dtype) == "datetime64[ns]" and str(items["seq"].dtype) == "Int64"

    row = stats.set_index("county").loc["谷城县"]
    assert pd.isna(row["county_funds"]) and row["unreadable"] == "county_funds"  # 三十多万: NA, never 0
    assert row["total"] == 2 and str(stats["total"].dtype) == "Int64"  # a count; amounts are Float64
    assert {"file", "cell", "code", "severity"} <= set(findings.columns)
    assert ("E6", "date-invalid") in set(zip(findings["cell"], findings["code"], strict=True))


def test_read_rollup_gives_back_what_merge_wrote(tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    m = zhenggai.merge([_inbox(tmp_path)], zhenggai.MergeOptions(validate=zhenggai.Options(as_of=AS_OF),
                                                                 prefecture="襄阳市"), out)
    back = zhenggai.read_rollup(out)
    assert back.prefecture == "襄阳市" and back.as_of == AS_OF and not back.province
    assert [(c.county, c.status, c.total, c.done) for c in back.counties] == [
        (c.county, c.status, c.total, c.done) for c in m.rollup.counties]
    a, b = m.frames(), back.frames()
    keep = ["county", "seq", "problem", "done", "deadline", "errors"]
    pd.testing.assert_frame_equal(a.items[keep], b.items[keep])
    nums = ["county", "total", "done", "open", "staff_added"]
    pd.testing.assert_frame_equal(a.stats[nums], b.stats[nums])
    assert sorted(b.findings["code"]) == sorted(a.findings["code"])
