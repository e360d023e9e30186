"""The graphql-http package's server audit against the live server: every MUST and SHOULD.

The server runs in a subprocess under uvicorn on a free port of 127.0.0.1, on a migrated
SQLite database of its own; the audit is the npm package ``graphql-http`` (pinned in
``tests/node/package-lock.json``, installed by ``make test`` through ``npm ci``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "tests" / "node"
SCRIPT = NODE_DIR / "graphql_http_audit.mjs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("audit")
    env = {
        **os.environ,
        "TALENT_CONFIG": str(work / "absent.toml"),
        "TALENT_DATABASE_URL": f"sqlite://{work / 'talent.sqlite3'}",
        "TALENT_STORAGE_DIR": str(work / "files"),
        "TALENT_SECRET_KEY": "audit-secret",
        "TALENT_FACE_VERIFICATION_SECRET": "audit-face-secret",
        "TALENT_LOAD_ENTRYPOINT_PLUGINS": "false",
        "TALENT_OCR_ENABLED": "false",
        "TALENT_JOBS_POLL_SECONDS": "0",
    }
    talent = Path(sys.executable).parent / "talent"
    subprocess.run([str(talent), "migrate"], env=env, check=True, cwd=work, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "core.app:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, seconds=60)
        yield f"{base}/graphql"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_graphql_over_http_audit_passes_every_must_and_should(server: str) -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the graphql-http audit"
    assert (NODE_DIR / "node_modules" / "graphql-http").is_dir(), (
        "run `make test` (or `npm ci --prefix tests/node`) to install the audit"
    )
    run = subprocess.run(
        [node, str(SCRIPT), server], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    for result in results:
        print(f"{result['status']:>6}  {result['id']}  {result['name']}")
    required = [r for r in results if r["name"].startswith(("MUST", "SHOULD"))]
    failed = [r for r in required if r["status"] != "ok"]
    # graphql-http 1.23.1 has 36 of them: a much shorter list means the audit broke.
    assert len(required) >= 30, results
    assert failed == [], json.dumps(failed, ensure_ascii=False, indent=1)


async def test_audit_server_answers_graphql_response_json(server: str) -> None:
    """The media type the audit asks for, as a client sees it (and a request error)."""
    headers = {"Accept": "application/graphql-response+json"}
    async with httpx.AsyncClient() as http:
        ok = await http.post(server, json={"query": "{ __typename }"}, headers=headers)
        bad = await http.post(server, json={"query": "{ nope }"}, headers=headers)
        legacy = await http.post(server, json={"query": "{ nope }"})
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    assert ok.json() == {"data": {"__typename": "Query"}}
    assert bad.status_code == 400 and "data" not in bad.json()
    assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
