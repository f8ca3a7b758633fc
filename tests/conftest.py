"""pytest's own configuration: fixtures, the skip hook, the hypothesis profile.

Workbooks and other inputs are built by ``builders.py``; the outside programs (the
zhenggai process, LibreOffice, Chromium) are driven by ``programs.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from programs import NEEDS, require, soffice_convert
from zhenggai.cli import i18n as cli_text

# Property tests replay nothing from earlier runs (no example database) and never fail on
# the clock (no deadline on a shared 2-core machine); derandomized so a failure reproduces.
settings.register_profile("zhenggai", database=None, deadline=None, derandomize=True)
settings.load_profile("zhenggai")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip, with the reason, a test whose marker names a program this machine lacks."""
    for marker, (present, reason) in NEEDS.items():
        if item.get_closest_marker(marker) is not None and not present():
            pytest.skip(reason)


@pytest.fixture
def runner() -> CliRunner:
    """Typer's CliRunner with the Chinese CLI texts installed."""
    cli_text.install()
    return CliRunner()


@pytest.fixture
def soffice() -> Callable[..., list[Path]]:
    """Convert files with LibreOffice: ``soffice(files, fmt, outdir)``; skips without it."""
    require("libreoffice")
    return soffice_convert
