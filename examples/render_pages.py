"""Render the printed pages the README shows: LibreOffice → PDF → PNG, from our own outputs.

    .venv/bin/python examples/render_pages.py

Writes into examples/: the shipped rollup's first two pages (汇总概览, 整改清单汇总), 谷城县's
pre-filled 附件1 and its 附件2 as init-county writes them from the feedback list, and the
findings sheet of an annotated copy of 谷城县's reply, and page 1 of the 情况报告 and the
督办清单 that ``zhenggai report`` writes from the second-round rollup. Needs soffice and pdftoppm.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZHENGGAI = [sys.executable, "-m", "zhenggai"]


def pdf(src: Path, out: Path) -> Path:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise SystemExit("需要 LibreOffice（soffice）")
    subprocess.run([exe, f"-env:UserInstallation=file://{out / '.lo'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(src)], check=True, capture_output=True, timeout=300)
    return out / f"{src.stem}.pdf"


def png(pdf_path: Path, page: int, target: Path) -> None:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf_path), str(stem)], check=True, timeout=120)
    print(f"已生成 {target.relative_to(HERE.parent)}")


def page_with(pdf_path: Path, text: str) -> int:
    """The first page (1-based) whose text holds ``text``."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    for i, page in enumerate(out.split("\f"), start=1):
        if text in page:
            return i
    raise SystemExit(f"{pdf_path.name} 中没有“{text}”")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        rollup = pdf(HERE / "襄阳市汇总.xlsx", tmp)
        for title, name in (("专项整改清单汇总表", "整改清单汇总"), ("专项整改成果统计汇总表", "成果统计汇总"),
                            ("专项整改进展汇总表", "汇总概览"), ("汇总核对底稿", "核对底稿")):
            png(rollup, page_with(rollup, title), HERE / f"襄阳市汇总-{name}.png")
        second = pdf(HERE / "襄阳市汇总-第二轮.xlsx", tmp)
        png(second, page_with(second, "专项整改进展对比"), HERE / "襄阳市汇总-第二轮-进展对比.png")
        forms = tmp / "下发"
        subprocess.run([*ZHENGGAI, "init-county", "--problems", str(HERE / "反馈问题清单.xlsx"), "--county", "谷城县",
                        "--prefecture", "襄阳市", "-o", str(forms)], check=True, capture_output=True)
        a1, a2 = sorted(forms.glob("*.xlsx"))
        png(pdf(a1, tmp), 1, HERE / "谷城县-附件1-预填.png")
        png(pdf(a2, tmp), 1, HERE / "谷城县-附件2.png")
        marked = tmp / "标注"
        subprocess.run([*ZHENGGAI, "validate", str(HERE / "襄阳市收件" / "谷城县 附件1（7月8日修改）.xlsx"),
                        "--as-of", "2022-07-15",
                        "--annotate", str(marked)], check=False, capture_output=True)
        copy = next(marked.glob("*.xlsx"))
        copy_pdf = pdf(copy, tmp)
        pages = subprocess.run(["pdfinfo", str(copy_pdf)], capture_output=True, text=True, check=True).stdout
        last = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")))
        png(copy_pdf, last, HERE / "谷城县-标注副本-校验问题.png")
        papers = tmp / "报告"  # zhenggai report on the shipped second round: the 情况报告 and 督办清单
        subprocess.run([*ZHENGGAI, "report", str(HERE / "襄阳市汇总-第二轮.xlsx"), "-o", str(papers)], check=True,
                       capture_output=True)
        png(pdf(papers / "情况报告.docx", tmp), 1, HERE / "襄阳市情况报告-第1页.png")
        png(pdf(papers / "督办清单.xlsx", tmp), 1, HERE / "襄阳市督办清单.png")


if __name__ == "__main__":
    main()
