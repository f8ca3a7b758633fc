"""core/codes.py (the finding codes as a Literal for mypy) is generated from the catalogue."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from zhenggai.core.findings import CATALOGUE

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gen_codes.py"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_codes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_codes_module_is_current() -> None:
    gen = _generator()
    assert gen.TARGET.read_text(encoding="utf-8") == gen.render(), (
        "core/codes.py is stale: run PYTHONPATH=src python scripts/gen_codes.py")


def test_every_catalogue_code_is_in_the_literal() -> None:
    from typing import get_args

    from zhenggai.core.codes import FindingCode

    assert list(get_args(FindingCode)) == list(CATALOGUE)
