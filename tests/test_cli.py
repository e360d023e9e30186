"""`talent plugins ...` changes what the running service answers on its next request."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.graphql import GraphQLClient

ROOT = Path(__file__).resolve().parents[1]


async def talent(
    settings: Any, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line in its own process, as an operator would (``env``: more
    environment variables)."""
    merged = {
        **os.environ,
        "TALENT_DATABASE_URL": settings.database_url,
        # The same keys as the app under test: personal data is encrypted (core/crypto.py).
        "TALENT_SECRET_KEY": settings.secret_key,
        "TALENT_LOAD_ENTRYPOINT_PLUGINS": "false",
        "TALENT_CONFIG": str(ROOT / "no-such-config.toml"),
        **(env or {}),
    }
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "core.cli", *args],
        cwd=ROOT,
        env=merged,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_plugins_command_line_takes_effect_without_restart(
    app: Any, client: GraphQLClient, settings: Any
) -> None:
    query = "{ categories { id conditions { id parameters { name value } } } }"
    before = await client.execute(query)
    assert "skill" in [c["id"] for c in before["categories"]]

    disabled = await talent(settings, "plugins", "disable", "skill")
    assert disabled.returncode == 0, disabled.stderr
    after = await client.execute(query)
    assert "skill" not in [c["id"] for c in after["categories"]]

    listing = await talent(settings, "plugins", "list")
    assert listing.returncode == 0, listing.stderr
    assert "[off] skill" in listing.stdout
    assert "[on ] education" in listing.stdout

    education = before["categories"][0]
    condition = education["conditions"][0]["id"]
    changed = await talent(settings, "plugins", "set-param", "education", condition, "age_limit=47")
    assert changed.returncode == 0, changed.stderr
    after = await client.execute(query)
    params = after["categories"][0]["conditions"][0]["parameters"]
    assert {"name": "age_limit", "value": 47} in params

    off = await talent(settings, "plugins", "condition", "education", condition, "off")
    assert off.returncode == 0, off.stderr
    after = await client.execute(query)
    assert condition not in [c["id"] for c in after["categories"][0]["conditions"]]

    bad = await talent(settings, "plugins", "set-param", "education", condition, "age_limit=200")
    assert bad.returncode == 1
    assert "INVALID_PARAMETER" in bad.stderr


async def test_shared_data_import_json_and_csv(
    app: Any, client: GraphQLClient, settings: Any, tmp_path: Path
) -> None:
    from core.models import SharedDataRow

    as_json = tmp_path / "records.json"
    as_json.write_text(
        '[{"kind": "title", "id_number": "440111199903175213", "certificate_number": null,'
        ' "data": {"name": "工程师", "level": "intermediate", "series": "工程技术人员",'
        ' "awarded_on": "2022-06-01"}}]',
        encoding="utf-8",
    )
    imported = await talent(settings, "shared-data", "import", str(as_json))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 1 records" in imported.stdout
    # Importing again replaces, it does not duplicate.
    await talent(settings, "shared-data", "import", str(as_json))
    assert await SharedDataRow.filter(kind="title").count() == 1

    as_csv = tmp_path / "records.csv"
    as_csv.write_text(
        "kind,id_number,certificate_number,data\n"
        'settlement,440111199903175213,,"{""year"": 2016, ""district"": ""海珠区""}"\n',
        encoding="utf-8",
    )
    imported = await talent(settings, "shared-data", "import", str(as_csv))
    assert imported.returncode == 0, imported.stderr
    row = await SharedDataRow.get(kind="settlement")
    assert row.data == {"year": 2016, "district": "海珠区"}

    bad = tmp_path / "bad.json"
    bad.write_text('[{"kind": "title", "id_number": "123", "data": {}}]', encoding="utf-8")
    refused = await talent(settings, "shared-data", "import", str(bad))
    assert refused.returncode == 1
    assert "INVALID_ID_NUMBER" in refused.stderr
    assert await SharedDataRow.filter(kind="title").count() == 1


async def test_demo_loads_twice_and_prints_accounts(
    app: Any, client: GraphQLClient, settings: Any
) -> None:
    first = await talent(settings, "demo")
    assert first.returncode == 0, first.stderr
    assert "admin / Talent#2026 / admin" in first.stdout
    assert "reviewer.tianhe / Talent#2026 / reviewer (天河区)" in first.stdout
    second = await talent(settings, "demo")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    login = await client.execute(
        'mutation { login(account: "applicant1", password: "Talent#2026") { __typename } }'
    )
    assert login["login"]["__typename"] == "AuthSession"
    years = await client.execute("{ categories { id } }")
    assert len(years["categories"]) == 5
