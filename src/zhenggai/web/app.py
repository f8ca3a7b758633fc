"""The intake application: settings from the store, links, middleware, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from zhenggai.web import routes
from zhenggai.web.context import Intake, all_links, settings_of
from zhenggai.web.pool import DEFAULT_WORKERS, CheckPool
from zhenggai.web.security import Guard, LinkTable, RateLimiter
from zhenggai.web.store import Store

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024


def create_app(root: Path, *, max_upload: int = DEFAULT_MAX_UPLOAD, uploads_per_minute: float = 30,
               burst: int = 10, store: Store | None = None, isolate: bool = False,
               workers: int = DEFAULT_WORKERS) -> Starlette:
    """The ASGI application over an intake folder prepared by ``serve`` (see :mod:`zhenggai.cli.app`).

    ``store``: the folder already opened with its lock held (``serve``); else it is taken
    here. ``isolate``: do the checks behind the library's reader boundary (``serve``; see
:mod:`zhenggai.web.pool`).
    Raises InputError when another server already uses the folder.
    """
    from zhenggai.core.errors import InputError
    from zhenggai.intake import boundary

    # Uploads are read in worker processes (a parser crash cannot stop the intake); a
    # server keeps them between uploads rather than starting one per check.
    boundary.keep_workers()
    if store is None or not store.claimed:
        store = Store(root)
        if not store.claim():
            raise InputError(f"收件库 {root} 正在被另一个 zhenggai serve 使用；同一个收件库只能启动一个")
    all_links(store)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True  # every clerk-written string is escaped, whatever the file name
    intake = Intake(store, settings_of(store), LinkTable(store), RateLimiter(uploads_per_minute, burst),
                    max_upload, templates, CheckPool(workers, isolate=isolate))
    app = Starlette(
        routes=[
            Route("/", routes.home),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
            *routes.ROUTES,
        ],
        middleware=[Middleware(Guard, max_body=max_upload,
                               render=lambda *a: routes.plain_page(intake, *a))],
        lifespan=_lifespan,
        exception_handlers={400: routes.bad_request, 404: routes.not_found, 405: routes.not_found,
                            500: routes.server_error},
    )
    app.state.intake = intake
    return app


def _lifespan(app: Starlette) -> AbstractAsyncContextManager[None]:
    @asynccontextmanager
    async def span() -> AsyncIterator[None]:
        yield
        app.state.intake.pool.close()

    return span()


def state(app: Any) -> Intake:
    """The Intake of an application (for tests and the command line)."""
    intake: Intake = app.state.intake
    return intake
