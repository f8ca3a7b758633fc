"""Request handlers: find whose link it is, call one workflow function, render a template.

Every page and file is reached through a link's secret; a wrong, rotated or foreign
link, or an id belonging to another county, gets the same plain 404 page.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from zhenggai.web import service, workflow
from zhenggai.web.context import Intake
from zhenggai.web.security import HEADERS, PREFECTURE, county_subject
from zhenggai.web.store import STATUS_APPROVED, STATUS_RETURNED, UploadTooLarge

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_FILES = 5  # 附件1, 附件2, and a few spares: a clerk never sends more at once
MAX_NOTE = 2000


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _county(request: Request) -> tuple[Intake, str]:
    """The county whose link this is, or 404 (the same page for any wrong link)."""
    intake = _intake(request)
    subject = intake.links.resolve(request.path_params["token"])
    if subject is None or subject == PREFECTURE:
        raise HTTPException(404)
    county = subject.removeprefix("county:")
    if county not in intake.settings.counties:
        raise HTTPException(404)
    return intake, county


def _prefecture(request: Request) -> Intake:
    intake = _intake(request)
    if intake.links.resolve(request.path_params["token"]) != PREFECTURE:
        raise HTTPException(404)
    return intake


MAX_ID = 2**62  # SQLite integers are 64-bit: a longer id is no row (not an OverflowError)


def _int(request: Request, name: str) -> int:
    value = request.path_params[name]
    if not isinstance(value, int) or not 0 <= value < MAX_ID:
        raise HTTPException(404)
    return value


def download(name: str, data: bytes, media_type: str = "application/octet-stream") -> Response:
    """A file download; the name is percent-encoded (RFC 5987, "/" too), never used as a path."""
    ascii_name = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in ".-_" else "_" for ch in name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(data, media_type=media_type, headers={"content-disposition": disposition})


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render a template."""
    intake = _intake(request)
    context.setdefault("prefecture", intake.settings.prefecture or "")
    return intake.templates.TemplateResponse(request, name, context, status_code=status_code)


async def home(request: Request) -> Response:
    """The bare address: tells a visitor to use their own link."""
    return page(request, "message.html", title="网上报送", message="请使用市州商务主管部门发给您的专用链接打开本系统。")


def back_link(intake: Intake, path: str) -> str:
    """Where 返回 leads from ``path``: the page of the link in it when the link is valid; else
    the start page (a wrong link gets no way in, only the same 404 page)."""
    m = re.match(r"^/([cp])/([^/]+)/", path)
    if m is None:
        return "/"
    try:
        subject = intake.links.resolve(m.group(2))
    except Exception:  # noqa: BLE001 - an error page must not fail on its way-back link
        return "/"
    if subject is None or (m.group(1) == "p") != (subject == PREFECTURE):
        return "/"
    return m.group(0)


def plain_page(intake: Intake, status: int, title: str, message: str, path: str) -> bytes:
    """A message page in the site's layout, for responses made before any route runs (the
    middleware's 403 and 413)."""
    html = intake.templates.get_template("message.html").render(
        title=title, message=message, back=back_link(intake, path), prefecture=intake.settings.prefecture or "")
    return html.encode("utf-8")


async def not_found(request: Request, exc: Exception) -> Response:
    """One page for every wrong address or link: it says nothing about what exists."""
    return page(request, "message.html", 404, title="找不到页面",
                message="链接不正确或已失效。请使用市州商务主管部门最新发给您的链接。",
                back=back_link(_intake(request), request.url.path))


async def bad_request(request: Request, exc: Exception) -> Response:
    """A malformed upload (too many files, a broken form) in Chinese, not the framework's English."""
    detail = str(getattr(exc, "detail", ""))
    if "Too many files" in detail:
        message = f"一次最多上传 {MAX_FILES} 个文件，请少选几个后再试。"
    elif "Too many fields" in detail:
        message = "表单内容太多，无法处理。请回到页面重新操作。"
    else:
        message = "上传的内容无法处理（可能是网络中断或浏览器出错）。请回到页面重新选择文件后再试。"
    return page(request, "message.html", 400, title="无法处理的请求", message=message,
                back=back_link(_intake(request), request.url.path))


async def server_error(request: Request, exc: Exception) -> Response:
    """A clerk never sees a traceback. The error page comes from outside the middleware that
    adds the security headers, so it carries them itself."""
    response = page(request, "message.html", 500, title="出错了",
                    message="系统内部出错，请稍后再试；如果一直出现，请联系市州商务主管部门。",
                    back=back_link(_intake(request), request.url.path))
    for k, v in HEADERS:
        response.headers[k.decode()] = v.decode()
    return response


# --- county ------------------------------------------------------------------------------


def _county_context(intake: Intake, county: str) -> dict[str, Any]:
    uploads = workflow.ensure_checked(intake, county)
    current = workflow.current_files(uploads)
    check = workflow.check_of(intake, county, current)
    subs = intake.store.submissions(county)
    last = subs[-1] if subs else None
    files = [u for u in current if u.kinds]
    submitted = last is not None and list(last.upload_ids) == [u.id for u in files]
    by_id = {u.id: u for u in uploads}
    # Another county's file cannot be submitted (county-not-link): comparing it would only say
    # that this county's items are gone.
    foreign = any(x["code"] == "county-not-link" for f in check.get("files", []) for x in f["findings"])
    compared = None if foreign else workflow.comparison_of(
        intake, county, files, workflow.earlier_submission(intake, county, [u.id for u in files]))
    counted, review = workflow.counted(intake, county)
    return {"compared": compared,
        "county": county, "check": check, "uploads": list(reversed(uploads)), "last": last,
        "submissions": list(reversed(subs)), "submitted": submitted, "labels": workflow.STATUS_LABELS,
        "kind_labels": service.KIND_LABELS, "by_id": by_id,
        "can_submit": any(u.kinds for u in current) and not (submitted and last is not None
                                                             and last.status != STATUS_RETURNED),
        "max_mb": intake.max_upload // (1024 * 1024), "has_problems": intake.settings.problems is not None,
        "unchecked": [u for u in uploads if u.kinds is None], "missing": workflow.missing_kinds(files),
        # approved, and newer files uploaded since: submitting them starts the review again
        "rereview": counted is not None and review == "已通过" and bool(files) and not submitted,
        "counted": counted, "mixed": workflow.mixed_message(files),
    }


async def county_page(request: Request) -> Response:
    """The county's page: forms, upload, findings and sheet, submit, history, decision."""
    intake, county = _county(request)
    context = await run_in_threadpool(_county_context, intake, county)
    return page(request, "county.html", token=request.path_params["token"], **_notice(request), **context)


def _notice(request: Request) -> dict[str, Any]:
    """The message after an action, and the section it belongs in (shown there, in view)."""
    at = request.query_params.get("at", "")
    return {"notice": request.query_params.get("msg", "")[:300],
            "notice_at": at if at in ("status", "upload", "submit", "check", "decide") else ""}


async def county_form(request: Request) -> Response:
    """Download the county's pre-filled 附件1 (which=1) or 附件2 (which=2)."""
    intake, county = _county(request)
    which = _int(request, "which")
    if which not in (1, 2):
        raise HTTPException(404)
    forms = await run_in_threadpool(service.county_forms, intake.settings, county)
    name, data = forms[which - 1]
    return download(name, data, XLSX)


def _back(request: Request, msg: str = "", at: str = "check", done: str = "") -> Response:
    """Back to the county's page. A message is shown inside the section ``at`` and the page
    scrolls to it (#notice), so the clerk sees it where they were looking."""
    url = f"/c/{request.path_params['token']}/"
    if msg:
        return RedirectResponse(f"{url}?msg={quote(msg)}&at={at}#notice", status_code=303)
    if done:
        url += f"?done={done}"  # a new address each time, so the browser shows the new result
    return RedirectResponse(f"{url}#{at}", status_code=303)


async def county_upload(request: Request) -> Response:
    """Store the uploaded files, check them, and show the page with the findings."""
    intake, county = _county(request)
    if not intake.limiter.allow(county_subject(county)):
        return page(request, "message.html", 429, title="上传太频繁",
                    message="上传太频繁，请一分钟后再试。", back=f"/c/{request.path_params['token']}/")
    async with request.form(max_files=MAX_FILES, max_fields=10) as form:
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        if not files:
            return _back(request, "请先选择要上传的文件。", "upload")
        try:
            stored = await run_in_threadpool(workflow.receive, intake, county,
                                             [(f.filename or "", f.file) for f in files], _client(request))
        except UploadTooLarge:
            return page(request, "message.html", 413, title="文件太大",
                        message=f"文件太大：每个文件不能超过 {intake.max_upload // (1024 * 1024)} MB。",
                        back=f"/c/{request.path_params['token']}/")
    return _back(request, done="-".join(str(u.id) for u in stored))


async def county_submit(request: Request) -> Response:
    """Submit the current files to the prefecture."""
    intake, county = _county(request)
    if not intake.limiter.allow(county_subject(county)):
        return page(request, "message.html", 429, title="操作太频繁", message="操作太频繁，请一分钟后再试。",
                    back=f"/c/{request.path_params['token']}/")
    async with request.form(max_files=0, max_fields=10) as form:
        confirmed = form.get("confirm") == "1"
        partial = form.get("partial") == "1"
    outcome = await run_in_threadpool(workflow.submit, intake, county, confirmed, _client(request), partial)
    return _back(request, outcome.message, "submit" if not outcome.ok else "status")


def _own_upload(intake: Intake, county: str, upload_id: int) -> Any:
    u = intake.store.upload(upload_id)
    if u is None or u.county != county:
        raise HTTPException(404)  # another county's file looks exactly like a missing one
    return u


async def county_annotated(request: Request) -> Response:
    """The annotated copy of one of the county's current files."""
    intake, county = _county(request)
    u = _own_upload(intake, county, _int(request, "upload"))
    return await _annotated(intake, county, u)


def _group(intake: Intake, county: str, u: Any) -> list[Any]:
    """The files ``u`` was checked with: its submission's, else the county's current set."""
    uploads = workflow.ensure_checked(intake, county)
    group = workflow.current_files(uploads)
    for s in intake.store.submissions(county):
        if u.id in s.upload_ids:
            group = workflow.submission_files(intake, s)
    return group if u.id in [g.id for g in group] else [u]


async def _annotated(intake: Intake, county: str, u: Any) -> Response:
    def build() -> tuple[str, bytes] | None:
        group = _group(intake, county, u)
        key = f"annotate:{u.id}:{','.join(str(g.id) for g in group)}"
        made: tuple[str, bytes] | None = workflow.pooled(
            intake, county, key,
            lambda: workflow.work(intake, service.annotated_copy, intake.settings,
                                  workflow.entries(intake, group, for_check=True), u.id))
        return made

    made = await run_in_threadpool(build)
    if made is None:
        raise HTTPException(404)
    stem = u.original_name.rsplit(".", 1)[0] if "." in u.original_name else u.original_name
    suffix = ".zip" if made[0].endswith(".zip") else ".xlsx"
    return download(f"{stem}-校验标注{suffix}", made[1], "application/zip" if suffix == ".zip" else XLSX)


FINDING_COLUMNS = (("severity", "级别"), ("sheet", "工作表"), ("cell", "单元格"), ("field", "列"),
                   ("value", "填写的内容"), ("message", "问题和改法"), ("code", "问题代码"))
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}


async def _findings_csv(intake: Intake, county: str, u: Any) -> Response:
    """Every finding of one file (the page lists the first ones), as a CSV Excel opens."""
    def build() -> bytes:
        findings = workflow.findings_of(intake, county, _group(intake, county, u), u.id)
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([label for _, label in FINDING_COLUMNS])
        for f in findings:
            row = [SEVERITY_LABELS.get(str(f.get("severity")), "") if k == "severity" else f.get(k) or ""
                   for k, _ in FINDING_COLUMNS]
            # A cell starting with = + - @ would run as a formula in Excel: keep it text.
            w.writerow(["'" + str(x) if str(x)[:1] in "=+-@" else x for x in row])
        return buf.getvalue().encode("utf-8-sig")  # the BOM: Excel reads the Chinese as UTF-8

    data = await run_in_threadpool(build)
    stem = u.original_name.rsplit(".", 1)[0] if "." in u.original_name else u.original_name
    return download(f"{stem}-全部问题.csv", data, "text/csv; charset=utf-8")


async def county_findings(request: Request) -> Response:
    """Every finding of one of the county's files."""
    intake, county = _county(request)
    return await _findings_csv(intake, county, _own_upload(intake, county, _int(request, "upload")))


async def county_file(request: Request) -> Response:
    """One of the county's own uploads, as received."""
    intake, county = _county(request)
    u = _own_upload(intake, county, _int(request, "upload"))
    return download(u.original_name, intake.store.blob_path(u).read_bytes())


# --- prefecture --------------------------------------------------------------------------


def _overview_context(intake: Intake) -> dict[str, Any]:
    numbers = workflow.overview(intake)
    rows: list[dict[str, Any]] = []
    tally = {"approved": 0, "submitted": 0, "returned": 0, "none": 0}
    for i, county in enumerate(intake.settings.counties):
        subs = intake.store.submissions(county)
        uploads = intake.store.uploads(county)
        tally[subs[-1].status if subs else "none"] += 1
        counted, review = workflow.counted(intake, county)
        rows.append({"index": i, "county": county, "last": subs[-1] if subs else None, "uploads": len(uploads),
                     "numbers": numbers.get(county), "counted": counted, "review": review})
    waiting = sum(1 for r in rows if r["review"] is not None and r["review"] != "已通过")
    return {"rows": rows, "labels": workflow.STATUS_LABELS, "tally": tally, "waiting": waiting}


async def prefecture_page(request: Request) -> Response:
    """Every county's status and numbers."""
    intake = _prefecture(request)
    context = await run_in_threadpool(_overview_context, intake)
    return page(request, "prefecture.html", token=request.path_params["token"], **_notice(request), **context)


def _county_of(intake: Intake, request: Request) -> str:
    i = _int(request, "county")
    if not 0 <= i < len(intake.settings.counties):
        raise HTTPException(404)
    return intake.settings.counties[i]


async def prefecture_county(request: Request) -> Response:
    """One county: its submissions, the latest one's findings and sheets, return / approve."""
    intake = _prefecture(request)
    county = _county_of(intake, request)

    wanted = request.query_params.get("s", "")

    def build() -> dict[str, Any]:
        subs = intake.store.submissions(county)
        last = subs[-1] if subs else None
        shown = next((x for x in subs if str(x.id) == wanted), last)  # another county's id: the latest
        files = workflow.submission_files(intake, shown) if shown else []
        before = next((x for x in reversed(subs) if shown is not None and x.id < shown.id), None)
        compared = workflow.comparison_of(intake, county, files, before) if shown else None
        counted, review = workflow.counted(intake, county)
        return {"compared": compared, "county": county, "index": _int(request, "county"), "last": last,
                "shown": shown, "submissions": list(reversed(subs)), "check": workflow.check_of(intake, county, files),
                "labels": workflow.STATUS_LABELS, "kind_labels": service.KIND_LABELS,
                "uploads": list(reversed(intake.store.uploads(county))), "counted": counted, "review": review,
                # an older approval still on record that the rollup no longer counts
                "superseded": review != "已通过" and any(x.status == STATUS_APPROVED for x in subs)}

    context = await run_in_threadpool(build)
    return page(request, "submission.html", token=request.path_params["token"], **_notice(request), **context)


async def prefecture_decide(request: Request) -> Response:
    """退回 with a note, or 通过: the county's latest submission; an approval can be withdrawn
    (退回 after 通过, with a note), also when the county has submitted again since."""
    intake = _prefecture(request)
    sub = intake.store.submission(_int(request, "submission"))
    if sub is None or sub.county not in intake.settings.counties:
        raise HTTPException(404)
    async with request.form(max_files=0, max_fields=10) as form:
        action = str(form.get("action", ""))
        note = str(form.get("note", "")).strip()[:MAX_NOTE]
    index = intake.settings.counties.index(sub.county)
    back = f"/p/{request.path_params['token']}/county/{index}"
    latest = workflow.latest_submission(intake, sub.county)
    counted, _ = workflow.counted(intake, sub.county)
    withdraw = sub.status == STATUS_APPROVED and counted is not None and counted.id == sub.id
    if action not in ("return", "approve"):
        raise HTTPException(404)
    if (latest is None or latest.id != sub.id) and not (withdraw and action == "return"):
        msg = "这不是该县最近一次报送，不能再审核。"
    elif action == "return" and not note:
        msg = "撤销通过时请写明原因，县里会看到。" if withdraw else "退回时请写明需要修改的内容。"
    elif action == "approve" and sub.status == STATUS_APPROVED:
        msg = "这次报送已经通过了。"
    else:
        status = STATUS_RETURNED if action == "return" else STATUS_APPROVED
        await run_in_threadpool(intake.store.decide, sub.id, status, note, _client(request))
        if action == "approve":
            msg = "已通过。汇总表中该县采用这次报送。"
        elif withdraw:
            msg = "已撤销通过并退回，该县打开链接即可看到意见；" + _counted_now(intake, sub.county)
        else:
            msg = "已退回，该县打开链接即可看到意见。"
    return RedirectResponse(f"{back}?msg={quote(msg)}&at=decide#notice", status_code=303)


def _counted_now(intake: Intake, county: str) -> str:
    """What the rollup counts for a county after its approval was withdrawn, in words."""
    now, review = workflow.counted(intake, county)
    if now is None:
        return ""
    return f"汇总表中该县改用 {now.created_at} 提交的报送，审核状态标为“{review}”，直到再次通过。"


AUDIT_PAGE = 50
ACTION_LABELS = {"upload": "上传", "submit": "提交", STATUS_APPROVED: "通过", STATUS_RETURNED: "退回",
                 "rotate": "更换链接", "rollup": "下载汇总表", "export": "导出报送文件"}


def _audit_row(r: dict[str, Any]) -> dict[str, Any]:
    """One audit entry as the prefecture reads it."""
    import json

    detail = json.loads(r["detail"] or "{}")
    actor = str(r["actor"])
    who = (f"{actor.removeprefix('county:')}（县的链接）" if actor.startswith("county:")
           else "市州（审核链接）" if actor == PREFECTURE else "命令行")
    action = ACTION_LABELS.get(str(r["action"]), str(r["action"]))
    if detail.get("withdrawn"):
        action = "撤销通过（退回）"
    what = []
    if detail.get("file"):
        what.append(f"文件“{detail['file']}”（{detail.get('size', 0):,} 字节）")
    if detail.get("county") and not actor.startswith("county:"):
        what.append(str(detail["county"]))
    if detail.get("submission"):
        what.append(f"第 {detail['submission']} 号报送")
    if detail.get("subject"):
        s = str(detail["subject"])
        what.append("市州审核链接" if s == PREFECTURE else f"{s.removeprefix('county:')}的链接")
    return {"at": r["at"], "who": who, "action": action, "what": "，".join(what),
            "sha256": detail.get("sha256", ""), "note": detail.get("note", ""), "client": r["client"]}


async def prefecture_audit(request: Request) -> Response:
    """The audit log: who (by link), when, what, file hash, decision, client address; newest first."""
    intake = _prefecture(request)
    try:
        number = max(1, min(int(request.query_params.get("page", "1")), MAX_ID))
    except ValueError:
        number = 1
    rows, total = await run_in_threadpool(intake.store.audit_page, number, AUDIT_PAGE)
    pages = max(1, -(-total // AUDIT_PAGE))
    return page(request, "audit.html", token=request.path_params["token"], rows=[_audit_row(r) for r in rows],
                page_no=min(number, pages), pages=pages, total=total)


async def prefecture_file(request: Request) -> Response:
    """Any upload, as received."""
    intake = _prefecture(request)
    u = intake.store.upload(_int(request, "upload"))
    if u is None:
        raise HTTPException(404)
    return download(u.original_name, intake.store.blob_path(u).read_bytes())


async def prefecture_annotated(request: Request) -> Response:
    """The annotated copy of any upload (checked with the files it was submitted with)."""
    intake = _prefecture(request)
    u = intake.store.upload(_int(request, "upload"))
    if u is None:
        raise HTTPException(404)
    return await _annotated(intake, u.county, u)


async def prefecture_findings(request: Request) -> Response:
    """Every finding of any upload."""
    intake = _prefecture(request)
    u = intake.store.upload(_int(request, "upload"))
    if u is None:
        raise HTTPException(404)
    return await _findings_csv(intake, u.county, u)


async def prefecture_rollup(request: Request) -> Response:
    """The rollup workbook: each county's approved submission, else its latest marked 待审核/退回修改."""
    intake = _prefecture(request)
    if not workflow.counted_sets(intake)[0]:
        return page(request, "message.html", 409, title="还不能汇总",
                    message="还没有县提交，无法生成汇总表。各县提交后再下载。",
                    back=f"/p/{request.path_params['token']}/")
    data = await run_in_threadpool(workflow.rollup_bytes, intake)
    intake.store.audit(PREFECTURE, "rollup", {}, _client(request))
    return download(f"{intake.settings.prefecture or ''}汇总.xlsx", data, XLSX)


async def prefecture_paper(request: Request) -> Response:
    """督办清单.xlsx or 情况报告.docx, written by ``zhenggai report`` from the rollup above."""
    intake = _prefecture(request)
    which = request.path_params["which"]
    if which not in ("xlsx", "docx"):
        raise HTTPException(404)
    waiting = await run_in_threadpool(workflow.papers_wait, intake)
    if waiting:
        return page(request, "message.html", 409, title="督办清单和情况报告还不能生成", message=waiting,
                    back=f"/p/{request.path_params['token']}/")
    data = await run_in_threadpool(workflow.paper_bytes, intake, which)
    intake.store.audit(PREFECTURE, f"report-{which}", {}, _client(request))
    name, media = ("督办清单.xlsx", XLSX) if which == "xlsx" else ("情况报告.docx", DOCX)
    return download(f"{intake.settings.prefecture or ''}{name}", data, media)


async def prefecture_export(request: Request) -> Response:
    """Every county's latest submission as a folder (zipped) that ``zhenggai merge`` reads."""
    intake = _prefecture(request)
    data = await run_in_threadpool(workflow.export_zip, intake)
    intake.store.audit(PREFECTURE, "export", {}, _client(request))
    return download(f"{service.export_folder_name(intake.settings)}.zip", data, "application/zip")


async def favicon(request: Request) -> Response:
    """No icon (and no 404 page for the browser's automatic request)."""
    return HTMLResponse("", status_code=204)


ROUTES = [
    Route("/favicon.ico", favicon),
    Route("/c/{token}/", county_page),
    Route("/c/{token}/form/{which:int}", county_form),
    Route("/c/{token}/upload", county_upload, methods=["POST"]),
    Route("/c/{token}/submit", county_submit, methods=["POST"]),
    Route("/c/{token}/file/{upload:int}", county_file),
    Route("/c/{token}/annotated/{upload:int}", county_annotated),
    Route("/c/{token}/findings/{upload:int}", county_findings),
    Route("/p/{token}/", prefecture_page),
    Route("/p/{token}/county/{county:int}", prefecture_county),
    Route("/p/{token}/decide/{submission:int}", prefecture_decide, methods=["POST"]),
    Route("/p/{token}/file/{upload:int}", prefecture_file),
    Route("/p/{token}/annotated/{upload:int}", prefecture_annotated),
    Route("/p/{token}/findings/{upload:int}", prefecture_findings),
    Route("/p/{token}/audit", prefecture_audit),
    Route("/p/{token}/rollup.xlsx", prefecture_rollup),
    Route("/p/{token}/report.{which:str}", prefecture_paper),
    Route("/p/{token}/export.zip", prefecture_export),
]
