"""The outside programs tests drive: the zhenggai process itself, LibreOffice, poppler, Chromium.

A test that needs LibreOffice Calc (marker ``libreoffice``), LibreOffice Writer
(``writer``), Chromium (``chromium``), poppler or a Chinese font skips with a reason when
this machine lacks it (``require``; conftest's hook does it for markers), so the README's
test command passes on any machine; ``.ci/run`` installs them all, so CI runs every test.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here


@functools.cache
def soffice_exe() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@functools.cache
def office_module(name: str) -> bool:
    """Whether LibreOffice's ``sc`` (Calc) or ``sw`` (Writer) library is installed: Debian
    splits them into libreoffice-calc-nogui and libreoffice-writer-nogui, and ``soffice``
    runs with either, failing only when asked to open the other's files."""
    exe = soffice_exe()
    if exe is None:
        return False
    program = Path(os.path.realpath(exe)).parent
    return any(program.glob(f"*{name}lo.*")) or any(program.glob(f"{name}lo*"))


def have_chromium() -> bool:
    return os.access(CHROMIUM, os.X_OK)


@functools.cache
def have_cjk_font() -> bool:
    """A Chinese font for LibreOffice's page layout: without one, page counts mean nothing."""
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False,
                         timeout=60).stdout
    return bool(out.strip())


NEEDS: dict[str, tuple[Callable[[], bool], str]] = {
    "libreoffice": (lambda: office_module("sc"), "需要 LibreOffice Calc（soffice），本机没有安装"),
    "writer": (lambda: office_module("sw"), "需要 LibreOffice Writer（soffice），本机没有安装"),
    "chromium": (have_chromium, f"需要 Chromium（{CHROMIUM}），本机没有安装"),
}


def require(marker: str) -> None:
    """Skip the running test unless the program behind ``marker`` is installed."""
    present, reason = NEEDS[marker]
    if not present():
        pytest.skip(reason)


def run_zhenggai(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess (this tree's source, also from another ``cwd``)."""
    env = dict(os.environ)
    if env.get("PYTHONPATH"):
        # PYTHONPATH=src is relative: from another cwd the child would import the editable install
        # (another tree's source) and compare it with this one.
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep) if p)
    return subprocess.run(
        [sys.executable, "-m", "zhenggai", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def soffice_convert(files: Sequence[Path], fmt: str, outdir: Path) -> list[Path]:
    """The ``soffice`` fixture's conversion, usable from module- or session-scoped fixtures."""
    word = {".docx", ".doc", ".odt", ".wps", ".rtf"}
    require("writer" if any(Path(f).suffix.lower() in word for f in files) else "libreoffice")
    exe = soffice_exe()
    assert exe is not None
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"
    subprocess.run(
        # as_uri() percent-encodes: a raw 张三 in the file URL is not a valid profile URL.
        [exe, f"-env:UserInstallation={profile.absolute().as_uri()}", "--headless",
         "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)],
        capture_output=True, check=True, timeout=300,
    )
    ext = fmt.split(":")[0]
    return [outdir / f"{Path(f).stem}.{ext}" for f in files]


def pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page of a PDF, read with poppler's pdfinfo."""
    import re

    if shutil.which("pdfinfo") is None:
        pytest.skip("需要 poppler（pdfinfo），本机没有安装")
    if not have_cjk_font():
        pytest.skip("需要中文字体（如 fonts-noto-cjk）：没有它，LibreOffice 排出的页数不可比")
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out, re.M)]
