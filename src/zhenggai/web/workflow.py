"""What the intake does with uploads: the county's current files, checks, submissions, exports.

A county's *current files* are its latest upload holding 附件1 and its latest holding
附件2 (one workbook may hold both), plus any later upload in which no table was found,
so the clerk sees why it was not taken. Replacing a file is always the clerk's own
action (uploading a newer one); the page names which file counts.

What the rollup counts per county (:func:`counted`): its latest approved submission;
without one (or once the latest approval is withdrawn), its latest submission, marked
待审核 or 退回修改 in the 审核状态 column; an older approval never comes back.

Library work runs in the intake's worker pool (:mod:`zhenggai.web.pool`) under the
county's name, only when the store holds no result for it yet.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from zhenggai.web import service
from zhenggai.web.context import Intake
from zhenggai.web.service import Entry, Settings
from zhenggai.web.store import STATUS_APPROVED, STATUS_RETURNED, STATUS_SUBMITTED, Store, Submission, Upload


class Desk(Protocol):
    """What reading the store needs: the running app's Intake, or the command line's."""

    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> Settings: ...


STATUS_LABELS = {STATUS_SUBMITTED: "已报送，待审核", STATUS_RETURNED: "退回修改", STATUS_APPROVED: "已通过"}
# The rollup's 审核状态 column: what the prefecture decided about the submission counted.
REVIEW_LABELS = {STATUS_SUBMITTED: "待审核", STATUS_RETURNED: "退回修改", STATUS_APPROVED: "已通过"}
PREFECTURE_OWNER = "prefecture"
T = TypeVar("T")


def work(intake: Any, fn: Any, *args: Any) -> Any:
    """The library call of a job: behind the reader boundary when ``serve`` runs it."""
    pool = getattr(intake, "pool", None)
    return pool.run(fn, *args) if pool is not None else fn(*args)


def _checked(intake: Intake, group: list[Upload], county: str, preview: bool = True) -> list[service.FileCheck]:
    """The check of a set of files; a file whose reading ends its worker is unreadable (each
    file is then checked alone, so only that one is)."""
    from zhenggai.web.pool import WorkerDied

    files = entries(intake, group, for_check=True)
    try:
        result: list[service.FileCheck] = work(intake, service.check_job, intake.settings, files, preview, county)
        return result
    except WorkerDied as died:
        if len(files) == 1:
            return [service.crashed(files[0], str(died))]
    out = []
    for u in group:
        out += _checked(intake, [u], county, preview)
    return out


def pooled(intake: Any, owner: str, key: str, fn: Any) -> Any:
    """Run library work in the intake's pool (fair between counties); directly without one
    (the command line's ``--export``)."""
    pool = getattr(intake, "pool", None)
    return pool.call(owner, key, fn) if pool is not None else fn()


def current_files(uploads: list[Upload]) -> list[Upload]:
    """The county's current files (see the module docstring), oldest first."""
    latest: dict[str, Upload] = {}
    for u in uploads:
        for k in u.kinds or ():
            latest[k] = u
    chosen = {u.id: u for u in latest.values()}
    newest = max(chosen, default=0)
    for u in uploads:
        if u.id > newest and u.kinds is not None and not u.kinds:
            chosen[u.id] = u
    return [chosen[i] for i in sorted(chosen)]


def mixed_message(current: list[Upload]) -> str:
    """Why the current files cannot be submitted as they are ("" when they can).

    A current file that also holds a table a later upload replaced (a workbook with 附件1 and
    附件2, then a corrected 附件1 alone): the page says the later 附件1 counts, but the merge
    reads whole files and picks between two 附件1 by the time saved inside them, which may be
    the older one's. The web cannot hand over only part of a file, so the clerk is asked for
    a set in which each table is in one file.
    """
    latest: dict[str, int] = {}
    for u in current:
        for k in u.kinds or ():
            latest[k] = u.id
    parts, kept = [], []
    for u in current:
        kinds = [(k, label) for k, label in service.KIND_LABELS.items() if k in (u.kinds or ())]
        old = "、".join(label for k, label in kinds if latest[k] != u.id)
        if old:
            parts.append(f"“{u.original_name}”里也有{old}，已被后来上传的{old}替换")
            kept += [label for k, label in kinds if latest[k] == u.id]
    if not parts:
        return ""
    alone = f"，或把其中的{'、'.join(kept)}单独另存为一个文件上传" if kept else ""
    return ("；".join(parts) + "。汇总时不能只取一个文件的一部分，会按文件里保存的时间选用哪一份，可能与本页说的不同。"
            f"请上传一个同时含改好的附件1、附件2的工作簿{alone}，然后再提交。")


def _mtime(u: Upload) -> float:
    return datetime.fromisoformat(u.received_at).timestamp()


def entries(intake: Desk, uploads: list[Upload], *, for_check: bool) -> list[Entry]:
    """Stored files under safe names: "谷城县-上传12.xlsx" to check, "谷城县-附件1.xlsx" to export."""
    taken: set[str] = set()
    out = []
    for u in uploads:
        if for_check:
            name = f"{u.county}-上传{u.id}{u.suffix}"
        else:
            name = service.export_name(u.county, u.kinds or (), u.suffix, taken)
        out.append(Entry(u.id, intake.store.blob_path(u), name, _mtime(u)))
    return out


def _conditions(intake: Desk) -> str:
    """What a stored check depends on besides the files: the day (逾期), the deadline, the list."""
    st = intake.settings
    return f"{date.today().isoformat()}:{st.deadline.isoformat()}:{int(st.problems is not None)}"


def _key(intake: Desk, county: str, uploads: list[Upload]) -> str:
    return f"{county}:{','.join(str(u.id) for u in uploads)}:{_conditions(intake)}"


def check_of(intake: Intake, county: str, uploads: list[Upload]) -> dict[str, Any]:
    """The stored check of a set of files, computed (in the pool, and stored) when missing."""
    if not uploads:
        return {"files": []}
    key = _key(intake, county, uploads)
    found = intake.store.check(key)
    if found is not None:
        return found
    return dict(pooled(intake, county, key, lambda: _compute_check(intake, county, uploads, key)))


def _compute_check(intake: Intake, county: str, uploads: list[Upload], key: str) -> dict[str, Any]:
    found = intake.store.check(key)  # stored by a job that ran while this one waited
    if found is not None:
        return found
    try:
        results = _checked(intake, uploads, county)
    except Exception:  # noqa: BLE001 - see _check_alone; not cached, so it is tried again
        import traceback

        traceback.print_exc()
        return {"files": [], "errors": 0, "warnings": 0, "failed": True}
    return _store_report(intake, county, uploads, results, key)


def _store_report(intake: Intake, county: str, uploads: list[Upload], results: list[service.FileCheck],
                  key: str) -> dict[str, Any]:
    """The page's report of a set (findings listed up to a cap), stored with every finding."""
    by_id = {r.key: r for r in results}
    files: list[dict[str, Any]] = []
    packed: dict[int, bytes] = {}
    counts: dict[int, tuple[int, int]] = {}
    for u in uploads:
        r = by_id.get(u.id)
        if r is None:
            continue
        packed[u.id] = r.packed
        files.append({"upload": u.id, "name": u.original_name, "received_at": u.received_at, "kinds": r.kinds,
                      "errors": r.errors, "warnings": r.warnings, "county": r.county, "findings": r.findings,
                      "findings_total": r.total, "sheets": r.sheets})
        counts[u.id] = (r.errors, r.warnings)  # 上传记录 says what 检查结果 says
    report: dict[str, Any] = {"files": files, "errors": sum(f["errors"] for f in files),
                              "warnings": sum(f["warnings"] for f in files)}
    intake.store.put_report(key, report, packed, counts)
    return report


def findings_of(intake: Intake, county: str, group: list[Upload], upload_id: int) -> list[dict[str, Any]]:
    """Every finding of one file, as checked with ``group`` (the page lists the first ones)."""
    check_of(intake, county, group)
    return intake.store.all_findings(_key(intake, county, group), upload_id) or []


def receive(intake: Intake, county: str, files: list[tuple[str, IO[bytes]]], client: str) -> list[Upload]:
    """Store uploads (acknowledged once this returns), then check each and the current set.

    Raises UploadTooLarge for a file over the size limit (nothing of it is kept).
    """
    from zhenggai.web.store import clean_name, safe_suffix

    stored = []
    for name, stream in files:
        name = clean_name(name)
        suffix = safe_suffix(name)
        digest, size = intake.store.put_blob(stream, suffix, intake.max_upload)
        stored.append(intake.store.add_upload(county, digest, suffix, size, name, client))
    alone = {u.id: _check_alone(intake, u, preview=len(stored) == 1) for u in stored}
    current = current_files(intake.store.uploads(county))
    if len(stored) == 1 and [u.id for u in current] == [stored[0].id] and alone[stored[0].id] is not None:
        # The usual upload: one workbook holding both forms. Its check alone is the set's
        # check; reading it twice would double the wait of every county at the deadline.
        key = _key(intake, county, current)
        _store_report(intake, county, current, [alone[stored[0].id]], key)  # type: ignore[list-item]
    else:
        check_of(intake, county, current)
    return stored


def _check_alone(intake: Intake, u: Upload, *, preview: bool = False) -> service.FileCheck | None:
    """Which tables one upload holds (checked alone; the set check pairs it with the others).

    The library reports data problems as findings; should it ever raise, the file is kept
    (it was acknowledged) and stays unchecked, to be tried again on the next page view,
    so one bad file cannot break the county's page for good.
    """
    def run() -> service.FileCheck | None:
        try:
            r = _checked(intake, [u], u.county, preview)
        except Exception:  # noqa: BLE001 - logged by the server
            import traceback

            traceback.print_exc()
            return None
        fc = r[0] if r else service.FileCheck(u.id)
        intake.store.set_checked(u.id, fc.kinds, fc.errors, fc.warnings)
        return fc

    result: service.FileCheck | None = pooled(intake, u.county, f"alone:{u.id}:{int(preview)}", run)
    return result


def ensure_checked(intake: Intake, county: str) -> list[Upload]:
    """The county's uploads, checking any a crash left unchecked."""
    uploads = intake.store.uploads(county)
    if any(u.kinds is None for u in uploads):
        for u in uploads:
            if u.kinds is None:
                _check_alone(intake, u)
        uploads = intake.store.uploads(county)
    return uploads


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What pressing 提交 did."""

    ok: bool
    message: str


def submit(intake: Intake, county: str, confirmed: bool, client: str, partial: bool = False) -> SubmitOutcome:
    """Submit the county's current files to the prefecture.

    ``confirmed``: the clerk ticked "仍有错误，确认提交"; ``partial``: "只提交附件1（或附件2）".
    """
    uploads = ensure_checked(intake, county)
    current = [u for u in current_files(uploads) if u.kinds]
    if not current:
        return SubmitOutcome(False, "还没有可以提交的附件1或附件2，请先上传。")
    mixed = mixed_message(current)
    if mixed:
        return SubmitOutcome(False, mixed)
    report = check_of(intake, county, current)
    last = latest_submission(intake, county)
    if last is not None and list(last.upload_ids) == [u.id for u in current] and last.status != STATUS_RETURNED:
        return SubmitOutcome(False, "这些文件已经提交过了，请等待市州审核。")
    foreign = [f["name"] for f in report["files"]
               if any(x["code"] == "county-not-link" for x in f["findings"])]
    if foreign:
        return SubmitOutcome(False, f"“{'、'.join(foreign)}”里写的是另一个县（市、区），不能提交；请上传本县的表格。")
    if report["errors"] and not confirmed:
        return SubmitOutcome(False, f"还有 {report['errors']} 处错误。请改正后重新上传；"
                                    "如确需先提交，请勾选“仍有错误，确认提交”。")
    lacking = missing_kinds(current)
    if lacking and not partial:
        return SubmitOutcome(False, f"还没有上传{lacking}：通知要求附件1、附件2 都报。请上传后再提交；"
                                    f"如确需先提交已有的，请勾选“只提交已有的，{lacking}以后再报”。")
    again = counted(intake, county)[1] == REVIEW_LABELS[STATUS_APPROVED]
    intake.store.add_submission(county, [u.id for u in current], report["errors"], report["warnings"], client)
    return SubmitOutcome(True, "已提交，市州重新审核；审核通过前，汇总表仍用上次已通过的报送。" if again
                         else "已提交，市州审核后会在本页显示结果。")


def missing_kinds(current: list[Upload]) -> str:
    """"附件2" when the current files hold only 附件1 (and so on); "" when both are there."""
    have = {k for u in current for k in u.kinds or ()}
    return "、".join(label for kind, label in service.KIND_LABELS.items() if kind not in have)


def comparison_of(intake: Intake, county: str, now: list[Upload], before: Submission | None) -> dict[str, Any] | None:
    """与上次报送相比 for the files ``now``: against the earlier submission ``before``, else (the
    county's first) against last round's rollup when ``serve --previous`` gave one; None when
    there is nothing earlier. Cached like a check; a library crash leaves the section out
    (logged) rather than breaking the page.
    """
    st = intake.settings
    if not now or (before is None and st.previous is None):
        return None
    if before is not None:
        base, label = ",".join(str(i) for i in before.upload_ids), f"上次报送（{before.created_at}）"
    else:
        base, label = "previous", "上一轮汇总表"
    key = f"compare:{county}:{base}:{','.join(str(u.id) for u in now)}:{_conditions(intake)}"
    found = intake.store.check(key)
    if found is not None:
        return found
    def run() -> dict[str, Any] | None:
        try:
            earlier = entries(intake, submission_files(intake, before), for_check=False) if before else None
            result: dict[str, Any] = work(intake, service.compare_submissions, st, county, earlier,
                                          entries(intake, now, for_check=False), label)
        except Exception:  # noqa: BLE001 - see _check_alone
            import traceback

            traceback.print_exc()
            return None
        intake.store.put_check(key, result)
        return result

    found = pooled(intake, county, key, run)
    return dict(found) if found is not None else None


def earlier_submission(intake: Desk, county: str, upload_ids: list[int]) -> Submission | None:
    """The submission before the one holding ``upload_ids`` (the latest one when they are not
    submitted yet): what "上次报送" means for those files."""
    subs = intake.store.submissions(county)
    if subs and list(subs[-1].upload_ids) == upload_ids:
        subs = subs[:-1]
    return subs[-1] if subs else None


def latest_submission(intake: Desk, county: str) -> Submission | None:
    """The county's most recent submission."""
    subs = intake.store.submissions(county)
    return subs[-1] if subs else None


def submission_files(intake: Desk, sub: Submission) -> list[Upload]:
    """The uploads a submission holds."""
    found = [intake.store.upload(i) for i in sub.upload_ids]
    return [u for u in found if u is not None]


def counted(intake: Desk, county: str) -> tuple[Submission | None, str | None]:
    """The submission the rollup counts for a county, and its 审核状态: the latest approved one
    while its approval stands; else the latest submission (待审核 or 退回修改); (None, None)
    when none.

    "The latest approved" is the latest the prefecture ever approved: once a newer approval
    is withdrawn, an older approved submission never comes back, because its figures were
    replaced when the newer one was approved (the county then counts its latest submission,
    marked, until one is approved again).
    """
    subs = intake.store.submissions(county)
    if not subs:
        return None, None
    ever = intake.store.ever_approved(county)
    approved = [x for x in subs if x.id in ever or x.status == STATUS_APPROVED]
    chosen = approved[-1] if approved and approved[-1].status == STATUS_APPROVED else subs[-1]
    return chosen, REVIEW_LABELS[chosen.status]


def counted_sets(intake: Desk) -> tuple[dict[str, list[Upload]], dict[str, str]]:
    """What the rollup is built from: each county's counted submission as files, and 审核状态."""
    files: dict[str, list[Upload]] = {}
    reviews: dict[str, str] = {}
    for county in intake.settings.counties:
        sub, review = counted(intake, county)
        if sub is not None and review is not None:
            files[county] = submission_files(intake, sub)
            reviews[county] = review
    return files, reviews


def _export_entries(intake: Desk) -> tuple[dict[str, list[Entry]], dict[str, str]]:
    files, reviews = counted_sets(intake)
    return {c: entries(intake, us, for_check=False) for c, us in files.items()}, reviews


def _counted_key(intake: Desk) -> str:
    parts = []
    for c in intake.settings.counties:
        sub, review = counted(intake, c)
        if sub is not None:
            parts.append(f"{sub.id}{review}")
    return ",".join(parts)


def overview(intake: Intake) -> dict[str, dict[str, Any]]:
    """Per county: the rollup's numbers for what it counts (cached per set of counted submissions)."""
    key = f"overview:{_counted_key(intake)}:{_conditions(intake)}"
    found = intake.store.check(key)
    if found is not None:
        return found

    def run() -> dict[str, dict[str, Any]]:
        by_county, reviews = _export_entries(intake)
        numbers = work(intake, service.county_numbers, intake.settings, by_county, reviews) if by_county else {}
        intake.store.put_check(key, numbers)
        return numbers

    return dict(pooled(intake, PREFECTURE_OWNER, key, run))


def rollup_bytes(intake: Desk) -> bytes:
    """The rollup workbook, as ``zhenggai merge`` writes it from the export, with 审核状态."""
    def run() -> bytes:
        by_county, reviews = _export_entries(intake)
        data: bytes = work(intake, service.rollup, intake.settings, by_county, reviews)
        return data

    data: bytes = pooled(intake, PREFECTURE_OWNER, f"rollup:{_counted_key(intake)}", run)
    return data


def undecided(intake: Desk) -> list[tuple[str, str]]:
    """(county, 待审核 / 退回修改) for each county whose counted submission is not approved."""
    out = []
    for county in intake.settings.counties:
        _, review = counted(intake, county)
        if review is not None and review != REVIEW_LABELS[STATUS_APPROVED]:
            out.append((county, review))
    return out


def papers_wait(intake: Desk) -> str:
    """Why 督办清单 and 情况报告 cannot be made yet ("" when they can).

    The papers go to the province, and ``zhenggai report`` reads no 审核状态: a county counted
    only as 待审核 or 退回修改 would stand in them as 已报送, its figures in the rate. Leaving
    it out instead would make the paper say 未报送, which is not true either. So the papers
    wait until every county that submitted is approved; the rollup (marked) is there now.
    """
    waiting = undecided(intake)
    if not waiting:
        return ""
    names = "、".join(f"{c}（{r}）" for c, r in waiting)
    unsent = [c for c in intake.settings.counties if counted(intake, c)[0] is None]
    return (f"督办清单和情况报告要报上级，其中的数字须是审核通过的报送。还有 {len(waiting)} 个县（市、区）"
            f"的报送没有通过审核：{names}。请先审核；退回修改的县重新提交并通过后即可下载。"
            + (f"尚未提交的{'、'.join(unsent)}在报告中列为未报送。" if unsent else "")
            + "汇总表现在就可以下载，其“审核状态”一列标明了这些县。")


def paper_bytes(intake: Desk, which: str) -> bytes:
    """督办清单.xlsx (``which`` "xlsx") or 情况报告.docx ("docx"): ``zhenggai report`` on the
    very rollup the page's 下载汇总表 gives, so the three downloads always agree; only once
    every submission counted is approved (:func:`papers_wait`, which the caller shows)."""
    from zhenggai.api.report import report
    from zhenggai.core.errors import InputError

    waiting = papers_wait(intake)
    if waiting:
        raise InputError(waiting)
    with intake.settings.temp("zhenggai-report-") as tmp:
        src = Path(tmp) / f"{intake.settings.prefecture or ''}汇总.xlsx"
        src.write_bytes(rollup_bytes(intake))
        result = report(src, Path(tmp) / "out")
        return (result.workbook if which == "xlsx" else result.document).read_bytes()


def export_zip(intake: Desk) -> bytes:
    """The export folder, zipped (UTF-8 names): unzip it and run the command in 说明.txt."""
    buf = io.BytesIO()
    with intake.settings.temp("zhenggai-export-") as tmp:
        root = Path(tmp)
        by_county, reviews = _export_entries(intake)
        service.write_export(intake.settings, by_county, root, reviews)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(root.rglob("*")):
                if p.is_file():
                    info = zipfile.ZipInfo.from_file(p, p.relative_to(root).as_posix())
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, p.read_bytes())
    return buf.getvalue()


def export_to(intake: Desk, target: Path) -> Path:
    """The export written into ``target`` (``zhenggai serve 收件库/ --export 目录``); the folder it made."""
    from zhenggai.core.errors import InputError

    folder = target / service.export_folder_name(intake.settings)
    if folder.exists():
        raise InputError(f"{folder} 已存在，请换一个文件夹或先删除它")
    by_county, reviews = _export_entries(intake)
    return service.write_export(intake.settings, by_county, target, reviews)
