"""The pledges among a big table's measures, classified on two CPUs (issue 22).

Classifying the 整改措施 of a 100,000-row 附件1 is about a second of one CPU, a fifth of a
``validate``. Where a second CPU is idle, a forked child classifies half of the distinct texts
while this process classifies the other half; the child sends back only its pledges (kind and
words: a few bytes each, usually few). Everything else of the check stays in this process, in
row order, so the findings are the same, in the same order, as when each row is classified as
it is validated (rows.py ``_pledge_only``): the child runs the same ``classify``.

If the child cannot be started, dies, or sends something unreadable, this process classifies
its half as well: a slower run, never a different one.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Sequence

from zhenggai.checking.measures import Kind, Verdict, classify, warm

FORK_MIN = 20_000
"""Distinct measure texts from which a second CPU pays (a fork and its pipe cost ~20 ms)."""


def pledge_verdicts(texts: Sequence[str], fork: bool) -> dict[str, Verdict]:
    """The verdicts of the pledges among ``texts`` (distinct); every other text is no pledge."""
    half = len(texts) // 2
    pid, r = _start(texts[half:]) if fork else (-1, -1)
    mine = {t: v for t in (texts if pid < 0 else texts[:half]) if (v := classify(t)).pledge}
    if pid < 0:
        return mine
    theirs = _collect(pid, r, texts[half:])
    if theirs is None:  # the child failed: its half here
        theirs = {t: v for t in texts[half:] if (v := classify(t)).pledge}
    return mine | theirs


def _start(texts: Sequence[str]) -> tuple[int, int]:
    """Fork a child classifying ``texts``: (its pid, the pipe's read end), or (-1, -1)."""
    warm()  # the segmenter loaded once, before the fork, not in both processes
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return -1, -1
    if pid == 0:  # pragma: no cover - the child (its output is checked by the parent's tests)
        status = 1
        try:
            os.close(r)
            found = [(i, v.kind.value, v.words) for i, t in enumerate(texts) if (v := classify(t)).pledge]
            with os.fdopen(w, "wb") as f:
                pickle.dump(found, f, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no buffered output flushed twice
    os.close(w)
    return pid, r


def _collect(pid: int, r: int, texts: Sequence[str]) -> dict[str, Verdict] | None:
    """The child's pledges, or None when it did not finish cleanly."""
    with os.fdopen(r, "rb") as f:
        data = f.read()  # to EOF before waiting: a full pipe would block the child
    _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        return None
    with contextlib.suppress(Exception):
        found = pickle.loads(data)  # our own child's output, over our own pipe
        return {texts[i]: Verdict(Kind(kind), tuple(words)) for i, kind, words in found}
    return None
