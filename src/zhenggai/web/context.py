"""What every request handler needs: the store, the settings ``serve`` stored, links, limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from starlette.templating import Jinja2Templates

from zhenggai.core.results import DEADLINE
from zhenggai.web.pool import CheckPool
from zhenggai.web.security import PREFECTURE, LinkTable, RateLimiter, county_subject, ensure_links
from zhenggai.web.service import Settings
from zhenggai.web.store import Store

PROBLEMS_NAME = "反馈问题清单.xlsx"
PREVIOUS_NAME = "上一轮汇总表.xlsx"  # serve --previous: each county's first submission is compared with it


@dataclass
class Intake:
    """What every request handler needs."""

    store: Store
    settings: Settings
    links: LinkTable
    limiter: RateLimiter
    max_upload: int
    templates: Jinja2Templates = field(repr=False)
    pool: CheckPool = field(default_factory=CheckPool, repr=False)

    def subjects(self) -> list[str]:
        """Every link subject: the prefecture, then each county."""
        return [PREFECTURE, *(county_subject(c) for c in self.settings.counties)]


def settings_of(store: Store) -> Settings:
    """The settings ``serve`` stored in the intake folder."""
    cfg = store.config()
    problems = store.root / PROBLEMS_NAME
    previous = store.root / PREVIOUS_NAME
    return Settings(
        prefecture=cfg.get("prefecture"),
        counties=tuple(cfg.get("counties", [])),
        deadline=date.fromisoformat(cfg.get("deadline", DEADLINE.isoformat())),
        problems=problems if cfg.get("problems") and problems.is_file() else None,
        previous=previous if cfg.get("previous") and previous.is_file() else None,
        folder=store.root,
        work=store.work,
    )


def all_links(store: Store, rotate: set[str] | None = None) -> dict[str, str]:
    """subject → secret for the prefecture and every county (creating missing ones)."""
    settings = settings_of(store)
    subjects = [PREFECTURE, *(county_subject(c) for c in settings.counties)]
    return ensure_links(store, subjects, rotate)
