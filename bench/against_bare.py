"""The service over HTTP, side by side with bare Starlette doing the same database reads.

Usage: ``.venv/bin/python bench/against_bare.py [--quick] [--workers 2] [--applicants 50]``

One command, every figure of issue 6's performance section:

1. creates a throw-away PostgreSQL database (``TALENT_BENCH_POSTGRES_DSN``, default
   ``postgres://postgres@127.0.0.1:5432/postgres``), migrates it, adds an employer;
2. starts the service (``talent serve --workers N``) and the yardstick ``bench/bare.py``
   (uvicorn, the same number of workers) on 127.0.0.1;
3. drives them from separate client processes (this file's ``load``, ``journey`` and
   ``ocr-stream`` commands: asyncio, raw HTTP/1.1 keep-alive sockets for the loads,
   httpx for the journey), bounded in count and time, and prints:

   - a trivial query (``{ __typename }``) against the bare endpoint: requests per second;
   - an applicant's application detail with 2 family members and 9 materials, 10
     concurrent clients: requests per second against the bare endpoint, p99, and the SQL
     statements of one request (counted in-process over ASGI on the same database);
   - the full applicant journey of ``--applicants`` simulated applicants (register, log in,
     face verification through ``POST /dev/face-verification/{id}/scan``, one-click test,
     every section, two family members, the uploads the dossier asks for, submit, query
     status): p99 per operation and errors;
   - the detail's p99 with and without a background stream of OCR uploads;
   - beside each load, the server's own CPU time per request (its process group's, read
     from ``/proc``): not a goal, but steadier than requests per second on a host whose
     other tenants take the cores for seconds at a time.

Goals are marked met or missed. All simulated clients share the address 127.0.0.1, so the
per-address rate limits (meant for people behind one NAT) are raised for the run, and the
OCR queue may hold every journey's photos (``TALENT_OCR_MAX_PENDING``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    # Run as a script from a checkout: make ``core`` and ``plugins`` importable.
    sys.path.insert(0, str(REPO))

PYTHON = sys.executable
DSN = os.environ.get("TALENT_BENCH_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Gz#Talent2026"
OCR_PHOTO = REPO.parent / "shared" / "fixtures" / "ocr" / "degree_cert_00.jpg"

TRIVIAL = "{ __typename }"
DETAIL = """query($id: ID!) { application(id: $id) {
  __typename
  ... on Application { id state categoryId conditionId district submittedAt
    familyMembers { id relationship realName idNumber birthDate }
    materials { id kind familyMemberId contentType size createdAt } }
  ... on OperationError { code message } } }"""
REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  __typename ... on OperationError { code message } } }"""
LOGIN = """mutation($a: String!, $p: String!) { login(account: $a, password: $p) {
  __typename ... on AuthSession { accessToken } ... on OperationError { code message } } }"""
FACE = """mutation { startFaceVerification(purpose: SHARED_DATA) {
  __typename ... on FaceVerification { id } ... on OperationError { code message } } }"""
TEST = """mutation($input: EligibilityTestInput!) { runEligibilityTest(input: $input) {
  __typename ... on EligibilityAnalysis { id conditions { conditionId outcome } }
  ... on OperationError { code message } } }"""
START = """mutation($a: ID!) { startApplication(analysisId: $a, categoryId: "education",
  conditionId: "bachelor") { __typename ... on Application { id }
  ... on OperationError { code message } } }"""
SAVE = """mutation($a: ID!, $s: DossierSection!, $v: JSON) {
  saveSection(applicationId: $a, section: $s, values: $v) {
    __typename ... on Confirmation { canSubmit problems { section code message } }
    ... on OperationError { code message } } }"""
ADD_MEMBER = """mutation($a: ID!, $i: FamilyMemberInput!) {
  addFamilyMember(applicationId: $a, input: $i) {
    __typename ... on FamilyMember { id } ... on OperationError { code message } } }"""
UPLOAD = """mutation($a: ID!, $kind: String!, $file: Upload!, $member: ID) {
  uploadMaterial(applicationId: $a, kind: $kind, file: $file, familyMemberId: $member) {
    __typename ... on Material { id ocrProgress { status } }
    ... on OperationError { code message } } }"""
SUBMIT = """mutation($a: ID!) { submitApplication(applicationId: $a) {
  __typename ... on Application { id state } ... on OperationError { code message details } } }"""
STATUS = """query($id: ID!) { application(id: $id) {
  __typename ... on Application { state stateLabel timeline { action label at } }
  ... on OperationError { code message } } }"""
MATERIAL = """query($id: ID!) { material(id: $id) {
  __typename ... on Material { ocrProgress { status } } ... on OperationError { code } } }"""

# The yardstick served as the service is (core/cli.py): uvicorn, TCP_NODELAY, no access log.
BARE_LAUNCH = (
    f"import sys; sys.path.insert(0, {str(REPO)!r}); import uvicorn; "
    "from core.server_protocol import HTTP_PROTOCOL; "
    "uvicorn.run('bench.bare:app', workers={workers}, port={port}, http=HTTP_PROTOCOL, "
    "access_log=False, log_level='warning')"
)

# Rounds of each load, service and yardstick in turn (5 s each; --quick: one of 3 s).
ROUNDS = 5
ROUNDS_QUICK = 1
# Pairs of rounds (OCR idle, then busy) for the OCR figure.
OCR_ROUNDS = 3

# What a person's scripted journey does besides login and OCR (the 200 ms goal's scope).
EXCLUDED_FROM_GOAL = {"login"}


def _pg(dsn: str) -> str:
    return dsn.replace("postgres://", "postgresql://", 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


# Client: closed-loop load over raw keep-alive sockets ---------------------------------


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:]) if k
    }
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = b""
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def load(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec``: port, path, body (JSON text), token, connections, seconds, max_requests."""
    body = spec["body"].encode()
    headers = [
        f"POST {spec['path']} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
    ]
    if spec.get("token"):
        headers.append(f"Authorization: Bearer {spec['token']}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode() + body
    latencies: list[float] = []
    errors: list[str] = []
    budget = [int(spec["max_requests"])]
    # Connected one after another, not all at once: a burst of connections lands in the
    # accept queue together, and the first server worker to wake takes all of them (its
    # event loop accepts whatever is queued), which left a worker idle in some rounds.
    # Staggered, each goes to a worker that is free to accept it, as clients arriving
    # over time do.
    streams = []
    for _ in range(int(spec["connections"])):
        streams.append(await asyncio.open_connection("127.0.0.1", int(spec["port"])))
        await asyncio.sleep(0.02)
    deadline = time.perf_counter() + float(spec["seconds"])

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while budget[0] > 0 and time.perf_counter() < deadline:
                budget[0] -= 1
                started = time.perf_counter()
                writer.write(request)
                status, answer = await _read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200 or b'"errors"' in answer or b"OperationError" in answer:
                    errors.append(answer[:300].decode(errors="replace"))
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(reader, writer) for reader, writer in streams))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


# Client: the applicant journey ---------------------------------------------------------


def _id_number(body: str) -> str:
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


def person(n: int) -> dict[str, str]:
    """Made-up, well-formed people the shared database does not know (no fast track)."""
    day, seq = (n % 28) + 1, n * 2 + 1
    return {
        "name": f"测试{n}",
        "id_number": _id_number(f"440106199501{day:02d}{seq % 1000:03d}"),
        "spouse": _id_number(f"440106199603{day:02d}{(seq + 1) % 1000:03d}"),
        "child": _id_number(f"440106202004{day:02d}{seq % 1000:03d}"),
        "mobile": f"139{n:08d}",
        "username": f"bench{n}",
    }


def png(n: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64 + n, 48), (n * 37 % 256, n * 91 % 256, 200)).save(buffer, "PNG")
    return buffer.getvalue()


class Journey:
    """One applicant's steps through the live server, each timed under its name."""

    def __init__(self, http: Any, n: int, employer_id: int, timings: dict[str, list[float]]):
        self.http = http
        self.n = n
        self.who = person(n)
        self.employer_id = employer_id
        self.timings = timings
        self.token: str | None = None
        self.errors: list[str] = []
        self.materials: list[str] = []

    async def _timed(self, name: str, send: Callable[[], Awaitable[Any]]) -> Any:
        started = time.perf_counter()
        response = await send()
        self.timings[name].append((time.perf_counter() - started) * 1000)
        return response

    async def gql(
        self, name: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self._timed(
            name,
            lambda: self.http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            ),
        )
        body = response.json()
        data = (body.get("data") or {}) if isinstance(body, dict) else {}
        result = next(iter(data.values()), None) if data else None
        if response.status_code != 200 or "errors" in body or not result:
            raise RuntimeError(f"{name}: {response.status_code} {str(body)[:300]}")
        if isinstance(result, dict) and result.get("__typename") == "OperationError":
            raise RuntimeError(f"{name}: {result}")
        return result  # type: ignore[no-any-return]

    async def upload(self, application_id: str, kind: str, data: bytes, member: str | None) -> str:
        operations = {
            "query": UPLOAD,
            "variables": {"a": application_id, "kind": kind, "file": None, "member": member},
        }
        response = await self._timed(
            "uploadMaterial",
            lambda: self.http.post(
                "/graphql",
                data={
                    "operations": json.dumps(operations),
                    "map": json.dumps({"0": ["variables.file"]}),
                },
                files={"0": ("photo.png", data, "image/png")},
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Apollo-Require-Preflight": "true",
                },
            ),
        )
        result = (response.json().get("data") or {}).get("uploadMaterial") or {}
        if result.get("__typename") != "Material":
            raise RuntimeError(f"uploadMaterial: {response.status_code} {response.text[:300]}")
        self.materials.append(str(result["id"]))
        return str(result["id"])

    async def recognised(self, material_id: str, seconds: float = 120) -> None:
        """Wait until the material's recognition ended (the OCR pool is idle for it)."""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            progress = await self.gql("material", MATERIAL, {"id": material_id})
            if progress["ocrProgress"]["status"] not in ("queued", "running"):
                return
            await asyncio.sleep(0.2)

    async def run(self, *, submit: bool = True) -> str:
        who = self.who
        await self.gql(
            "register",
            REGISTER,
            {
                "input": {
                    "username": who["username"],
                    "realName": who["name"],
                    "idNumber": who["id_number"],
                    "mobile": who["mobile"],
                    "password": PASSWORD,
                }
            },
        )
        session = await self.gql("login", LOGIN, {"a": who["username"], "p": PASSWORD})
        self.token = session["accessToken"]
        face = await self.gql("startFaceVerification", FACE)
        scanned = await self._timed(
            "faceScan (dev)",
            lambda: self.http.post(
                f"/dev/face-verification/{face['id']}/scan",
                json={"idNumber": who["id_number"], "name": who["name"]},
            ),
        )
        if scanned.status_code != 200:
            raise RuntimeError(f"faceScan: {scanned.status_code} {scanned.text[:200]}")
        analysis = await self.gql(
            "runEligibilityTest",
            TEST,
            {
                "input": {
                    "verificationId": face["id"],
                    "noticeAccepted": True,
                    "certificateNumbers": [],
                }
            },
        )
        started = await self.gql("startApplication", START, {"a": analysis["id"]})
        application_id = str(started["id"])
        sections: dict[str, dict[str, Any]] = {
            "QUALIFICATION": {
                "diploma_level": "bachelor",
                "study_mode": "full_time",
                "institution": "华南理工大学",
                "major": "计算机科学与技术",
                "graduated_on": "2016-06-30",
                "diploma_number": "105611201605001234",
                "degree_level": "bachelor",
                "degree_number": "1056142016001234",
                "degree_awarded_on": "2016-06-30",
            },
            "PERSONAL": {
                "gender": "男",
                "ethnicity": "汉族",
                "household_register_address": "湖南省长沙市岳麓区",
                "employer_id": self.employer_id,
            },
            "SETTLEMENT": {
                "address_type": "collective_household",
                "district": "天河区",
                "address": "广州市天河区测试路1号",
            },
        }
        for section, values in sections.items():
            await self.gql("saveSection", SAVE, {"a": application_id, "s": section, "v": values})
        members = {}
        for relationship, name, id_number, gender in (
            ("spouse", f"配偶{self.n}", who["spouse"], "女"),
            ("child", f"子女{self.n}", who["child"], "男"),
        ):
            added = await self.gql(
                "addFamilyMember",
                ADD_MEMBER,
                {
                    "a": application_id,
                    "i": {
                        "relationship": relationship,
                        "realName": name,
                        "idNumber": id_number,
                        "details": {"gender": gender, "household_register_address": "湖南省长沙市"},
                    },
                },
            )
            members[relationship] = str(added["id"])
        await self.gql("saveSection", SAVE, {"a": application_id, "s": "FAMILY", "v": {}})
        uploads = [
            ("id_card_front", None),
            ("household_register_page", None),
            ("collective_household_page", None),
            ("diploma", None),
            ("degree_cert", None),
            ("marriage_cert", members["spouse"]),
            ("household_register_page", members["spouse"]),
            ("birth_certificate", members["child"]),
            ("household_register_page", members["child"]),
        ]
        for i, (kind, member) in enumerate(uploads):
            await self.upload(application_id, kind, png(self.n * 10 + i), member)
        if submit:
            await self.gql("submitApplication", SUBMIT, {"a": application_id})
            await self.gql("application (status)", STATUS, {"id": application_id})
        return application_id


async def journey(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec``: port, employer_id, applicants, first (number of the first), ramp_seconds."""
    import httpx

    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    count, ramp = int(spec["applicants"]), float(spec["ramp_seconds"])

    async def one(i: int, http: Any) -> None:
        await asyncio.sleep(ramp * i / max(count, 1))  # arrivals spread over the ramp
        try:
            await Journey(http, int(spec["first"]) + i, int(spec["employer_id"]), timings).run()
        except Exception as error:
            errors.append(str(error)[:400])

    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{spec['port']}", timeout=60, limits=limits
    ) as http:
        await asyncio.gather(*(one(i, http) for i in range(count)))
    return {
        "seconds": time.perf_counter() - started,
        "operations": {
            name: {"count": len(v), "p50": percentile(v, 0.5), "p99": percentile(v, 0.99)}
            for name, v in timings.items()
        },
        "errors": errors,
    }


async def ocr_stream(spec: dict[str, Any]) -> dict[str, Any]:
    """Photos uploaded one after another by ``streams`` applicants, each waiting for its
    recognition to end, for ``seconds``: OCR busy in the background. The last photo's
    recognition is waited for, so the OCR pool is idle when this returns."""
    import httpx

    photo = OCR_PHOTO.read_bytes()
    done = [0]
    deadline = time.perf_counter() + float(spec["seconds"])

    async def stream(token: str, application_id: str, http: Any) -> None:
        client = Journey(http, 0, 0, defaultdict(list))
        client.token = token
        while time.perf_counter() < deadline:
            # Bytes after the JPEG's end are ignored by decoders and make each photo new.
            data = photo + uuid.uuid4().bytes
            material = await client.upload(application_id, "degree_cert", data, None)
            await client.recognised(material)
            done[0] += 1

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{spec['port']}", timeout=60) as http:
        await asyncio.gather(*(stream(t, a, http) for t, a in spec["streams"]))
    return {"recognised": done[0]}


# Orchestration -------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):  # not Linux: the model stays unknown
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load1, load5, _ = os.getloadavg()
    return (
        f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, "
        f"load average {load1:.2f} (1 min) {load5:.2f} (5 min)"
    )


async def client_process(command: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run this file's ``command`` in a separate process; its JSON answer."""
    proc = await asyncio.create_subprocess_exec(
        PYTHON, __file__, command, json.dumps(spec), stdout=subprocess.PIPE
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"client {command} failed ({proc.returncode})")
    result: dict[str, Any] = json.loads(out)
    return result


async def wait_until_up(port: int, path: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        while True:
            try:
                response = await (
                    http.post(path, json={}) if path == "/trivial" else http.get(path)
                )
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline:
                raise SystemExit(f"server on {port} did not come up")
            await asyncio.sleep(0.3)


async def count_statements(url: str, token: str, application_id: str, tmp: Path) -> int:
    """The detail's SQL statements, counted in-process (ASGI) on the same database."""
    import logging

    import httpx

    from core.app import create_app
    from core.settings import Settings

    class Counter(logging.Handler):
        count = 0

        def emit(self, record: logging.LogRecord) -> None:
            self.count += 1

    app = create_app(
        Settings(
            database_url=url,
            storage_dir=tmp,
            load_entrypoint_plugins=False,
            ocr_enabled=False,
            jobs_poll_seconds=0,
        )
    )
    counter = Counter()
    sql_log = logging.getLogger("tortoise.db_client")
    body = {"query": DETAIL, "variables": {"id": application_id}}
    headers = {"Authorization": f"Bearer {token}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            await http.post("/graphql", json=body, headers=headers)  # warm-up
            sql_log.setLevel(logging.DEBUG)
            sql_log.addHandler(counter)
            answer = await http.post("/graphql", json=body, headers=headers)
            sql_log.removeHandler(counter)
            sql_log.setLevel(logging.WARNING)
    assert answer.json()["data"]["application"]["__typename"] == "Application", answer.text
    return counter.count


def group_cpu_seconds(leader: int) -> float | None:
    """CPU time (user + system) of every process in ``leader``'s process group: a server
    and its workers (``start`` gives each server a session of its own). None where there
    is no ``/proc``."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == leader:  # fields: state, ppid, pgrp, ..., utime, stime
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


async def orchestrate(args: argparse.Namespace) -> None:
    import asyncpg
    import httpx

    from core import db

    quick = args.quick
    seconds = 3.0 if quick else 5.0  # per round of a load
    applicants = args.applicants or (10 if quick else 50)
    print(f"command: {' '.join([Path(PYTHON).name, *sys.argv])}")
    print(f"machine: {machine()}")
    name = f"talent_bench_http_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_pg(DSN))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{DSN.rsplit('/', 1)[0]}/{name}"
    tmp = Path(tempfile.mkdtemp(prefix="talent-bench-"))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        await db.migrate(url)
        conn = await asyncpg.connect(_pg(url))
        employer_id = await conn.fetchval(
            "INSERT INTO employers (name, name_key, nature, phone, district, created_at, "
            "updated_at) VALUES ('广州测试科技有限公司', '广州测试科技有限公司', 'enterprise', "
            "'', '天河区', now(), now()) RETURNING id"
        )
        await conn.close()
        service_port, bare_port = _free_port(), _free_port()
        rate_limits = {
            scope: {"limit": 1_000_000, "window_seconds": 60}
            for scope in ("login.address", "face.address", "upload.address", "upload.user")
        }
        env = {
            **os.environ,
            "TALENT_DATABASE_URL": url,
            "TALENT_STORAGE_DIR": str(tmp / "files"),
            "TALENT_RATE_LIMITS": json.dumps(rate_limits),
            "TALENT_OCR_MAX_PENDING": "1024",
            "TALENT_LOAD_ENTRYPOINT_PLUGINS": "false",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            "BENCH_DSN": _pg(url),
        }
        talent = str(Path(PYTHON).with_name("talent"))
        servers.append(
            start(
                [talent, "serve", "--workers", str(args.workers), "--port", str(service_port)],
                env,
                tmp / "service.log",
            )
        )
        servers.append(
            start(
                [PYTHON, "-c", BARE_LAUNCH.format(workers=args.workers, port=bare_port)],
                env,
                tmp / "bare.log",
            )
        )
        await wait_until_up(service_port, "/ready")
        await wait_until_up(bare_port, "/trivial")
        print(
            f"service: talent serve --workers {args.workers} (PostgreSQL {name}), "
            f"bare: uvicorn bench.bare:app --workers {args.workers}; logs in {tmp}"
        )

        # The applicant whose application the detail reads: 2 family members, 9 materials.
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service_port}") as http:
            subject = Journey(http, 900, employer_id, defaultdict(list))
            detail_id = await subject.run()
            # Its photos' recognition must not run under the loads measured without OCR.
            for material_id in subject.materials:
                await subject.recognised(material_id)
        token = subject.token
        assert token is not None
        statements = await count_statements(url, token, detail_id, tmp / "count")

        def spec(port: int, path: str, query: str, **extra: Any) -> dict[str, Any]:
            return {
                "port": port,
                "path": path,
                "body": json.dumps({"query": query, "variables": extra.pop("variables", {})}),
                "seconds": seconds,
                "max_requests": 200_000,
                "connections": 10,
                **extra,
            }

        detail_vars = {"id": detail_id}
        # Service and yardstick take turns, round after round: a machine whose speed
        # drifts (other work, a shared host) then disturbs both sides alike, and each
        # figure is the median of its rounds.
        service, bare = servers
        loads = (
            ("trivial, service", service, service_port, "/graphql", TRIVIAL, None),
            ("trivial, bare", bare, bare_port, "/trivial", TRIVIAL, None),
            ("detail, service", service, service_port, "/graphql", DETAIL, token),
            ("detail, bare", bare, bare_port, "/detail", DETAIL, token),
        )
        rounds: dict[str, list[dict[str, Any]]] = {label: [] for label, *_ in loads}
        for _ in range(ROUNDS_QUICK if quick else ROUNDS):
            for label, server, port, path, query, tok in loads:
                # The server's own CPU time per request: unlike requests per second, it
                # hardly moves when other work on the host takes the cores for a while.
                before = group_cpu_seconds(server.pid)
                result = await client_process(
                    "load", spec(port, path, query, variables=detail_vars, token=tok)
                )
                after = group_cpu_seconds(server.pid)
                if before is not None and after is not None and result["requests"]:
                    result["cpu_ms"] = (after - before) * 1000 / result["requests"]
                rounds[label].append(result)

        def median(values: list[float]) -> float:
            return sorted(values)[len(values) // 2]

        def line(label: str) -> str:
            rs = rounds[label]
            errors = sum(r["errors"] for r in rs)
            first = next((r["first_error"] for r in rs if r["first_error"]), None)
            cpu = [r["cpu_ms"] for r in rs if "cpu_ms" in r]
            return (
                f"  {label:<26} {median([r['rps'] for r in rs]):8.0f} req/s  "
                f"p50 {median([r['p50'] for r in rs]):6.1f} ms  "
                f"p99 {median([r['p99'] for r in rs]):6.1f} ms  "
                + (f"server CPU {median(cpu):5.2f} ms/request  " if cpu else "")
                + f"{sum(r['requests'] for r in rs)} requests, {errors} errors"
                + (f" (first: {first})" if first else "")
            )

        def ratio(kind: str) -> tuple[float, str]:
            pairs = zip(rounds[f"{kind}, service"], rounds[f"{kind}, bare"], strict=True)
            each = [service["rps"] / bare["rps"] for service, bare in pairs]
            return median(each), ", ".join(f"{r:.2f}" for r in each)

        print(f"\nLoads: 10 connections, {len(rounds['trivial, bare'])} rounds of {seconds:.0f} s "
              "taken in turn, raw HTTP/1.1 keep-alive client; medians of the rounds")  # fmt: skip
        for label in rounds:
            print(line(label))
        trivial_ratio, trivial_rounds = ratio("trivial")
        detail_ratio, detail_rounds = ratio("detail")
        detail_p99 = median([r["p99"] for r in rounds["detail, service"]])
        print(f"trivial query: {trivial_ratio:.2f}x the bare endpoint (goal >= 0.25x): "
              f"{verdict(trivial_ratio >= 0.25)} (rounds: {trivial_rounds})")  # fmt: skip
        print(f"detail: {detail_ratio:.2f}x the bare endpoint (goal >= 0.5x): "
              f"{verdict(detail_ratio >= 0.5)} (rounds: {detail_rounds})")  # fmt: skip
        print(f"detail: p99 {detail_p99:.1f} ms at 10 clients (goal <= 60 ms): "
              f"{verdict(detail_p99 <= 60)}")  # fmt: skip
        for kind in ("trivial", "detail"):
            cpu = [
                median([r["cpu_ms"] for r in rounds[f"{kind}, {side}"] if "cpu_ms" in r] or [0])
                for side in ("service", "bare")
            ]
            if all(cpu):
                print(f"{kind}: server CPU per request: service {cpu[0]:.2f} ms, bare "
                      f"{cpu[1]:.2f} ms, {cpu[1] / cpu[0]:.2f}x "
                      "(not a goal; steadier than requests per second on a busy host)")  # fmt: skip
        print(f"detail: {statements} SQL statements per request with 2 family members and "
              f"9 materials (goal <= 3): {verdict(statements <= 3)}")  # fmt: skip

        # The journey.
        ramp = 5.0 if quick else 25.0
        print(f"\nJourney: {applicants} applicants arriving over {ramp:.0f} s, "
              f"{args.workers} workers, PostgreSQL")  # fmt: skip
        walked = await client_process(
            "journey",
            {
                "port": service_port,
                "employer_id": employer_id,
                "applicants": applicants,
                "first": 1,
                "ramp_seconds": ramp,
            },
        )
        worst = 0.0
        for op, r in sorted(walked["operations"].items()):
            excluded = op in EXCLUDED_FROM_GOAL
            if not excluded:
                worst = max(worst, r["p99"])
            print(f"  {op:<24} {r['count']:5d} calls  p50 {r['p50']:7.1f} ms  "
                  f"p99 {r['p99']:7.1f} ms{'  (not in the goal)' if excluded else ''}")  # fmt: skip
        errors = walked["errors"]
        print(f"journey: worst p99 but login {worst:.1f} ms (goal <= 200 ms): "
              f"{verdict(worst <= 200)}; {len(errors)} errors (goal 0): "
              f"{verdict(not errors)}; took {walked['seconds']:.1f} s")  # fmt: skip
        for error in errors[:5]:
            print(f"  error: {error}")

        # OCR in the background: the detail's p99 with and without it.
        streams: list[tuple[str | None, str]] = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service_port}") as http:
            for n in (901, 902):
                uploader = Journey(http, n, employer_id, defaultdict(list))
                draft = await uploader.run(submit=False)
                streams.append((uploader.token, draft))
                # Queued behind the journey's photos: when these are done, OCR is idle.
                for material_id in uploader.materials:
                    await uploader.recognised(material_id)
        # In rounds, idle and busy in turn (as the loads above): one pair of 10 s was at
        # the mercy of the host's swings. Each round's ratio is busy p99 / idle p99.
        ocr_rounds: list[tuple[dict[str, Any], dict[str, Any]]] = []
        recognised = 0
        for _ in range(ROUNDS_QUICK if quick else OCR_ROUNDS):
            quiet = await client_process(
                "load", spec(service_port, "/graphql", DETAIL, variables=detail_vars, token=token)
            )
            background = asyncio.create_task(
                client_process(
                    "ocr-stream",
                    {"port": service_port, "streams": streams, "seconds": seconds + 3},
                )
            )
            await asyncio.sleep(3)  # let recognition get going
            busy = await client_process(
                "load", spec(service_port, "/graphql", DETAIL, variables=detail_vars, token=token)
            )
            recognised += (await background)["recognised"]
            ocr_rounds.append((quiet, busy))
        each = [busy["p99"] / quiet["p99"] for quiet, busy in ocr_rounds]
        ocr_ratio = median(each)
        print(f"\nOCR in the background ({len(streams)} upload streams, {recognised} photos "
              f"recognised while measuring; {len(ocr_rounds)} rounds of {seconds:.0f} s, "
              "idle and busy in turn; medians of the rounds):")  # fmt: skip
        for label, side in (("without OCR:", 0), ("with OCR:   ", 1)):
            runs = [pair[side] for pair in ocr_rounds]
            print(f"  detail {label} {median([r['rps'] for r in runs]):.0f} req/s, "
                  f"p99 {median([r['p99'] for r in runs]):.1f} ms, "
                  f"{sum(r['errors'] for r in runs)} errors")  # fmt: skip
        print(
            f"OCR raises the detail's p99 {ocr_ratio:.2f}x (goal <= 1.5x): "
            f"{verdict(ocr_ratio <= 1.5)} (rounds: {', '.join(f'{r:.2f}' for r in each)})"
        )
    finally:
        for proc in servers:
            stop(proc)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    commands = {"load": load, "journey": journey, "ocr-stream": ocr_stream}
    if len(sys.argv) == 3 and sys.argv[1] in commands:
        result = asyncio.run(commands[sys.argv[1]](json.loads(sys.argv[2])))
        print(json.dumps(result, ensure_ascii=False))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s loads, 10 applicants")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--applicants", type=int, default=0, help="default 50 (10 quick)")
    args = parser.parse_args()
    asyncio.run(orchestrate(args))


if __name__ == "__main__":
    main()
