"""The sandbox's data, in stdlib sqlite3: enabled apps, OAuth settings, linked accounts,
events and session tokens, partitioned by `scope` ("org/environment").

No secret is stored: a client secret or webhook header value only as its fingerprint (an
encrypted variable's value is fingerprinted by its route), and a state file from before that
rule is converted, and scrubbed, when it is opened. Files are created mode 0600.

Owns durability (WAL + synchronous=FULL with a state path, so kill -9 loses no acknowledged
write and never corrupts) and vendor-shaped documents; must not know about HTTP.
Uniqueness of account ids and event names is a server rule checked here, not a schema
constraint, so the admin API can plant duplicates for clients to detect.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OAUTH_TABLE = """CREATE TABLE IF NOT EXISTS oauth (scope TEXT, slug TEXT, client_id TEXT,
    secret_fingerprint TEXT, scopes TEXT, updated_at TEXT, PRIMARY KEY (scope, slug))"""
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (scope TEXT, slug TEXT, enabled_at TEXT,
    PRIMARY KEY (scope, slug));
{OAUTH_TABLE};
CREATE TABLE IF NOT EXISTS accounts (seq INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT,
    account_id TEXT, oid TEXT, name TEXT, udf TEXT, integrations TEXT,
    created TEXT, updated TEXT, v INTEGER);
CREATE INDEX IF NOT EXISTS accounts_by_id ON accounts (scope, account_id);
CREATE INDEX IF NOT EXISTS accounts_by_seq ON accounts (scope, seq);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT,
    oid TEXT, name TEXT, raw TEXT, json_schema TEXT, created TEXT, updated TEXT, v INTEGER);
CREATE INDEX IF NOT EXISTS events_by_scope ON events (scope, seq);
CREATE TABLE IF NOT EXISTS webhooks (seq INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT,
    oid TEXT, body TEXT);
CREATE INDEX IF NOT EXISTS webhooks_by_scope ON webhooks (scope, seq);
CREATE TABLE IF NOT EXISTS docs (seq INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT,
    collection TEXT, oid TEXT, body TEXT);
CREATE INDEX IF NOT EXISTS docs_by_scope ON docs (scope, collection, seq);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, scope TEXT, account_id TEXT,
    refresh TEXT, exp REAL, revoked INTEGER DEFAULT 0, props TEXT);
CREATE TABLE IF NOT EXISTS orgs (label TEXT PRIMARY KEY, org_id TEXT NOT NULL);
"""
FINGERPRINT = re.compile(r"sha256:[0-9a-f]{16}")
REDACTED_VALUE = "[REDACTED]"  # what the API answers for a secret it does not hold
TABLES = ("apps", "oauth", "accounts", "events", "webhooks", "docs", "tokens")
# Tables whose JSON bodies repeat the org id (`org_id`…), rewritten when an org is renamed.
BODY_TABLES = ("webhooks", "docs")


class StateFileError(Exception):
    """The --state file cannot be opened as a sandbox database."""


class Conflict(Exception):
    """A create collided with an existing natural key (account id or event name)."""


class Missing(Exception):
    """The addressed record does not exist in this scope."""


def secret_fingerprint(client_id: str, client_secret: str) -> str:
    """The credential view's fingerprint (contract §3.2): "sha256:" + the first 16 hex of
    sha256(client_id + ":" + secret). Enough to tell a rotated secret, not to recover it."""
    digest = hashlib.sha256(f"{client_id}:{client_secret}".encode()).hexdigest()
    return f"sha256:{digest[:16]}"


def owner_only(path: Path) -> None:
    """Create the state file readable by its owner only (sqlite gives its -wal and -shm the
    same mode), or narrow an existing one to that."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.exists():
            os.chmod(name, 0o600)


def header_fingerprint(scope: str, oid: str, name: str, value: Any) -> str:
    """A webhook header value's fingerprint, bound to its webhook and header name."""
    text = value if isinstance(value, str) else json.dumps(value)
    return secret_fingerprint(f"{scope} {oid} {name}", text)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_object_id() -> str:
    """A MongoDB-ObjectId-like 24-hex id: 4 bytes of time, 8 random bytes."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


class Store:
    """One sqlite database; every public method is one short transaction under a lock."""

    def __init__(self, state_path: Path | None = None) -> None:
        self.state_path = state_path
        target = ":memory:"
        try:
            if state_path is not None:
                target = os.fspath(state_path)
                owner_only(state_path)
            self._db = self._open(target, durable=state_path is not None)
        except (sqlite3.Error, OSError) as error:
            raise StateFileError(f"{target} cannot be used as sandbox state: {error}") from None
        self._lock = threading.RLock()
        self._account_counts: dict[str, int] = {}
        self._header_values: dict[tuple[str, str], dict[str, Any]] = {}

    @staticmethod
    def _open(target: str, *, durable: bool) -> sqlite3.Connection:
        db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA secure_delete=ON")  # a deleted row leaves no old bytes on disk
        if durable:
            # WAL + FULL: a commit is on disk before we answer, and a crash mid-write is
            # rolled back by sqlite's journal, never half-applied.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        _forget_stored_secrets(db, durable=durable)
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- meta ---------------------------------------------------------------------------

    def signing_secret(self) -> bytes:
        """The HMAC key for session JWTs; persisted so tokens survive a restart."""
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE name='jwt'").fetchone()
            if row is None:
                value = secrets.token_hex(32)
                db.execute("INSERT INTO meta VALUES ('jwt', ?)", (value,))
                return value.encode()
            return str(row["value"]).encode()

    def wipe_org(self, org: str) -> None:
        """Delete everything of one org (every environment); its id stays."""
        with self._tx() as db:
            for table in TABLES:
                db.execute(f"DELETE FROM {table} WHERE {_IN_ORG}", (org, len(org) + 1, org + "/"))
            for scope, oid in list(self._header_values):
                if scope.startswith(org + "/"):
                    del self._header_values[(scope, oid)]
        self._account_counts.clear()

    # --- org ids ------------------------------------------------------------------------

    def org_id(self, name: str) -> str:
        """The org id for the keys named `name` (`tk_<name>`, `pk_<name>`): random, made once
        and kept. The table holds an HMAC of the name, so no part of a key is on disk."""
        label = hmac.new(self.signing_secret(), f"org|{name}".encode(), "sha256").hexdigest()
        with self._tx() as db:
            row = db.execute("SELECT org_id FROM orgs WHERE label=?", (label,)).fetchone()
            if row is not None:
                return str(row["org_id"])
            org = secrets.token_hex(12)
            db.execute("INSERT INTO orgs VALUES (?, ?)", (label, org))
            _rename_org(db, f"org_{name}", org)
        return org

    # --- apps and OAuth settings --------------------------------------------------------

    def enabled_apps(self, scope: str) -> list[str]:
        rows = self._query("SELECT slug FROM apps WHERE scope=? ORDER BY slug", scope)
        return [str(row["slug"]) for row in rows]

    def set_enabled(self, scope: str, slug: str, enabled: bool) -> bool:
        """Enable or disable; returns whether anything changed."""
        with self._tx() as db:
            exists = db.execute(
                "SELECT 1 FROM apps WHERE scope=? AND slug=?", (scope, slug)
            ).fetchone()
            if enabled and not exists:
                db.execute("INSERT INTO apps VALUES (?, ?, ?)", (scope, slug, now_iso()))
                return True
            if not enabled and exists:
                db.execute("DELETE FROM apps WHERE scope=? AND slug=?", (scope, slug))
                return True
            return False

    def oauth(self, scope: str) -> dict[str, dict[str, Any]]:
        rows = self._query("SELECT * FROM oauth WHERE scope=?", scope)
        return {str(row["slug"]): _oauth_row(row) for row in rows}

    def get_oauth(self, scope: str, slug: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM oauth WHERE scope=? AND slug=?", scope, slug)
        return _oauth_row(rows[0]) if rows else None

    def put_oauth(
        self, scope: str, slug: str, client_id: str, client_secret: str | None, scopes: list[str]
    ) -> None:
        """Store own credentials as client id + secret fingerprint; `client_secret=None` keeps
        the stored fingerprint, which is only possible while the client id stays the same."""
        with self._tx() as db:
            row = db.execute(
                "SELECT client_id, secret_fingerprint FROM oauth WHERE scope=? AND slug=?",
                (scope, slug),
            ).fetchone()
            if client_secret is not None:
                fingerprint = secret_fingerprint(client_id, client_secret)
            elif row is None or not row["secret_fingerprint"]:
                raise Missing("client_secret is required the first time credentials are set")
            elif row["client_id"] != client_id:
                raise Missing(
                    "client_secret is required when client_id changes: the sandbox keeps only a "
                    "fingerprint of the secret, bound to the client id it was set with"
                )
            else:
                fingerprint = str(row["secret_fingerprint"])
            db.execute(
                "INSERT OR REPLACE INTO oauth VALUES (?, ?, ?, ?, ?, ?)",
                (scope, slug, client_id, fingerprint, json.dumps(sorted(set(scopes))), now_iso()),
            )

    def delete_oauth(self, scope: str, slug: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM oauth WHERE scope=? AND slug=?", (scope, slug))

    # --- linked accounts ----------------------------------------------------------------

    def count_accounts(self, scope: str) -> int:
        # Cached per scope: paging 100k accounts must not recount on every page.
        with self._lock:
            if scope not in self._account_counts:
                row = self._db.execute(
                    "SELECT COUNT(*) FROM accounts WHERE scope=?", (scope,)
                ).fetchone()
                self._account_counts[scope] = int(row[0])
            return self._account_counts[scope]

    def page_accounts(self, scope: str, offset: int, limit: int) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT * FROM accounts WHERE scope=? ORDER BY seq LIMIT ? OFFSET ?",
            scope,
            limit,
            offset,
        )
        return [_account_doc(row, scope) for row in rows]

    def get_account(self, scope: str, account_id: str) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT * FROM accounts WHERE scope=? AND account_id=? ORDER BY seq LIMIT 1",
            scope,
            account_id,
        )
        return _account_doc(rows[0], scope) if rows else None

    def create_account(
        self, scope: str, account_id: str, name: str | None, udf: dict[str, str]
    ) -> dict[str, Any]:
        with self._tx() as db:
            if _find_account(db, scope, account_id) is not None:
                raise Conflict(account_id)
            _insert_account(db, scope, account_id, name, udf)
            self._account_counts.pop(scope, None)
        found = self.get_account(scope, account_id)
        assert found is not None
        return found

    def upsert_account(
        self, scope: str, account_id: str, name: str | None, udf: dict[str, str]
    ) -> tuple[dict[str, Any], bool]:
        """Create or update; UDF keys merge (sent keys replace, others stay). → (doc, created)."""
        with self._tx() as db:
            row = _find_account(db, scope, account_id)
            if row is None:
                _insert_account(db, scope, account_id, name, udf)
                self._account_counts.pop(scope, None)
            else:
                stamp = now_iso()
                merged = _merge_udf(json.loads(row["udf"]), udf, stamp)
                db.execute(
                    "UPDATE accounts SET name=?, udf=?, updated=?, v=v+1 WHERE seq=?",
                    (
                        name if name is not None else row["name"],
                        json.dumps(merged),
                        stamp,
                        row["seq"],
                    ),
                )
        found = self.get_account(scope, account_id)
        assert found is not None
        return found, row is None

    def delete_account(self, scope: str, account_id: str) -> bool:
        with self._tx() as db:
            gone = db.execute(
                "DELETE FROM accounts WHERE scope=? AND account_id=?", (scope, account_id)
            ).rowcount
            db.execute(
                "UPDATE tokens SET revoked=1 WHERE scope=? AND account_id=?", (scope, account_id)
            )
            self._account_counts.pop(scope, None)
        return gone > 0

    def connect_app(self, scope: str, account_id: str, slug: str, name: str) -> None:
        with self._tx() as db:
            row = _find_account(db, scope, account_id)
            if row is None:
                raise Missing(account_id)
            integrations = json.loads(row["integrations"])
            if any(item["type"] == slug for item in integrations):
                return
            stamp = now_iso()
            integrations.append(_integration(slug, name, account_id, stamp))
            db.execute(
                "UPDATE accounts SET integrations=?, updated=? WHERE seq=?",
                (json.dumps(integrations), stamp, row["seq"]),
            )

    def disconnect_app(self, scope: str, account_id: str, slug: str) -> None:
        with self._tx() as db:
            row = _find_account(db, scope, account_id)
            if row is None:
                raise Missing(account_id)
            kept = [i for i in json.loads(row["integrations"]) if i["type"] != slug]
            db.execute(
                "UPDATE accounts SET integrations=? WHERE seq=?", (json.dumps(kept), row["seq"])
            )

    def all_accounts(self, scope: str) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM accounts WHERE scope=? ORDER BY seq", scope)
        return [_account_doc(row, scope) for row in rows]

    def duplicate_accounts(self, scope: str) -> dict[str, int]:
        rows = self._query(
            "SELECT account_id, COUNT(*) AS n FROM accounts WHERE scope=? "
            "GROUP BY account_id HAVING n > 1",
            scope,
        )
        return {str(row["account_id"]): int(row["n"]) for row in rows}

    def observers(
        self,
        scope: str,
        count: int,
        prefix: str,
        udf: dict[str, str],
        connected: list[tuple[str, str]],
    ) -> int:
        """Insert `count` accounts `<prefix>000001…` in one transaction; skips existing ids.

        Rows are generated as sqlite consumes them, with ids from one random base and a
        counter, so a million accounts take seconds and no list of a million rows."""
        with self._tx() as db:
            taken = {
                str(row[0])
                for row in db.execute(
                    "SELECT account_id FROM accounts WHERE scope=? AND account_id LIKE ?",
                    (scope, prefix.replace("%", r"\%") + "%"),
                )
            }
            wanted = (f"{prefix}{index:06d}" for index in range(1, count + 1))
            rows = _seed_rows(scope, (a for a in wanted if a not in taken), udf, connected)
            inserted = db.executemany(
                "INSERT INTO accounts (scope, account_id, oid, name, udf, integrations, "
                "created, updated, v) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                rows,
            ).rowcount
            self._account_counts.pop(scope, None)
        return inserted

    # --- events -------------------------------------------------------------------------

    def list_events(self, scope: str) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM events WHERE scope=? ORDER BY seq", scope)
        return [_event_row(row) for row in rows]

    def get_event(self, scope: str, event_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM events WHERE scope=? AND oid=?", scope, event_id)
        return _event_row(rows[0]) if rows else None

    def create_event(
        self, scope: str, name: str, raw: str, json_schema: Any, *, allow_duplicate: bool = False
    ) -> str:
        with self._tx() as db:
            taken = db.execute(
                "SELECT 1 FROM events WHERE scope=? AND name=?", (scope, name)
            ).fetchone()
            if taken and not allow_duplicate:
                raise Conflict(name)
            oid = new_object_id()
            stamp = now_iso()
            db.execute(
                "INSERT INTO events (scope, oid, name, raw, json_schema, created, updated, v) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                (scope, oid, name, raw, _dump_optional(json_schema), stamp, stamp),
            )
        return oid

    def replace_event(
        self, scope: str, event_id: str, name: str, raw: str, json_schema: Any
    ) -> None:
        with self._tx() as db:
            if not db.execute(
                "SELECT 1 FROM events WHERE scope=? AND oid=?", (scope, event_id)
            ).fetchone():
                raise Missing(event_id)
            if db.execute(
                "SELECT 1 FROM events WHERE scope=? AND name=? AND oid<>?",
                (scope, name, event_id),
            ).fetchone():
                raise Conflict(name)
            db.execute(
                "UPDATE events SET name=?, raw=?, json_schema=?, updated=?, v=v+1 "
                "WHERE scope=? AND oid=?",
                (name, raw, _dump_optional(json_schema), now_iso(), scope, event_id),
            )

    def delete_event(self, scope: str, event_id: str) -> None:
        with self._tx() as db:
            gone = db.execute(
                "DELETE FROM events WHERE scope=? AND oid=?", (scope, event_id)
            ).rowcount
        if not gone:
            raise Missing(event_id)

    def duplicate_events(self, scope: str) -> dict[str, int]:
        rows = self._query(
            "SELECT name, COUNT(*) AS n FROM events WHERE scope=? GROUP BY name HAVING n > 1",
            scope,
        )
        return {str(row["name"]): int(row["n"]) for row in rows}

    # --- webhooks (no natural key: the vendor allows duplicates) --------------------------
    # Header values are secrets (tokens): the database keeps a fingerprint of each, the value
    # itself lives in this process's memory only and is answered while it runs; after a
    # restart the API answers "[REDACTED]", as the vendor does for values it will not show.

    def list_webhooks(self, scope: str) -> list[dict[str, Any]]:
        rows = self._query("SELECT body FROM webhooks WHERE scope=? ORDER BY seq", scope)
        return [self._with_headers(scope, json.loads(row["body"])) for row in rows]

    def get_webhook(self, scope: str, oid: str) -> dict[str, Any] | None:
        rows = self._query("SELECT body FROM webhooks WHERE scope=? AND oid=?", scope, oid)
        return self._with_headers(scope, json.loads(rows[0]["body"])) if rows else None

    def save_webhook(self, scope: str, doc: dict[str, Any]) -> None:
        """Insert, or replace the webhook with the same `_id`."""
        with self._tx() as db:
            row = db.execute(
                "SELECT body FROM webhooks WHERE scope=? AND oid=?", (scope, doc["_id"])
            ).fetchone()
            before = json.loads(row["body"]).get("webhook_headers") if row else None
            body = json.dumps(self._without_headers(scope, doc, before or {}))
            if row is not None:
                db.execute(
                    "UPDATE webhooks SET body=? WHERE scope=? AND oid=?", (body, scope, doc["_id"])
                )
            else:
                db.execute(
                    "INSERT INTO webhooks (scope, oid, body) VALUES (?, ?, ?)",
                    (scope, doc["_id"], body),
                )

    def delete_webhook(self, scope: str, oid: str) -> bool:
        with self._tx() as db:
            gone = db.execute("DELETE FROM webhooks WHERE scope=? AND oid=?", (scope, oid))
            self._header_values.pop((scope, oid), None)
            return gone.rowcount > 0

    def _without_headers(
        self, scope: str, doc: dict[str, Any], before: dict[str, Any]
    ) -> dict[str, Any]:
        """The doc to store: each header value replaced by its fingerprint, the value kept in
        memory. A value answered redacted and sent back unchanged keeps its fingerprint."""
        headers = doc.get("webhook_headers")
        if not isinstance(headers, dict):
            return doc
        values, stored = {}, {}
        for name, value in headers.items():
            if value == REDACTED_VALUE and isinstance(before.get(name), str):
                stored[name] = before[name]
                continue
            stored[name] = header_fingerprint(scope, doc["_id"], name, value)
            values[name] = value
        with self._lock:
            self._header_values[(scope, doc["_id"])] = values
        return {**doc, "webhook_headers": stored}

    def _with_headers(self, scope: str, doc: dict[str, Any]) -> dict[str, Any]:
        headers = doc.get("webhook_headers")
        if not isinstance(headers, dict):
            return doc
        with self._lock:
            values = self._header_values.get((scope, doc["_id"]), {})
        shown = {
            name: values[name]
            if name in values
            and header_fingerprint(scope, doc["_id"], name, values[name]) == fingerprint
            else REDACTED_VALUE
            for name, fingerprint in headers.items()
        }
        return {**doc, "webhook_headers": shown}

    # --- other vendor objects, as JSON documents by collection (MCP servers, env vars) --------

    def list_docs(self, scope: str, collection: str) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT body FROM docs WHERE scope=? AND collection=? ORDER BY seq", scope, collection
        )
        return [json.loads(row["body"]) for row in rows]

    def get_doc(self, scope: str, collection: str, oid: str) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT body FROM docs WHERE scope=? AND collection=? AND oid=?",
            scope,
            collection,
            oid,
        )
        return json.loads(rows[0]["body"]) if rows else None

    def save_doc(self, scope: str, collection: str, doc: dict[str, Any]) -> None:
        """Insert, or replace the document with the same `_id`."""
        with self._tx() as db:
            updated = db.execute(
                "UPDATE docs SET body=? WHERE scope=? AND collection=? AND oid=?",
                (json.dumps(doc), scope, collection, doc["_id"]),
            ).rowcount
            if not updated:
                db.execute(
                    "INSERT INTO docs (scope, collection, oid, body) VALUES (?, ?, ?, ?)",
                    (scope, collection, doc["_id"], json.dumps(doc)),
                )

    def delete_doc(self, scope: str, collection: str, oid: str) -> bool:
        with self._tx() as db:
            gone = db.execute(
                "DELETE FROM docs WHERE scope=? AND collection=? AND oid=?",
                (scope, collection, oid),
            )
            return gone.rowcount > 0

    # --- session tokens -----------------------------------------------------------------

    def live_token(self, scope: str, account_id: str, now: float) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT * FROM tokens WHERE scope=? AND account_id=? AND revoked=0 AND exp>? "
            "ORDER BY exp DESC LIMIT 1",
            scope,
            account_id,
            now,
        )
        return dict(rows[0]) if rows else None

    def save_token(self, token: str, scope: str, account_id: str, refresh: str, exp: float) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO tokens (token, scope, account_id, refresh, exp, props) "
                "VALUES (?, ?, ?, ?, ?, NULL)",
                (token, scope, account_id, refresh, exp),
            )

    def token(self, token: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM tokens WHERE token=?", token)
        return dict(rows[0]) if rows else None

    def revoke_token(self, token: str) -> int:
        with self._tx() as db:
            return int(
                db.execute(
                    "UPDATE tokens SET revoked=1 WHERE token=? AND revoked=0", (token,)
                ).rowcount
            )

    def save_props(self, token: str, props: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute("UPDATE tokens SET props=? WHERE token=?", (json.dumps(props), token))


_IN_ORG = "(scope = ? OR substr(scope, 1, ?) = ?)"


def _rename_org(db: sqlite3.Connection, old: str, new: str) -> None:
    """Move a state file's data from an org id of earlier versions (`org_` + the key's
    suffix) to its new random id, so upgrading loses nothing and keeps no key suffix."""
    match = (old, len(old) + 1, old + "/")
    if not any(
        db.execute(f"SELECT 1 FROM {t} WHERE {_IN_ORG} LIMIT 1", match).fetchone() for t in TABLES
    ):
        return
    for table in TABLES:
        db.execute(
            f"UPDATE {table} SET scope = ? || substr(scope, ?) WHERE {_IN_ORG}",
            (new, len(old) + 1, *match),
        )
    for table in BODY_TABLES:
        db.execute(
            f"UPDATE {table} SET body = replace(body, ?, ?) WHERE {_IN_ORG}",
            (f'"{old}"', f'"{new}"', new, len(new) + 1, new + "/"),
        )


def _forget_stored_secrets(db: sqlite3.Connection, *, durable: bool) -> None:
    """Convert a state file that still holds secrets in clear (sandbox versions before the
    fingerprint rule: the `oauth` table's secrets, webhook header values): fingerprint each,
    then rewrite the file (VACUUM) and empty the WAL so no page with an old secret survives."""
    columns = {str(row[1]) for row in db.execute("PRAGMA table_info(oauth)")}
    old_oauth = "client_secret" in columns
    if not old_oauth and not _clear_headers(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if old_oauth:
            _fingerprint_oauth_secrets(db)
        for seq, scope, body in _clear_headers(db):
            body["webhook_headers"] = {
                name: value
                if FINGERPRINT.fullmatch(str(value))
                else header_fingerprint(scope, body["_id"], name, value)
                for name, value in body["webhook_headers"].items()
            }
            db.execute("UPDATE webhooks SET body=? WHERE seq=?", (json.dumps(body), seq))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    db.execute("VACUUM")
    if durable:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _clear_headers(db: sqlite3.Connection) -> list[tuple[int, str, dict[str, Any]]]:
    """Webhooks whose stored header values are not all fingerprints."""
    found = []
    for row in db.execute("SELECT seq, scope, body FROM webhooks"):
        body = json.loads(row["body"])
        headers = body.get("webhook_headers")
        if isinstance(headers, dict) and not all(
            FINGERPRINT.fullmatch(str(v)) for v in headers.values()
        ):
            found.append((int(row["seq"]), str(row["scope"]), body))
    return found


def _fingerprint_oauth_secrets(db: sqlite3.Connection) -> None:
    """The `oauth` table without its `client_secret` column: a fingerprint instead."""
    rows = db.execute("SELECT * FROM oauth").fetchall()
    db.execute("ALTER TABLE oauth RENAME TO oauth_with_secrets")
    db.execute(OAUTH_TABLE)
    db.executemany(
        "INSERT INTO oauth VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                row["scope"],
                row["slug"],
                row["client_id"],
                secret_fingerprint(row["client_id"], row["client_secret"])
                if row["client_secret"]
                else None,
                row["scopes"],
                row["updated_at"],
            )
            for row in rows
        ],
    )
    db.execute("DROP TABLE oauth_with_secrets")


def _oauth_row(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "client_id": row["client_id"],
        "secret_fingerprint": row["secret_fingerprint"],
        "scopes": json.loads(row["scopes"]),
        "updatedAt": row["updated_at"],
    }


def _find_account(db: sqlite3.Connection, scope: str, account_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM accounts WHERE scope=? AND account_id=? ORDER BY seq LIMIT 1",
        (scope, account_id),
    ).fetchone()
    return row


def _insert_account(
    db: sqlite3.Connection, scope: str, account_id: str, name: str | None, udf: dict[str, str]
) -> None:
    stamp = now_iso()
    db.execute(
        "INSERT INTO accounts (scope, account_id, oid, name, udf, integrations, created, "
        "updated, v) VALUES (?, ?, ?, ?, ?, '[]', ?, ?, 0)",
        (
            scope,
            account_id,
            new_object_id(),
            name if name is not None else account_id,
            json.dumps(_merge_udf([], udf, stamp)),
            stamp,
            stamp,
        ),
    )


def _seed_ids() -> Iterator[str]:
    """ObjectId-like 24-hex ids for a bulk seed: time and 4 random bytes, then a counter
    (unique within the seed, distinct from other seeds; no syscall per id)."""
    base = f"{int(time.time()):08x}{secrets.token_hex(4)}"
    return (f"{base}{n:08x}" for n in itertools.count())


def _seed_rows(
    scope: str,
    account_ids: Iterator[str],
    udf: dict[str, str],
    connected: list[tuple[str, str]],
) -> Iterator[tuple[str, ...]]:
    """Rows for `observers`. The UDF entries differ per account only in their `_id`s, so
    their JSON is written once around the ids (json.dumps per row was 40% of seeding)."""
    stamp, ids = now_iso(), _seed_ids()
    dates = json.dumps({"createdAt": stamp, "updatedAt": stamp})[1:]
    udf_parts = [
        f'{{"key_name": {json.dumps(k)}, "key_value": {json.dumps(v)}, "_id": "'
        for k, v in udf.items()
    ]
    for account_id in account_ids:
        udf_json = "[" + ", ".join(f'{part}{next(ids)}", {dates}' for part in udf_parts) + "]"
        integrations = [
            {**_integration(slug, name, account_id, stamp), "_id": next(ids)}
            for slug, name in connected
        ]
        yield (
            scope,
            account_id,
            next(ids),
            account_id,
            udf_json,
            json.dumps(integrations) if integrations else "[]",
            stamp,
            stamp,
        )


def _merge_udf(entries: list[dict[str, Any]], udf: dict[str, str], stamp: str) -> list[Any]:
    """Vendor UDF entries: sent keys update in place or append; unsent keys stay."""
    by_key = {entry["key_name"]: entry for entry in entries}
    for key, value in udf.items():
        if key in by_key:
            by_key[key].update(key_value=value, updatedAt=stamp)
        else:
            entry = {
                "key_name": key,
                "key_value": value,
                "_id": new_object_id(),
                "createdAt": stamp,
                "updatedAt": stamp,
            }
            entries.append(entry)
            by_key[key] = entry
    return entries


def _integration(slug: str, name: str, account_id: str, stamp: str) -> dict[str, Any]:
    return {
        "_id": new_object_id(),
        "type": slug,
        "name": name,
        "icon": None,
        "app_id": None,
        "identifier": f"{account_id}@{slug}",
        "reauth_required": False,
        "refresh_token_expired": False,
        "createdAt": stamp,
        "updatedAt": stamp,
    }


def _account_doc(row: sqlite3.Row, scope: str) -> dict[str, Any]:
    org, environment = scope.split("/", 1)
    return {
        "_id": row["oid"],
        "associated_org": org,
        "account_id": row["account_id"],
        "name": row["name"],
        "environment": environment,
        "udf": json.loads(row["udf"]),
        "is_seed": False,
        "tenant_account_id": None,
        "integrations": json.loads(row["integrations"]),
        "createdAt": row["created"],
        "updatedAt": row["updated"],
        "__v": row["v"],
    }


def _event_row(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "_id": row["oid"],
        "name": row["name"],
        "raw": row["raw"],
        "json_schema": json.loads(row["json_schema"]) if row["json_schema"] else None,
        "createdAt": row["created"],
        "updatedAt": row["updated"],
        "__v": row["v"],
    }


def _dump_optional(value: Any) -> str | None:
    return None if value is None else json.dumps(value)
