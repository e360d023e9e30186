"""The yardstick for ``bench/against_bare.py``: bare Starlette doing the same database reads.

``uvicorn --app-dir bench bare:app`` with ``BENCH_DSN`` (PostgreSQL). ``POST /trivial``
answers what ``{ __typename }`` answers; ``POST /detail`` reads an applicant's application
as the GraphQL ``application(id)`` query does, in the same two statements (the session
with its user and role grants; the application with its family members and materials)
through asyncpg, checks the token, its idle time and ownership, and answers JSON of the
same shape. No GraphQL, no ORM, no middleware: what the service's layers are measured
against.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.crypto import cipher
from core.security import token_hash

DSN = os.environ.get("BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = os.environ.get("TALENT_SECRET_KEY", "development-only-secret-change-me")
IDLE = timedelta(minutes=int(os.environ.get("TALENT_SESSION_IDLE_MINUTES", "30")))

SESSION = """SELECT s.revoked_at, s.last_seen_at, u.id AS user_id, u.username,
  (SELECT COALESCE(json_agg(g ORDER BY g.id), '[]'::json)::text
     FROM role_grants g WHERE g.user_id = s.user_id) AS grants
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.access_hash = $1"""
APPLICATION = """SELECT a.*,
  (SELECT COALESCE(json_agg(f ORDER BY f.id), '[]'::json)::text
     FROM family_members f WHERE f.application_id = a.id) AS members,
  (SELECT COALESCE(json_agg(m ORDER BY m.id), '[]'::json)::text
     FROM materials m WHERE m.application_id = a.id) AS materials
FROM applications a WHERE a.id = $1 AND a.applicant_id = $2"""

pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10)
    try:
        yield
    finally:
        await pool.close()


def _error(code: str) -> JSONResponse:
    return JSONResponse({"data": {"application": {"__typename": "OperationError", "code": code}}})


async def trivial(request: Request) -> Response:
    await request.body()
    return JSONResponse({"data": {"__typename": "Query"}})


async def detail(request: Request) -> Response:
    body = await request.json()
    application_id = int(body["variables"]["id"])
    token = request.headers.get("authorization", "").partition(" ")[2]
    assert pool is not None
    async with pool.acquire() as conn:
        session = await conn.fetchrow(SESSION, token_hash(SECRET, token))
        if session is None or session["revoked_at"] is not None:
            return _error("INVALID_TOKEN")
        if datetime.now(UTC) - session["last_seen_at"] > IDLE:
            return _error("SESSION_EXPIRED")
        if not any(g["role"] == "applicant" for g in json.loads(session["grants"])):
            return _error("FORBIDDEN")
        row = await conn.fetchrow(APPLICATION, application_id, session["user_id"])
        if row is None:
            return _error("NOT_FOUND")
    members: list[dict[str, Any]] = json.loads(row["members"])
    materials: list[dict[str, Any]] = json.loads(row["materials"])
    # Only what the answer holds is decrypted: the identity numbers. (The service's ORM
    # also opens the encrypted columns it does not answer; that is its cost, not the
    # read's.)
    return JSONResponse(
        {
            "data": {
                "application": {
                    "__typename": "Application",
                    "id": str(row["id"]),
                    "state": row["state"],
                    "categoryId": row["category_id"],
                    "conditionId": row["condition_id"],
                    "district": row["district"],
                    "submittedAt": row["submitted_at"].isoformat() if row["submitted_at"] else None,
                    "familyMembers": [
                        {
                            "id": str(m["id"]),
                            "relationship": m["relationship"],
                            "realName": m["real_name"],
                            # Stored encrypted (core/crypto.py): opened as the ORM does.
                            "idNumber": cipher().decrypt(m["id_number"]),
                            "birthDate": m["birth_date"],
                        }
                        for m in members
                    ],
                    "materials": [
                        {
                            "id": str(m["id"]),
                            "kind": m["kind"],
                            "familyMemberId": (
                                str(m["family_member_id"]) if m["family_member_id"] else None
                            ),
                            "contentType": m["content_type"],
                            "size": m["size"],
                            "createdAt": m["created_at"],
                        }
                        for m in materials
                    ],
                }
            }
        }
    )


app = Starlette(
    routes=[
        Route("/trivial", trivial, methods=["POST"]),
        Route("/detail", detail, methods=["POST"]),
    ],
    lifespan=lifespan,
)
