"""Benchmark of the district reviewer's queue (``reviewQueue``) at 100,000 applications.

Usage: ``.venv/bin/python bench/review_queue.py [--applications 100000] [--requests 200]``

Creates a throw-away PostgreSQL database (``TALENT_BENCH_POSTGRES_DSN``, default
``postgres://postgres@127.0.0.1:5432/postgres``), migrates it, and bulk-loads (COPY)
the applications spread over the 11 districts and the lifecycle's states, with their
applicants, family members, supplementary materials and review events. Then it serves
the app in-process (ASGI, inside its lifespan), signs in a 天河区 reviewer, and walks
the queue page after page as a reviewer's screen does, for page sizes 20 and 100:
median and p99 latency per request and SQL statements per request. The database is
dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    # Run as a script from a checkout: make ``core`` and ``plugins`` importable.
    sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from core import crypto, db  # noqa: E402
from core.app import create_app  # noqa: E402
from core.districts import DISTRICTS  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.staff import create_staff  # noqa: E402
from core.states import DISTRICT_STATES  # noqa: E402

DSN = os.environ.get("TALENT_BENCH_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Bench#Queue2026"
STAFF_ID = "44010619860606002" + ric.calc_check_digit("440106198606060020")

# One photo's recognised fields, shaped as core/ocr stores them.
RECOGNISED = {
    name: {
        "value": value,
        "raw": value,
        "confidence": 0.97,
        "status": "ok",
        "offered": True,
        "problem": None,
        "quad": [[120, 340], [860, 340], [860, 392], [120, 392]],
    }
    for name, value in (
        ("name", "林晓燕"),
        ("id_number", "440106199001011234"),
        ("school", "华南理工大学"),
        ("major", "计算机科学与技术"),
        ("certificate_number", "105611202005001234"),
        ("graduation_date", "2012-06-30"),
    )
}

QUEUE = """query($n: Int!, $after: String) { reviewQueue(first: $n, after: $after) {
  ... on CaseList { pageInfo { endCursor hasNextPage }
    cases { id conditionTitle workingDaysWaiting waitingSince
      applicant { realName idNumber mobile }
      reviewDeadline { dueOn workingDaysLeft overdue }
      application { id state stateLabel categoryId conditionId submittedAt
        familyMembers { realName relationship } materials { kind }
        allowedActions { action label } } } }
  ... on OperationError { code message } } }"""


def _pg(dsn: str) -> str:
    return dsn.replace("postgres://", "postgresql://", 1)


def _id_number(n: int) -> str:
    """Unique, well-formed enough for rows nobody signs in with (never validated here)."""
    return f"4401061990{n:08d}"[:18]


async def seed(url: str, count: int, rng: random.Random) -> None:
    conn = await asyncpg.connect(_pg(url))
    try:
        now = datetime.now(UTC)
        year_id = await conn.fetchval(
            "INSERT INTO policy_years (year, title, is_current, revision, created_at) "
            "VALUES (2026, '2026 年度', true, 0, $1) RETURNING id",
            now,
        )
        # Stored as the service stores them: encrypted, with keyed hashes (core/crypto.py),
        # under the keys drive()'s settings give the app; the JSON columns with personal
        # data (sections, family members' details, recognised fields) encrypted too.
        cipher = crypto.configure(Settings(database_url=url))

        def sealed(value: str) -> tuple[str, str]:
            return cipher.encrypt(value), cipher.lookup_hash(value)

        def empty() -> str:
            """An empty JSON object as an encrypted JSON column holds it (a fresh nonce each)."""
            return crypto.seal_json({})

        def recognised() -> str:
            """Recognised fields as the OCR pipeline stores them (about 1 KB), encrypted:
            every material a page loads is opened, so its size counts."""
            return crypto.seal_json(RECOGNISED)

        users = [
            (n, f"bench{n}", f"申请人{n}", *sealed(_id_number(n)), *sealed(f"139{n:08d}"), "x",
             0, now, now)
            for n in range(1, count + 1)
        ]  # fmt: skip
        await conn.copy_records_to_table(
            "users",
            records=users,
            columns=["id", "username", "real_name", "id_number", "id_number_hash", "mobile",
                     "mobile_hash", "password_hash", "failed_logins", "password_changed_at",
                     "created_at"],
        )  # fmt: skip
        states = sorted(s.value for s in DISTRICT_STATES)
        applications, members, materials, events = [], [], [], []
        material_id = member_id = 0
        for n in range(1, count + 1):
            changed = now - timedelta(minutes=rng.randrange(60 * 24 * 90))
            state = rng.choice(states)
            due = (changed + timedelta(days=21)).date() if state == "under_review" else None
            snapshot = (
                '{"title": "具有国内普通高校全日制大学本科学历并有学士学位，年龄在40周岁及以下"}'
            )
            applications.append(
                (n, n, year_id, "education", "bachelor", state, 3, rng.choice(DISTRICTS), None,
                 empty(), snapshot, False, changed - timedelta(days=3), changed, changed, changed,
                 due, False, True)
            )  # fmt: skip
            for _ in range(rng.choice((0, 1, 1, 2))):
                member_id += 1
                members.append(
                    (member_id, n, rng.choice(("spouse", "child")), f"家属{member_id}",
                     *sealed(_id_number(count + member_id)), date(2015, 1, 1), empty(), changed)
                )  # fmt: skip
            for kind in ("id_card_front", "household_register_page", "diploma", "degree_cert",
                         "collective_household_page"):  # fmt: skip
                material_id += 1
                materials.append(
                    (material_id, n, None, kind, uuid.uuid4().hex * 2, "image/jpeg", 123456,
                     1200, 900, "photo.jpg", "", 0, "done", recognised(), changed)
                )  # fmt: skip
            events.append(
                (n, n, n, "submit", "draft", "awaiting_acceptance", None, "applicant",
                 "申办人", None, changed)
            )  # fmt: skip
        await conn.copy_records_to_table(
            "applications",
            records=applications,
            columns=["id", "applicant_id", "policy_year_id", "category_id", "condition_id",
                     "state", "version", "district", "employer_id", "sections",
                     "parameters_snapshot", "fast_track", "created_at", "updated_at",
                     "submitted_at", "state_changed_at", "review_due_on", "review_extended",
                     "reached_district"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "family_members",
            records=members,
            columns=["id", "application_id", "relationship", "real_name", "id_number",
                     "id_number_hash", "birth_date", "details", "created_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "materials",
            records=materials,
            columns=["id", "application_id", "family_member_id", "kind", "content_hash",
                     "content_type", "size", "width", "height", "filename", "label", "rotation",
                     "ocr_status", "ocr_fields", "created_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "review_events",
            records=events,
            columns=["id", "application_id", "actor_id", "action", "from_state", "to_state",
                     "opinion", "actor_role", "actor_label", "details", "created_at"],
        )  # fmt: skip
        for table in ("users", "applications", "family_members", "materials", "review_events"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await conn.execute("ANALYZE")
        print(
            f"seeded {len(applications)} applications, {len(members)} family members, "
            f"{len(materials)} materials, {len(events)} review events"
        )
    finally:
        await conn.close()


class Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def drive(url: str, requests: int, tmp: Path) -> None:
    settings = Settings(
        database_url=url,
        storage_dir=tmp,
        load_entrypoint_plugins=False,
        jobs_poll_seconds=0,
        session_idle_minutes=600,
        ocr_enabled=False,
    )
    # Served as `talent serve` serves it: the collector settled after start-up
    # (core/collector.py), or a full collection of everything start-up made lands in p99.
    app = create_app(settings, settle_gc=True)
    counter = Counter()
    sql_log = logging.getLogger("tortoise.db_client")
    async with app.router.lifespan_context(app):
        await create_staff(
            app.state.services, username="bench.reviewer", real_name="天河区审核员",
            id_number=STAFF_ID, mobile="13800000002", password=PASSWORD,
            role="reviewer", district="天河区",
        )  # fmt: skip
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            login = await http.post(
                "/graphql",
                json={"query": 'mutation { login(account: "bench.reviewer", password: "'
                      + PASSWORD + '") { ... on AuthSession { accessToken } } }'},
            )  # fmt: skip
            token = login.json()["data"]["login"]["accessToken"]
            headers = {"Authorization": f"Bearer {token}"}
            for size in (20, 100):
                latencies: list[float] = []
                statements: list[int] = []
                after: str | None = None
                for i in range(requests + 5):
                    sql_log.setLevel(logging.DEBUG)
                    sql_log.addHandler(counter)
                    counter.count = 0
                    started = time.perf_counter()
                    response = await http.post(
                        "/graphql",
                        json={"query": QUEUE, "variables": {"n": size, "after": after}},
                        headers=headers,
                    )
                    elapsed = time.perf_counter() - started
                    sql_log.removeHandler(counter)
                    sql_log.setLevel(logging.WARNING)
                    body = response.json()
                    result: dict[str, Any] = (body.get("data") or {}).get("reviewQueue") or {}
                    if "cases" not in result:
                        raise SystemExit(f"unexpected answer: {body}")
                    if i >= 5:  # warm-up: caches, connection pool
                        latencies.append(elapsed * 1000)
                        statements.append(counter.count)
                    info = result["pageInfo"]
                    after = info["endCursor"] if info["hasNextPage"] else None
                latencies.sort()
                p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
                print(
                    f"page size {size:3d}: median {statistics.median(latencies):6.1f} ms, "
                    f"p99 {p99:6.1f} ms, SQL statements per request "
                    f"{min(statements)}..{max(statements)} ({len(latencies)} requests)"
                )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    name = f"talent_bench_queue_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_pg(DSN))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{DSN.rsplit('/', 1)[0]}/{name}"
    try:
        await db.migrate(url)
        started = time.perf_counter()
        await seed(url, args.applications, random.Random(2026))
        print(f"seeding took {time.perf_counter() - started:.1f} s")
        await drive(url, args.requests, Path(f"/tmp/{name}"))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
