"""The intake's storage: one SQLite database (WAL) beside the uploaded files, named by hash.

Layout of the folder given to ``zhenggai serve`` (plain, copyable to another machine):

    收件库/zhenggai.db        uploads, submissions, decisions, links (hashes only), audit log
    收件库/原件/<sha256>.xlsx  every upload exactly as received, never overwritten or deleted
    收件库/.zhenggai-key      the secret the links are derived from (readable by the owner only)
    收件库/.zhenggai-lock     held by the running server: one server per folder
    收件库/.zhenggai-tmp/     temporary folders of checks and rollups; emptied when a server starts

An upload is acknowledged only after its bytes are on disk under their final name
(temp file, fsync, rename, fsync of the folder) and its row is committed, so a crash at
any moment leaves either nothing or a whole file; a file without a row (crash between
the two steps) is harmless and never listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import sys
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

DB_NAME = "zhenggai.db"
BLOB_DIR = "原件"
KEY_NAME = ".zhenggai-key"
LOCK_NAME = ".zhenggai-lock"
WORK_NAME = ".zhenggai-tmp"
TMP_PREFIX = ".tmp-"
_SUFFIX_RE = re.compile(r"^\.[a-z0-9]{1,5}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    subject TEXT PRIMARY KEY,        -- "county:谷城县" or "prefecture"
    gen INTEGER NOT NULL,            -- bumped by --rotate
    hash TEXT NOT NULL               -- sha256 of the secret in the link; the secret itself is never stored
);
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY,
    county TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    suffix TEXT NOT NULL,
    size INTEGER NOT NULL,
    original_name TEXT NOT NULL,     -- shown (escaped), never used as a path
    received_at TEXT NOT NULL,
    client TEXT NOT NULL,
    kinds TEXT,                      -- JSON list of tables found ("appendix1", "appendix2"); NULL: not checked yet
    errors INTEGER,
    warnings INTEGER
);
CREATE INDEX IF NOT EXISTS uploads_county ON uploads (county, id);
CREATE TABLE IF NOT EXISTS checks (
    key TEXT PRIMARY KEY,            -- county + the upload ids checked together
    created_at TEXT NOT NULL,
    report TEXT NOT NULL             -- JSON: findings and sheet previews, as shown on the pages
);
CREATE TABLE IF NOT EXISTS findings (
    key TEXT NOT NULL,               -- as checks.key
    upload INTEGER NOT NULL,
    data BLOB NOT NULL,              -- zlib-compressed JSON: every finding of the file (pages list the first ones)
    PRIMARY KEY (key, upload)
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    county TEXT NOT NULL,
    upload_ids TEXT NOT NULL,        -- JSON list
    created_at TEXT NOT NULL,
    client TEXT NOT NULL,
    status TEXT NOT NULL,            -- submitted | returned | approved
    note TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_county ON submissions (county, id);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,             -- "county:谷城县", "prefecture" or "admin" (the command line)
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    client TEXT NOT NULL
);
"""

STATUS_SUBMITTED, STATUS_RETURNED, STATUS_APPROVED = "submitted", "returned", "approved"


def now() -> str:
    """Local time to the second, as clerks read it."""
    return datetime.now().isoformat(sep=" ", timespec="seconds")


def _why(exc: BaseException) -> str:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        return "只读或没有写入权限"
    return "无法创建数据库"


# Bidirectional and invisible format characters: "报送\u202Exslx.exe" shows as "报送exe.xlsx".
_HIDDEN = re.compile("[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\u061c]")


def clean_name(name: str) -> str:
    """An uploaded file name as shown: without control and direction-override characters, so
    the extension the prefecture reads is the one the file has."""
    return _HIDDEN.sub("", name).strip()[:200] or "未命名文件"


def safe_suffix(name: str) -> str:
    """The extension to store a file under: from a short allow-listed pattern, else ".bin".

    The uploaded name itself is never part of a path.
    """
    suffix = os.path.splitext(name.strip().lower())[1]
    return suffix if _SUFFIX_RE.match(suffix) else ".bin"


class UploadTooLarge(ValueError):
    """An upload longer than the limit (nothing of it is kept).

    A type of its own so that the upload page answers 文件太大 for this and only this: a
    ValueError from checking a stored file must not be shown to a county as a size problem.
    """


@dataclass(frozen=True, slots=True)
class Upload:
    """One stored upload."""

    id: int
    county: str
    sha256: str
    suffix: str
    size: int
    original_name: str
    received_at: str
    client: str
    kinds: tuple[str, ...] | None
    errors: int | None
    warnings: int | None

    @property
    def blob_name(self) -> str:
        """File name in 原件/."""
        return f"{self.sha256}{self.suffix}"


@dataclass(frozen=True, slots=True)
class Submission:
    """One submission: a set of uploads the county sent, and the prefecture's decision."""

    id: int
    county: str
    upload_ids: tuple[int, ...]
    created_at: str
    client: str
    status: str
    note: str
    decided_at: str | None
    errors: int
    warnings: int


def _upload(r: sqlite3.Row) -> Upload:
    kinds = tuple(json.loads(r["kinds"])) if r["kinds"] is not None else None
    return Upload(r["id"], r["county"], r["sha256"], r["suffix"], r["size"], r["original_name"],
                  r["received_at"], r["client"], kinds, r["errors"], r["warnings"])


def _submission(r: sqlite3.Row) -> Submission:
    return Submission(r["id"], r["county"], tuple(json.loads(r["upload_ids"])), r["created_at"], r["client"],
                      r["status"], r["note"], r["decided_at"], r["errors"], r["warnings"])


def _fsync_dir(path: Path) -> None:
    """Make a rename durable (POSIX); Windows cannot open folders and needs no such step."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store:
    """The folder and its database. Cheap to create; each call opens its own connection."""

    def __init__(self, root: Path) -> None:
        from zhenggai.core.errors import InputError

        self.root = root
        self.db_path = root / DB_NAME
        self.blobs = root / BLOB_DIR
        self.work = root / WORK_NAME
        self._lock_fd: int | None = None
        self._local = threading.local()
        try:
            root.mkdir(parents=True, exist_ok=True)
            self.blobs.mkdir(exist_ok=True)
            self.work.mkdir(exist_ok=True)
            with self.connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
        except (OSError, sqlite3.OperationalError) as exc:
            # A read-only folder (a CD, a share mounted read-only, another user's folder): say
            # so in Chinese rather than "attempt to write a readonly database".
            raise InputError(f"收件库 {root} 不能写入（{_why(exc)}）：请换一个本机上可以写入的文件夹，"
                             "或让管理员给运行 zhenggai 的用户写入权限") from None

    def claim(self) -> bool:
        """Become the one server of this folder (False: another is running), then tidy up.

        Only the server that holds the lock removes temp files: they were left by a crash
        mid-upload and never acknowledged. ``serve --links`` run beside a running server
        must not touch the temp file of an upload in flight.
        """
        fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd  # held until the process ends (a killed process releases it too)
        for p in self.blobs.glob(f"{TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                p.unlink()
        # Check, rollup and archive folders a killed server left behind: nothing in them was
        # ever acknowledged, and only the lock holder may remove them (none is in use now).
        for p in self.work.iterdir():
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    p.unlink()
        return True

    @property
    def claimed(self) -> bool:
        """Whether this process holds the folder's lock (it alone may change the settings)."""
        return self._lock_fd is not None

    def release(self) -> None:
        """Give the lock back (``--links`` and ``--rotate`` hold it only while they run)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, in autocommit mode; use :meth:`tx` for writes.

        Kept open for the thread's life: closing the last connection to a WAL database
        checkpoints it and waits for the disk (20–40 ms on a busy machine), which every
        request paid when each call opened and closed its own.
        """
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            # FULL: a committed upload survives a power cut, not only a killed process.
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        yield db

    @contextlib.contextmanager
    def tx(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE: writers queue instead of failing).

        ``durable=False`` for what can be computed again from the files (checks, counts):
        committed without waiting for the disk (WAL, synchronous=NORMAL: a power cut may
        lose the last few, never corrupt the database). At the deadline a hundred counties
        upload at once, and waiting for the disk once per cached check doubled their wait.
        """
        with self.connect() as db:
            if not durable:
                db.execute("PRAGMA synchronous=NORMAL")
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                if not durable:
                    db.execute("PRAGMA synchronous=FULL")

    # --- config and links -------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """Settings given to ``serve`` (JSON values)."""
        with self.connect() as db:
            return {r["key"]: json.loads(r["value"]) for r in db.execute("SELECT key, value FROM config")}

    def set_config(self, **values: Any) -> None:
        """Store settings; None values are left as they were."""
        with self.tx() as db:
            for k, v in values.items():
                if v is not None:
                    db.execute("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)",
                               (k, json.dumps(v, ensure_ascii=False)))

    def key(self) -> bytes:
        """The secret links are derived from, created on first use (owner-only permissions)."""
        path = self.root / KEY_NAME
        if not path.exists():
            tmp = path.with_name(f"{KEY_NAME}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if another process created it first: keep theirs
            except FileExistsError:
                pass
            except OSError:
                if not path.exists():
                    os.replace(tmp, path)
            with contextlib.suppress(OSError):
                tmp.unlink()
        return bytes.fromhex(path.read_text(encoding="ascii").strip())

    def links(self) -> dict[str, tuple[int, str]]:
        """subject → (generation, hash of the secret)."""
        with self.connect() as db:
            return {r["subject"]: (r["gen"], r["hash"]) for r in db.execute("SELECT * FROM links")}

    def set_link(self, subject: str, gen: int, digest: str) -> None:
        """Record a link's generation and the hash of its secret."""
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO links (subject, gen, hash) VALUES (?, ?, ?)", (subject, gen, digest))

    # --- files ------------------------------------------------------------------------

    def blob_path(self, upload: Upload) -> Path:
        """Where an upload's bytes are."""
        return self.blobs / upload.blob_name

    def put_blob(self, source: IO[bytes], suffix: str, limit: int) -> tuple[str, int]:
        """Copy a stream into 原件/ under its SHA-256, atomically; returns (hash, size).

        Raises UploadTooLarge when the stream is longer than ``limit`` bytes.
        """
        h = hashlib.sha256()
        size = 0
        tmp = self.blobs / f"{TMP_PREFIX}{secrets.token_hex(8)}"
        try:
            with tmp.open("xb") as out:
                while chunk := source.read(1 << 20):
                    size += len(chunk)
                    if size > limit:
                        raise UploadTooLarge(f"upload over {limit} bytes")
                    h.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = h.hexdigest()
            final = self.blobs / f"{digest}{suffix}"
            if final.exists():
                tmp.unlink()  # same bytes already stored: never overwrite
            else:
                os.replace(tmp, final)
                _fsync_dir(self.blobs)
            return digest, size
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    # --- uploads, checks, submissions ---------------------------------------------------

    def add_upload(self, county: str, digest: str, suffix: str, size: int, name: str, client: str) -> Upload:
        """Record a stored file (and audit it); the upload is acknowledged once this returns."""
        at = now()
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO uploads (county, sha256, suffix, size, original_name, received_at, client) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (county, digest, suffix, size, name, at, client))
            uid = int(cur.lastrowid or 0)
            self._audit(db, f"county:{county}", "upload", {"upload": uid, "file": name, "sha256": digest,
                                                          "size": size}, client)
        return Upload(uid, county, digest, suffix, size, name, at, client, None, None, None)

    def set_checked(self, upload_id: int, kinds: list[str], errors: int, warnings: int) -> None:
        """What checking the file found (tables and counts), for the history and the draft."""
        with self.tx(durable=False) as db:
            db.execute("UPDATE uploads SET kinds = ?, errors = ?, warnings = ? WHERE id = ?",
                       (json.dumps(kinds), errors, warnings, upload_id))

    def uploads(self, county: str | None = None) -> list[Upload]:
        """Uploads, oldest first (one county's, or all)."""
        with self.connect() as db:
            if county is None:
                rows = db.execute("SELECT * FROM uploads ORDER BY id").fetchall()
            else:
                rows = db.execute("SELECT * FROM uploads WHERE county = ? ORDER BY id", (county,)).fetchall()
        return [_upload(r) for r in rows]

    def upload(self, upload_id: int) -> Upload | None:
        """One upload by id."""
        with self.connect() as db:
            r = db.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        return _upload(r) if r is not None else None

    def check(self, key: str) -> dict[str, Any] | None:
        """A stored check result."""
        with self.connect() as db:
            r = db.execute("SELECT report FROM checks WHERE key = ?", (key,)).fetchone()
        return json.loads(r["report"]) if r is not None else None

    def put_check(self, key: str, report: dict[str, Any]) -> None:
        """Remember a check result (a cache: it can always be computed again from the files)."""
        with self.tx(durable=False) as db:
            db.execute("INSERT OR REPLACE INTO checks (key, created_at, report) VALUES (?, ?, ?)",
                       (key, now(), json.dumps(report, ensure_ascii=False)))

    def put_report(self, key: str, report: dict[str, Any], packed: dict[int, bytes],
                   counts: dict[int, tuple[int, int]]) -> None:
        """A set's check in one transaction: the page's report, every finding (compressed where the
        check ran), and each upload's counts as the check shows them."""
        with self.tx(durable=False) as db:
            for uid, data in packed.items():
                db.execute("INSERT OR REPLACE INTO findings (key, upload, data) VALUES (?, ?, ?)", (key, uid, data))
            for uid, (errors, warnings) in counts.items():
                db.execute("UPDATE uploads SET errors = ?, warnings = ? WHERE id = ?", (errors, warnings, uid))
            db.execute("INSERT OR REPLACE INTO checks (key, created_at, report) VALUES (?, ?, ?)",
                       (key, now(), json.dumps(report, ensure_ascii=False)))

    def all_findings(self, key: str, upload_id: int) -> list[dict[str, Any]] | None:
        """Every finding of one file of a stored check (None: not stored)."""
        with self.connect() as db:
            r = db.execute("SELECT data FROM findings WHERE key = ? AND upload = ?", (key, upload_id)).fetchone()
        if r is None:
            return None
        found: list[dict[str, Any]] = json.loads(zlib.decompress(r["data"])) if r["data"] else []
        return found

    def add_submission(self, county: str, upload_ids: list[int], errors: int, warnings: int,
                       client: str) -> Submission:
        """Record a submission (status 已报送)."""
        at = now()
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO submissions (county, upload_ids, created_at, client, status, errors, warnings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (county, json.dumps(upload_ids), at, client, STATUS_SUBMITTED, errors, warnings))
            sid = int(cur.lastrowid or 0)
            self._audit(db, f"county:{county}", "submit", {"submission": sid, "uploads": upload_ids}, client)
        return Submission(sid, county, tuple(upload_ids), at, client, STATUS_SUBMITTED, "", None, errors, warnings)

    def decide(self, submission_id: int, status: str, note: str, client: str) -> None:
        """The prefecture returns (with a note) or approves a submission; returning an approved
        one withdraws the approval (audited as such)."""
        with self.tx() as db:
            r = db.execute("SELECT county, status FROM submissions WHERE id = ?", (submission_id,)).fetchone()
            db.execute("UPDATE submissions SET status = ?, note = ?, decided_at = ? WHERE id = ?",
                       (status, note, now(), submission_id))
            detail: dict[str, Any] = {"submission": submission_id, "note": note,
                                      "county": r["county"] if r is not None else ""}
            if r is not None and r["status"] == STATUS_APPROVED and status == STATUS_RETURNED:
                detail["withdrawn"] = True
            self._audit(db, "prefecture", status, detail, client)

    def ever_approved(self, county: str) -> set[int]:
        """The county's submissions the prefecture approved at some time, withdrawn ones too.

        Read from the audit log, the record of every decision (a submission's status holds only
        the latest one): a withdrawn approval must still outrank older approvals, see
        :func:`zhenggai.web.workflow.counted`.
        """
        with self.connect() as db:
            rows = db.execute("SELECT detail FROM audit WHERE actor = 'prefecture' AND action = ?",
                              (STATUS_APPROVED,)).fetchall()
        out = set()
        for r in rows:
            detail = json.loads(r["detail"] or "{}")
            if detail.get("county") == county and isinstance(detail.get("submission"), int):
                out.add(int(detail["submission"]))
        return out

    def submissions(self, county: str | None = None) -> list[Submission]:
        """Submissions, oldest first."""
        with self.connect() as db:
            if county is None:
                rows = db.execute("SELECT * FROM submissions ORDER BY id").fetchall()
            else:
                rows = db.execute("SELECT * FROM submissions WHERE county = ? ORDER BY id", (county,)).fetchall()
        return [_submission(r) for r in rows]

    def submission(self, submission_id: int) -> Submission | None:
        """One submission by id."""
        with self.connect() as db:
            r = db.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone()
        return _submission(r) if r is not None else None

    # --- audit --------------------------------------------------------------------------

    def audit(self, actor: str, action: str, detail: dict[str, Any], client: str) -> None:
        """Append to the audit log."""
        with self.tx() as db:
            self._audit(db, actor, action, detail, client)

    @staticmethod
    def _audit(db: sqlite3.Connection, actor: str, action: str, detail: dict[str, Any], client: str) -> None:
        db.execute("INSERT INTO audit (at, actor, action, detail, client) VALUES (?, ?, ?, ?, ?)",
                   (now(), actor, action, json.dumps(detail, ensure_ascii=False), client))

    def audit_log(self) -> list[dict[str, Any]]:
        """The audit log, oldest first."""
        with self.connect() as db:
            return [dict(r) for r in db.execute("SELECT * FROM audit ORDER BY id")]

    def audit_page(self, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the audit log, newest first (page 1 is the latest), and the number of entries."""
        with self.connect() as db:
            total = int(db.execute("SELECT count(*) FROM audit").fetchone()[0])
            rows = db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ? OFFSET ?",
                              (size, (page - 1) * size)).fetchall()
        return [dict(r) for r in rows], total
