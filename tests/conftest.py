"""Test factories: workbooks built in code, the CLI runner, and LibreOffice when present."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from zhenggai import cli_text
from zhenggai.schema import APPENDIX1, default_appendix2

Row = Sequence[Any]

A1_HEADERS = [c.header for c in APPENDIX1.columns]
A2_HEADERS = [c.header for c in default_appendix2().columns]


def make_workbook(
    path: Path,
    sheets: dict[str, list[Row]],
    *,
    merges: dict[str, list[str]] | None = None,
) -> Path:
    """Write a workbook with openpyxl: each sheet's rows start at A1 (None = empty cell)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def appendix1_rows(
    rows: list[Row],
    *,
    county: str | None = "谷城县",
    headers: Sequence[str] = A1_HEADERS,
    contact: str | None = "（联系人：张三  联系电话：13800138000）",
) -> list[Row]:
    """The official 附件1 layout as a clerk's file would have it, rows from Excel row 5."""
    out: list[Row] = [
        ["附件1"],
        ["示范县整改清单"],
        [f"{county or '**县（市、区）'}商务主管部门（盖章）"],
        list(headers),
        *rows,
    ]
    if contact is not None:
        out += [[], [contact]]
    return out


def appendix2_rows(
    values: Row,
    *,
    county: str | None = "谷城县",
    headers: Sequence[str] = A2_HEADERS,
    contact: str | None = "（联系人：张三  联系电话：0710-7223456）",
) -> list[Row]:
    """The official 附件2 layout with one county row at Excel row 5."""
    out: list[Row] = [
        ["附件2"],
        ["示范县专项整改成果统计表"],
        [f"{county or '**县（市、区）'}商务主管部门（盖章）"],
        list(headers),
        list(values),
    ]
    if contact is not None:
        out += [[], [contact]]
    return out


GOOD_ROWS: list[Row] = [
    [1, "县级电商公共服务中心停止运营", "县财政安排30万元购买服务，恢复运营，新增运营人员4人",
     "是", "2022-06-30", "李四", "县商务局"],
    [2, "快递企业整合不够", "新整合快递企业3家，新覆盖村12个", "否", "2022-12-31", "王五",
     "县邮政分公司"],
]
GOOD_A2: Row = ["谷城县", 2, 1, 1, 30, 0, 4, 3, 0, 5, 12, 2, None]


@pytest.fixture
def runner() -> CliRunner:
    """Typer's CliRunner with the Chinese CLI texts installed."""
    cli_text.install()
    return CliRunner()


def run_zhenggai(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "zhenggai", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def soffice() -> Callable[..., list[Path]]:
    """Convert files with LibreOffice: ``soffice(files, fmt, outdir)``; skips without it."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("需要 LibreOffice（soffice），本机没有安装")

    def convert(files: Sequence[Path], fmt: str, outdir: Path) -> list[Path]:
        outdir.mkdir(parents=True, exist_ok=True)
        profile = outdir / ".lo-profile"
        subprocess.run(
            [exe, f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)],
            capture_output=True, check=True, timeout=300,
        )
        ext = fmt.split(":")[0]
        return [outdir / f"{Path(f).stem}.{ext}" for f in files]

    return convert
