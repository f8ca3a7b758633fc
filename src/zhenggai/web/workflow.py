"""What the intake does with uploads: the county's current files, checks, submissions, exports.

A county's *current files* are its latest upload holding 附件1 and its latest holding
附件2 (one workbook may hold both), plus any later upload in which no table was found,
so the clerk sees why it was not taken. Replacing a file is always the clerk's own
action (uploading a newer one); the page names which file counts.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import IO, Any, Protocol

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
    """The stored check of a set of files, computed (and stored) when missing."""
    if not uploads:
        return {"files": []}
    key = _key(intake, county, uploads)
    found = intake.store.check(key)
    if found is not None:
        return found
    try:
        results = service.check(intake.settings, entries(intake, uploads, for_check=True))
    except Exception:  # noqa: BLE001 - see _check_alone; not cached, so it is tried again
        import traceback

        traceback.print_exc()
        return {"files": [], "errors": 0, "warnings": 0, "failed": True}
    by_id = {r.key: r for r in results}
    files: list[dict[str, Any]] = []
    for u in uploads:
        r = by_id.get(u.id)
        if r is None:
            continue
        findings, errors = r.findings, r.errors
        if r.county is not None and not service.same_county(r.county, county):
            # Counted as the county written inside, the rows would land under another
            # county in the rollup: never take it silently, whatever the clerk confirms.
            findings, errors = [service.not_this_county(r.county, county), *findings], errors + 1
        files.append({"upload": u.id, "name": u.original_name, "received_at": u.received_at, "kinds": r.kinds,
                      "errors": errors, "warnings": r.warnings, "county": r.county, "findings": findings,
                      "sheets": r.sheets})
    report: dict[str, Any] = {"files": files, "errors": sum(f["errors"] for f in files),
                              "warnings": sum(f["warnings"] for f in files)}
    intake.store.put_check(key, report)
    return report


def receive(intake: Intake, county: str, files: list[tuple[str, IO[bytes]]], client: str) -> list[Upload]:
    """Store uploads (acknowledged once this returns), then check each and the current set.

    Raises ValueError for a file over the size limit (nothing of it is kept).
    """
    from zhenggai.web.store import safe_suffix

    stored = []
    for name, stream in files:
        suffix = safe_suffix(name)
        digest, size = intake.store.put_blob(stream, suffix, intake.max_upload)
        stored.append(intake.store.add_upload(county, digest, suffix, size, name[:200], client))
    for u in stored:
        _check_alone(intake, u)
    check_of(intake, county, current_files(intake.store.uploads(county)))
    return stored


def _check_alone(intake: Intake, u: Upload) -> None:
    """Which tables one upload holds (checked alone; the set check pairs it with the others).

    The library reports data problems as findings; should it ever raise, the file is kept
    (it was acknowledged) and stays unchecked, to be tried again on the next page view,
    so one bad file cannot break the county's page for good.
    """
    try:
        r = service.check(intake.settings, entries(intake, [u], for_check=True), preview=False)
    except Exception:  # noqa: BLE001 - logged by the server
        import traceback

        traceback.print_exc()
        return
    intake.store.set_checked(u.id, r[0].kinds if r else [], r[0].errors if r else 0, r[0].warnings if r else 0)


def ensure_checked(intake: Intake, county: str) -> list[Upload]:
    """The county's uploads, checking any a crash left unchecked."""
    uploads = intake.store.uploads(county)
    for u in uploads:
        if u.kinds is None:
            _check_alone(intake, u)
    return intake.store.uploads(county)


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What pressing 提交 did."""

    ok: bool
    message: str


def submit(intake: Intake, county: str, confirmed: bool, client: str) -> SubmitOutcome:
    """Submit the county's current files to the prefecture."""
    uploads = ensure_checked(intake, county)
    current = [u for u in current_files(uploads) if u.kinds]
    if not current:
        return SubmitOutcome(False, "还没有可以提交的附件1或附件2，请先上传。")
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
    intake.store.add_submission(county, [u.id for u in current], report["errors"], report["warnings"], client)
    return SubmitOutcome(True, "已提交，市州审核后会在本页显示结果。")


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
    try:
        earlier = entries(intake, submission_files(intake, before), for_check=False) if before else None
        result = service.compare_submissions(st, county, earlier, entries(intake, now, for_check=False), label)
    except Exception:  # noqa: BLE001 - see _check_alone
        import traceback

        traceback.print_exc()
        return None
    intake.store.put_check(key, result)
    return result


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


def latest_sets(intake: Desk) -> dict[str, list[Upload]]:
    """Each county's latest submission, as files: what the rollup is built from."""
    out: dict[str, list[Upload]] = {}
    for county in intake.settings.counties:
        sub = latest_submission(intake, county)
        if sub is not None:
            out[county] = submission_files(intake, sub)
    return out


def _export_entries(intake: Desk) -> dict[str, list[Entry]]:
    return {c: entries(intake, us, for_check=False) for c, us in latest_sets(intake).items()}


def overview(intake: Intake) -> dict[str, dict[str, Any]]:
    """Per county: the rollup's numbers for its latest submission (cached per set of submissions)."""
    subs = [latest_submission(intake, c) for c in intake.settings.counties]
    key = "overview:" + ",".join(str(s.id) for s in subs if s is not None) + f":{_conditions(intake)}"
    found = intake.store.check(key)
    if found is not None:
        return found
    numbers = service.county_numbers(intake.settings, _export_entries(intake)) if any(subs) else {}
    intake.store.put_check(key, numbers)
    return numbers


def rollup_bytes(intake: Desk) -> bytes:
    """The rollup workbook, as ``zhenggai merge`` writes it from the export."""
    return service.rollup(intake.settings, _export_entries(intake))


def paper_bytes(intake: Desk, which: str) -> bytes:
    """督办清单.xlsx (``which`` "xlsx") or 情况报告.docx ("docx"): ``zhenggai report`` on the
    very rollup the page's 下载汇总表 gives, so the three downloads always agree."""
    from zhenggai.api.report import report

    with TemporaryDirectory(prefix="zhenggai-report-") as tmp:
        src = Path(tmp) / f"{intake.settings.prefecture or ''}汇总.xlsx"
        src.write_bytes(rollup_bytes(intake))
        result = report(src, Path(tmp) / "out")
        return (result.workbook if which == "xlsx" else result.document).read_bytes()


def export_zip(intake: Desk) -> bytes:
    """The export folder, zipped (UTF-8 names): unzip it and run the command in 说明.txt."""
    buf = io.BytesIO()
    with TemporaryDirectory(prefix="zhenggai-export-") as tmp:
        root = Path(tmp)
        service.write_export(intake.settings, _export_entries(intake), root)
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
    return service.write_export(intake.settings, _export_entries(intake), target)
