"""The public API: ``zhenggai.validate``, ``zhenggai.merge`` and ``zhenggai.read_rollup``.

One calling convention: ``function(paths, options=None, ...)``, where ``paths`` is one
path or a list of files and folders (str or ``Path``), ``options`` the run's options
dataclass, and everything else keyword-only. Results are frozen dataclasses; data
problems are findings in the result, never exceptions. Only a run that cannot produce
a result at all raises ``zhenggai.FatalError`` (Chinese message). Nothing prints.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Union

from zhenggai.core.results import Options, ProgressCallback, ValidationResult

if TYPE_CHECKING:
    # Named for annotations only: ``validate`` never needs the rollup's model (~7 ms to
    # import: a dozen dataclasses); merge and read_rollup import it when they run.
    from zhenggai.forms.feedback_list import FeedbackList
    from zhenggai.rollup.model import MergeOptions, MergeResult, Rollup

PathLike = Union[str, os.PathLike]  # type: ignore[type-arg]  # noqa: UP007 - a runtime alias on Python 3.10
Paths = Union[PathLike, Iterable[PathLike]]  # noqa: UP007


def _paths(paths: Paths) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        return [Path(paths)]
    return [Path(p) for p in paths]


def validate(
    paths: Paths,
    options: Options | None = None,
    *,
    problems: PathLike | FeedbackList | None = None,
    on_progress: ProgressCallback | None = None,
) -> ValidationResult:
    """Check county replies (files or folders): every finding names the cell to change.

    ``problems``: the province's feedback list (.xlsx/.xls); every county's 附件1 is then
    also checked to answer each of its feedback problems.

    Members of .zip archives are extracted to a temporary folder until the result is
    closed: ``with zhenggai.validate(...) as result:`` (or ``result.close()``).
    """
    from zhenggai.checking.files import validate_inbox

    feedback = _feedback(problems)
    report, files, box = validate_inbox(_paths(paths), options or Options(), on_progress, feedback=feedback)
    return ValidationResult(report, tuple(files), box.close)


def merge(
    paths: Paths,
    options: MergeOptions | None = None,
    output: PathLike | None = None,
    *,
    problems: PathLike | FeedbackList | None = None,
    force: bool = False,
    strict: bool = False,
    on_progress: ProgressCallback | None = None,
) -> MergeResult:
    """County replies → a prefecture rollup; prefecture rollups → a province rollup.

    With ``output`` the rollup workbook is written there (``force`` overwrites;
    ``strict`` writes nothing when there is any error or warning); without, the rollup
    is only returned. ``problems``: the province's feedback list, as for ``validate``
    (its counties are then the counties expected to answer).
    """
    from zhenggai.api.pipeline import run_merge as run
    from zhenggai.rollup.model import MergeOptions

    out = Path(output) if output is not None else None
    opts = options or MergeOptions()
    if problems is not None:
        opts = replace(opts, feedback=_feedback(problems))
    return run(_paths(paths), out, opts, force=force, strict=strict,
               write=out is not None, on_progress=on_progress)


def read_rollup(path: PathLike, options: MergeOptions | None = None) -> Rollup:
    """A rollup workbook zhenggai wrote, read back (``.frames()`` gives DataFrames)."""
    from zhenggai.rollup.province import read_rollup as run

    return run(Path(path), options)


def _feedback(problems: PathLike | FeedbackList | None) -> FeedbackList | None:
    if problems is None:
        return None  # most runs: without the feedback list's modules (~2 ms to import)
    from zhenggai.core.errors import InputError
    from zhenggai.forms.feedback_list import FeedbackList
    from zhenggai.forms.feedback_reader import read_feedback_list

    if isinstance(problems, FeedbackList):
        return problems
    path = Path(problems)
    if not path.is_file():
        raise InputError(f"找不到反馈问题清单：{path}")
    return read_feedback_list(path)
