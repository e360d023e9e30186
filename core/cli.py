"""The ``talent`` command: serve, schema, migrate, demo, plugins, admin, shared data, jobs."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from core import db
from core.actors import OPERATOR
from core.errors import DomainError
from core.settings import get_settings

app = typer.Typer(
    help="Guangzhou talent-introduction household registration service.", no_args_is_help=True
)
plugins_app = typer.Typer(
    help="Switch categories and conditions per policy year.", no_args_is_help=True
)
admin_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
shared_app = typer.Typer(help="The embedded government shared database.", no_args_is_help=True)
app.add_typer(plugins_app, name="plugins")
app.add_typer(admin_app, name="admin")
app.add_typer(shared_app, name="shared-data")
jobs_app = typer.Typer(help="Durable timers: auto-acceptance, publicity.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
audit_app = typer.Typer(help="The audit log: export for an auditor.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
keys_app = typer.Typer(help="Keys of personal data at rest.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

T = TypeVar("T")


def _run(work: Callable[[Any], Awaitable[T]]) -> T:
    """Open the database, build the services, run ``work(services)``, close."""
    from core.app import create_plugin_manager, ensure_current_policy_year
    from core.plugins import collect
    from core.services import build_services

    settings = get_settings()

    async def main() -> T:
        services = build_services(settings, collect(create_plugin_manager(settings)))
        await db.init(settings.database_url)
        try:
            await ensure_current_policy_year(services)
            return await work(services)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except DomainError as error:
        typer.secho(f"{error.code.value}: {error.message}", fg="red", err=True)
        raise typer.Exit(1) from error


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: TALENT_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: TALENT_PORT.")] = None,
    workers: Annotated[
        int, typer.Option(help="Worker processes (PostgreSQL for more than 1).")
    ] = 1,
) -> None:
    """Serve the API (GraphQL on /graphql)."""
    import uvicorn

    from core.logs import configure_logging
    from core.server_protocol import HTTP_PROTOCOL

    settings = get_settings()
    if workers > 1 and settings.database_url.startswith("sqlite"):
        typer.secho("Several workers need PostgreSQL (TALENT_DATABASE_URL).", fg="red", err=True)
        raise typer.Exit(2)
    configure_logging(settings.log_format)
    if metrics_dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # core/metrics.py: the workers' metric files start afresh with the server.
        Path(metrics_dir).mkdir(parents=True, exist_ok=True)
        for stale in Path(metrics_dir).glob("*.db"):
            stale.unlink()
    host = host or settings.host
    port = port or settings.port
    typer.echo(f"GraphQL: http://{host}:{port}/graphql")
    uvicorn.run(
        "core.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        # TCP_NODELAY on every connection: without it several workers answer 40 ms late.
        http=HTTP_PROTOCOL,
    )


@app.command()
def schema() -> None:
    """Print the GraphQL schema (SDL). `schema.graphql` is its reviewed snapshot."""
    from core.app import create_plugin_manager
    from core.plugins import collect
    from schema import build_schema

    settings = get_settings()
    typer.echo(build_schema(collect(create_plugin_manager(settings))).as_str())


@app.command()
def migrate() -> None:
    """Apply pending database migrations."""
    settings = get_settings()
    asyncio.run(db.migrate(settings.database_url))
    typer.echo(f"Migrated {settings.database_url}")


@app.command()
def demo() -> None:
    """Load demo data (idempotent) and print the demo accounts."""
    from core.demo import load_demo

    accounts = _run(load_demo)
    typer.echo("Demo accounts (username / password / role):")
    for line in accounts:
        typer.echo(f"  {line}")


# talent plugins ...


@plugins_app.command("list")
def plugins_list(
    year: Annotated[int | None, typer.Option(help="Default: current year.")] = None,
) -> None:
    """Show categories and conditions with their switches and parameters."""

    async def work(services: Any) -> None:
        row = await (services.policy.get_year(year) if year else services.policy.current_year())
        view = await services.policy.view(row)
        typer.echo(f"Policy year {view.year}{' (current)' if row.is_current else ''}")
        for cat in view.all_categories:
            mark = "on " if cat.enabled else "off"
            typer.echo(f"[{mark}] {cat.id:<12} {cat.spec.tab} {cat.spec.label_zh}")
            for cond in cat.conditions:
                cmark = "on " if cond.enabled else "off"
                params = ", ".join(f"{k}={v}" for k, v in cond.parameters.items())
                typer.echo(f"    [{cmark}] {cond.spec.id:<28} {params}")

    _run(work)


@plugins_app.command("years")
def plugins_years() -> None:
    """List policy years."""

    async def work(services: Any) -> None:
        for row in await services.policy_admin.list_years(OPERATOR):
            typer.echo(f"{row.year}{' (current)' if row.is_current else ''} {row.title}")

    _run(work)


@plugins_app.command("create-year")
def plugins_create_year(
    year: int,
    title: str = "",
    copy_from: Annotated[int | None, typer.Option(help="Copy switches and overrides.")] = None,
    current: Annotated[bool, typer.Option(help="Make it the current year.")] = False,
) -> None:
    """Create a policy year."""
    _run(
        lambda s: s.policy_admin.create_year(
            OPERATOR, year, title=title, copy_from=copy_from, make_current=current
        )
    )
    typer.echo(f"Created policy year {year}")


@plugins_app.command("set-current")
def plugins_set_current(year: int) -> None:
    """Make a policy year current."""
    _run(lambda s: s.policy_admin.set_current(OPERATOR, year))
    typer.echo(f"Policy year {year} is current")


async def _year_of(services: Any, year: int | None) -> int:
    return year if year is not None else (await services.policy.current_year()).year


@plugins_app.command("enable")
def plugins_enable(category: str, year: Annotated[int | None, typer.Option()] = None) -> None:
    """Switch a category on for a policy year."""

    async def work(s: Any) -> None:
        await s.policy_admin.set_category_enabled(OPERATOR, await _year_of(s, year), category, True)

    _run(work)
    typer.echo(f"{category}: on")


@plugins_app.command("disable")
def plugins_disable(category: str, year: Annotated[int | None, typer.Option()] = None) -> None:
    """Switch a category off for a policy year."""

    async def work(s: Any) -> None:
        await s.policy_admin.set_category_enabled(
            OPERATOR, await _year_of(s, year), category, False
        )

    _run(work)
    typer.echo(f"{category}: off")


@plugins_app.command("condition")
def plugins_condition(
    category: str,
    condition: str,
    state: Annotated[str, typer.Argument(help="on or off")],
    year: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Switch a condition on or off for a policy year."""
    if state not in ("on", "off"):
        raise typer.BadParameter("state must be on or off")

    async def work(s: Any) -> None:
        await s.policy_admin.set_condition_enabled(
            OPERATOR, await _year_of(s, year), category, condition, state == "on"
        )

    _run(work)
    typer.echo(f"{category}/{condition}: {state}")


@plugins_app.command("set-param")
def plugins_set_param(
    category: str,
    condition: str,
    assignments: Annotated[
        list[str], typer.Argument(help="name=value (value as JSON; null resets)")
    ],
    year: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Override a condition's parameters for a policy year, e.g. age_limit=38."""
    import json

    values: dict[str, Any] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r} is not name=value")
        try:
            values[name] = json.loads(raw)
        except json.JSONDecodeError:
            values[name] = raw

    async def work(s: Any) -> None:
        await s.policy_admin.set_condition_parameters(
            OPERATOR, await _year_of(s, year), category, condition, values
        )

    _run(work)
    typer.echo(f"{category}/{condition}: {values}")


# talent admin ...


@admin_app.command("create")
def admin_create(
    username: str,
    real_name: Annotated[str, typer.Option("--name")],
    id_number: Annotated[str, typer.Option()],
    mobile: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[str, typer.Option(help="admin, reviewer or employer_admin")] = "admin",
    district: Annotated[str | None, typer.Option(help="A reviewer's district, e.g. 天河区")] = None,
) -> None:
    """Create a staff account."""
    from core.staff import create_staff

    _run(
        lambda s: create_staff(
            s,
            username=username,
            real_name=real_name,
            id_number=id_number,
            mobile=mobile,
            password=password,
            role=role,
            district=district,
        )
    )
    typer.echo(f"Created {role} {username}")


@shared_app.command("import")
def shared_import(path: Path) -> None:
    """Load records (JSON list or CSV) into the embedded shared database."""
    from core.shared_import import import_file

    count = _run(lambda s: import_file(path))
    typer.echo(f"Imported {count} records from {path}")


# talent jobs ...


@jobs_app.command("run")
def jobs_run(
    limit: Annotated[int, typer.Option(help="Fire at most this many jobs.")] = 1000,
) -> None:
    """Fire the jobs that are due now, once, and print how many fired.

    Safe beside running servers: each due job is claimed by exactly one process.
    """
    fired = _run(lambda s: s.jobs.run_due(limit=limit))
    typer.echo(f"Fired {fired} due job(s)")


@jobs_app.command("list")
def jobs_list(
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 100,
) -> None:
    """Show pending (and running) jobs, soonest first."""

    async def work(s: Any) -> None:
        rows = await s.jobs.pending(limit=limit)
        if not rows:
            typer.echo("No pending jobs")
        for job in rows:
            error = f"  last error: {job.last_error}" if job.last_error else ""
            typer.echo(
                f"{job.due_at.isoformat()}  {job.status:<8} {job.kind:<20} {job.key}"
                f"  attempts={job.attempts}{error}"
            )

    _run(work)


# talent audit ...


@audit_app.command("export")
def audit_export(
    since: Annotated[str, typer.Option(help="First day (YYYY-MM-DD, Guangzhou), included.")],
    until: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD), included.")],
    format: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    output: Annotated[
        Path | None, typer.Option(help="Write to this file (default: standard output).")
    ] = None,
) -> None:
    """Stream the audit log of a period, oldest first, in batches; the export is logged."""
    import sys
    from datetime import date

    from core import audit
    from core.audit_export import AuditFilter, export

    try:
        first, last = date.fromisoformat(since), date.fromisoformat(until)
    except ValueError as exc:
        typer.secho("--since and --until are dates: YYYY-MM-DD", fg="red", err=True)
        raise typer.Exit(2) from exc
    if format not in ("csv", "jsonl"):
        typer.secho("--format is csv or jsonl", fg="red", err=True)
        raise typer.Exit(2)

    async def work(s: Any) -> None:
        await audit.record(
            "audit.exported",
            actor_id=OPERATOR.user_id,
            subject_type="audit_log",
            reason=f"{first.isoformat()}..{last.isoformat()} {format}",
        )
        sink = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            async for chunk in export(AuditFilter(since=first, until=last), format):  # type: ignore[arg-type]
                sink.write(chunk)
        finally:
            if output:
                sink.close()

    _run(work)


# talent keys ...


@keys_app.command("new")
def keys_new() -> None:
    """Print a fresh random AES-256 key (base64) for TALENT_DATA_KEYS."""
    from core.crypto import new_key

    typer.echo(new_key())


@keys_app.command("status")
def keys_status() -> None:
    """How many rows per table still hold values under a key other than the current one."""
    from core.key_rotation import stale_count

    counts = _run(lambda s: stale_count())
    for table, count in counts.items():
        typer.echo(f"{table:<28} {count}")


@keys_app.command("rotate")
def keys_rotate(
    batch: Annotated[int, typer.Option(help="Rows per transaction.")] = 500,
) -> None:
    """Re-encrypt every value under TALENT_DATA_KEY_ID, in batches; safe to run again."""
    from core import audit
    from core.key_rotation import rotate

    async def work(s: Any) -> dict[str, int]:
        done = await rotate(batch=batch)
        await audit.record(
            "keys.rotated",
            actor_id=OPERATOR.user_id,
            subject_type="data_key",
            subject_id=s.settings.data_key_id or "dev",
            reason=", ".join(f"{t}={n}" for t, n in done.items()),
        )
        return done

    done = _run(work)
    for table, count in done.items():
        typer.echo(f"{table:<28} {count} re-encrypted")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
