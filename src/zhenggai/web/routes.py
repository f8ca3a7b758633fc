"""Request handlers: find whose link it is, call one workflow function, render a template.

Every page and file is reached through a link's secret; a wrong, rotated or foreign
link, or an id belonging to another county, gets the same plain 404 page.
"""

from __future__ import annotations

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
from zhenggai.web.security import PREFECTURE, county_subject
from zhenggai.web.store import STATUS_APPROVED, STATUS_RETURNED

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


def _int(request: Request, name: str) -> int:
    value = request.path_params[name]
    if not isinstance(value, int):
        raise HTTPException(404)
    return value


def download(name: str, data: bytes, media_type: str = "application/octet-stream") -> Response:
    """A file download; the name is percent-encoded (RFC 5987), never used as a path."""
    ascii_name = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in ".-_" else "_" for ch in name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media_type, headers={"content-disposition": disposition})


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render a template."""
    intake = _intake(request)
    context.setdefault("prefecture", intake.settings.prefecture or "")
    return intake.templates.TemplateResponse(request, name, context, status_code=status_code)


async def home(request: Request) -> Response:
    """The bare address: tells a visitor to use their own link."""
    return page(request, "message.html", title="网上报送", message="请使用市州商务主管部门发给您的专用链接打开本系统。")


async def not_found(request: Request, exc: Exception) -> Response:
    """One page for every wrong address or link: it says nothing about what exists."""
    return page(request, "message.html", 404, title="找不到页面",
                message="链接不正确或已失效。请使用市州商务主管部门最新发给您的链接。")


async def bad_request(request: Request, exc: Exception) -> Response:
    """A malformed upload (too many files, a broken form) in Chinese, not the framework's English."""
    return page(request, "message.html", 400, title="无法处理的请求",
                message=f"上传的内容无法处理：一次最多上传 {MAX_FILES} 个文件，请重新选择后再试。")


async def server_error(request: Request, exc: Exception) -> Response:
    """A clerk never sees a traceback."""
    return page(request, "message.html", 500, title="出错了",
                message="系统内部出错，请稍后再试；如果一直出现，请联系市州商务主管部门。")


# --- county ------------------------------------------------------------------------------


def _county_context(intake: Intake, county: str) -> dict[str, Any]:
    uploads = workflow.ensure_checked(intake, county)
    current = workflow.current_files(uploads)
    check = workflow.check_of(intake, county, current)
    subs = intake.store.submissions(county)
    last = subs[-1] if subs else None
    submitted = last is not None and list(last.upload_ids) == [u.id for u in current if u.kinds]
    by_id = {u.id: u for u in uploads}
    files = [u for u in current if u.kinds]
    # Another county's file cannot be submitted (county-not-link): comparing it would only say
    # that this county's items are gone.
    foreign = any(x["code"] == "county-not-link" for f in check.get("files", []) for x in f["findings"])
    compared = None if foreign else workflow.comparison_of(
        intake, county, files, workflow.earlier_submission(intake, county, [u.id for u in files]))
    return {"compared": compared,
        "county": county, "check": check, "uploads": list(reversed(uploads)), "last": last,
        "submissions": list(reversed(subs)), "submitted": submitted, "labels": workflow.STATUS_LABELS,
        "kind_labels": service.KIND_LABELS, "by_id": by_id,
        "can_submit": any(u.kinds for u in current) and not (submitted and last is not None
                                                             and last.status != STATUS_RETURNED),
        "max_mb": intake.max_upload // (1024 * 1024), "has_problems": intake.settings.problems is not None,
        "unchecked": [u for u in uploads if u.kinds is None],
    }


async def county_page(request: Request) -> Response:
    """The county's page: forms, upload, findings and sheet, submit, history, decision."""
    intake, county = _county(request)
    context = await run_in_threadpool(_county_context, intake, county)
    notice = request.query_params.get("msg", "")
    return page(request, "county.html", token=request.path_params["token"], notice=notice[:200], **context)


async def county_form(request: Request) -> Response:
    """Download the county's pre-filled 附件1 (which=1) or 附件2 (which=2)."""
    intake, county = _county(request)
    which = _int(request, "which")
    if which not in (1, 2):
        raise HTTPException(404)
    forms = await run_in_threadpool(service.county_forms, intake.settings, county)
    name, data = forms[which - 1]
    return download(name, data, XLSX)


def _back(request: Request, msg: str = "", anchor: str = "check", done: str = "") -> Response:
    url = f"/c/{request.path_params['token']}/"
    if msg:
        url += f"?msg={quote(msg)}"
    elif done:
        url += f"?done={done}"  # a new address each time, so the browser shows the new result
    return RedirectResponse(f"{url}#{anchor}", status_code=303)


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
        except ValueError:
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
    outcome = await run_in_threadpool(workflow.submit, intake, county, confirmed, _client(request))
    return _back(request, outcome.message, "submit")


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


async def _annotated(intake: Intake, county: str, u: Any) -> Response:
    def build() -> tuple[str, bytes] | None:
        uploads = workflow.ensure_checked(intake, county)
        group = workflow.current_files(uploads)
        for s in intake.store.submissions(county):
            if u.id in s.upload_ids:
                group = workflow.submission_files(intake, s)
        if u.id not in [g.id for g in group]:
            group = [u]
        return service.annotated_copy(intake.settings, workflow.entries(intake, group, for_check=True), u.id)

    made = await run_in_threadpool(build)
    if made is None:
        raise HTTPException(404)
    stem = u.original_name.rsplit(".", 1)[0] if "." in u.original_name else u.original_name
    return download(f"{stem}-校验标注.xlsx", made[1], XLSX)


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
        rows.append({"index": i, "county": county, "last": subs[-1] if subs else None, "uploads": len(uploads),
                     "numbers": numbers.get(county)})
    return {"rows": rows, "labels": workflow.STATUS_LABELS, "tally": tally}


async def prefecture_page(request: Request) -> Response:
    """Every county's status and numbers."""
    intake = _prefecture(request)
    context = await run_in_threadpool(_overview_context, intake)
    return page(request, "prefecture.html", token=request.path_params["token"],
                notice=request.query_params.get("msg", "")[:200], **context)


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
        return {"compared": compared,"county": county, "index": _int(request, "county"), "last": last, "shown": shown,
                "submissions": list(reversed(subs)), "check": workflow.check_of(intake, county, files),
                "labels": workflow.STATUS_LABELS, "kind_labels": service.KIND_LABELS,
                "uploads": list(reversed(intake.store.uploads(county)))}

    context = await run_in_threadpool(build)
    return page(request, "submission.html", token=request.path_params["token"],
                notice=request.query_params.get("msg", "")[:200], **context)


async def prefecture_decide(request: Request) -> Response:
    """退回 with a note, or 通过; only the county's latest submission can be decided."""
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
    if latest is None or latest.id != sub.id:
        msg = "这不是该县最近一次报送，不能再审核。"
    elif action == "return" and not note:
        msg = "退回时请写明需要修改的内容。"
    elif action in ("return", "approve"):
        status = STATUS_RETURNED if action == "return" else STATUS_APPROVED
        await run_in_threadpool(intake.store.decide, sub.id, status, note, _client(request))
        msg = "已退回，该县打开链接即可看到意见。" if action == "return" else "已通过。"
    else:
        raise HTTPException(404)
    return RedirectResponse(f"{back}?msg={quote(msg)}", status_code=303)


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


async def prefecture_rollup(request: Request) -> Response:
    """The rollup workbook from each county's latest submission."""
    intake = _prefecture(request)
    data = await run_in_threadpool(workflow.rollup_bytes, intake)
    intake.store.audit(PREFECTURE, "rollup", {}, _client(request))
    return download(f"{intake.settings.prefecture or ''}汇总.xlsx", data, XLSX)


async def prefecture_paper(request: Request) -> Response:
    """督办清单.xlsx or 情况报告.docx, written by ``zhenggai report`` from the rollup above."""
    intake = _prefecture(request)
    which = request.path_params["which"]
    if which not in ("xlsx", "docx"):
        raise HTTPException(404)
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
    Route("/p/{token}/", prefecture_page),
    Route("/p/{token}/county/{county:int}", prefecture_county),
    Route("/p/{token}/decide/{submission:int}", prefecture_decide, methods=["POST"]),
    Route("/p/{token}/file/{upload:int}", prefecture_file),
    Route("/p/{token}/annotated/{upload:int}", prefecture_annotated),
    Route("/p/{token}/rollup.xlsx", prefecture_rollup),
    Route("/p/{token}/report.{which:str}", prefecture_paper),
    Route("/p/{token}/export.zip", prefecture_export),
]
