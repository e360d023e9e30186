"""The services a running instance holds, built once at start-up.

A deployment replaces the parts that reach outside the system (the face-verification
provider, the SMS gateway, the government shared database) by passing its own
implementations to :func:`build_services`.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import crypto
from core.accounts import AccountService
from core.audit_retention import AuditRetention
from core.cards import CardService
from core.clock import Clock
from core.dossier import DossierService
from core.eligibility import EligibilityService
from core.employer_admins import EmployerAdminService
from core.employers import EmployerDirectory
from core.events import Broker, default_broker
from core.events_pg import PostgresEventBroker, is_postgres_url
from core.face import FaceProvider, SimulatedFaceProvider
from core.jobs import JobQueue
from core.lifecycle import LifecycleService
from core.plugins import PluginRegistry
from core.policy import PolicyService
from core.policy_admin import PolicyAdmin
from core.ratelimit import RateLimits, build_rate_limits
from core.reference_requests import ReferenceRequests
from core.schools import SchoolCatalogue
from core.settings import Settings
from core.shared_data import DatabaseSharedData, SharedDataSource
from core.sms import LogSmsGateway, SmsGateway, SmsOutbox
from core.storage import FileStorage, LocalFileStorage
from core.uploads import MaterialService
from core.verifications import FaceVerificationService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    registry: PluginRegistry
    policy: PolicyService
    policy_admin: PolicyAdmin
    face_provider: FaceProvider
    faces: FaceVerificationService
    outbox: SmsOutbox
    accounts: AccountService
    shared_data: SharedDataSource
    eligibility: EligibilityService
    dossier: DossierService
    storage: FileStorage
    materials: MaterialService
    # Durable timers (core/jobs.py), household-registration cards, state-change events.
    jobs: JobQueue
    cards: CardService
    events: Broker
    # The review lifecycle: transitions, their history, timers and notifications.
    lifecycle: LifecycleService
    employer_admins: EmployerAdminService
    # Employers, schools and majors, and the requests to add or rename them.
    reference_requests: ReferenceRequests
    employers: EmployerDirectory
    schools: SchoolCatalogue
    # Rate limits on login, face verification, SMS codes, shared data and uploads.
    rate_limits: RateLimits
    # The audit log's daily purge past its retention period.
    audit_retention: AuditRetention


def build_services(
    settings: Settings,
    registry: PluginRegistry,
    *,
    clock: Clock | None = None,
    face_provider: FaceProvider | None = None,
    sms_gateway: SmsGateway | None = None,
    shared_data: SharedDataSource | None = None,
    storage: FileStorage | None = None,
    events: Broker | None = None,
) -> Services:
    clock = clock or Clock()
    # Personal data at rest: this process's keys (core/crypto.py).
    crypto.configure(settings)
    rate_limits = build_rate_limits(settings, clock)
    face_provider = face_provider or SimulatedFaceProvider(settings.face_verification_secret)
    faces = FaceVerificationService(
        face_provider, clock, settings.face_verification_ttl_seconds, rate_limits
    )
    outbox = SmsOutbox(sms_gateway or LogSmsGateway())
    policy = PolicyService(registry)
    shared_data = shared_data or DatabaseSharedData()
    storage = storage or LocalFileStorage(settings.storage_dir)
    dossier = DossierService(policy, clock, faces, shared_data, rate_limits)
    jobs = JobQueue(clock)
    cards = CardService(settings, clock, storage, dossier)
    if events is None:
        # Several workers share PostgreSQL: their subscribers hear each other's changes
        # through LISTEN/NOTIFY. SQLite runs one worker: the in-process broker suffices.
        postgres = is_postgres_url(settings.database_url)
        events = PostgresEventBroker(settings.database_url) if postgres else default_broker
    lifecycle = LifecycleService(registry, policy, clock, outbox, jobs, cards, events)
    lifecycle.register_jobs()
    audit_retention = AuditRetention(clock, jobs, settings.audit_retention_days)
    audit_retention.register_jobs()
    dossier.lifecycle = lifecycle
    reference_requests = ReferenceRequests(settings, clock, storage, outbox)
    return Services(
        settings=settings,
        clock=clock,
        registry=registry,
        policy=policy,
        policy_admin=PolicyAdmin(registry),
        face_provider=face_provider,
        faces=faces,
        outbox=outbox,
        accounts=AccountService(settings, clock, outbox, faces, rate_limits),
        shared_data=shared_data,
        eligibility=EligibilityService(policy, faces, shared_data, clock, rate_limits),
        dossier=dossier,
        storage=storage,
        materials=MaterialService(settings, registry, dossier, storage, rate_limits),
        jobs=jobs,
        cards=cards,
        events=events,
        lifecycle=lifecycle,
        employer_admins=EmployerAdminService(clock, outbox),
        reference_requests=reference_requests,
        employers=EmployerDirectory(reference_requests),
        schools=SchoolCatalogue(reference_requests),
        rate_limits=rate_limits,
        audit_retention=audit_retention,
    )
