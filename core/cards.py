"""The household-registration card (《广州市入户人员信息卡》): issue, verify, revoke, download.

After publicity (or at once on the fast track) the district issues the card; the
applicant downloads it as a PDF and takes it to the police station. The card carries a
QR code with a signed reference, so whoever holds it (a police officer, an employer)
can ask the public verification query whether it is genuine and still valid without
signing in. The reference is ``v1.<card number>.<application id>.<issue date>.<mac>``:
compact, URL-safe, and the MAC (HMAC-SHA256 with a key derived from
``settings.secret_key``, cut to 128 bits) makes any change to it detectable.

Rendering the PDF is CPU work (reportlab): it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import hashlib
import hmac
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from core import audit
from core.actors import Actor, require_role
from core.clock import Clock
from core.db import db_time
from core.dossier import Dossier, DossierService
from core.errors import DomainError, ErrorCode
from core.ids import known_id, parse_id
from core.materials import ADDRESS_TYPES, RELATIONSHIPS
from core.models import Application, Employer, HouseholdCard, Role
from core.settings import Settings
from core.states import State
from core.storage import FileStorage
from core.workdays import local_date

CODE_VERSION = "v1"
_CODE = re.compile(r"^v1\.([A-Z0-9]{1,32})\.([0-9]{1,12})\.([0-9]{8})\.([A-Za-z0-9_-]{22})$")

# The states in which a card may be issued: after publicity, on the fast track right
# after approval, and again (idempotently) once issued.
ISSUABLE: frozenset[str] = frozenset({State.PUBLICITY_PASSED, State.APPROVED, State.CARD_ISSUED})


class CardStatus(enum.StrEnum):
    GENUINE = "GENUINE"  # issued here, not revoked, within its validity
    EXPIRED = "EXPIRED"  # issued here, past its validity
    REVOKED = "REVOKED"  # issued here, then revoked
    TAMPERED = "TAMPERED"  # looks like a card reference, but the signature does not match
    UNKNOWN = "UNKNOWN"  # not a card reference, or no such card


@dataclass(frozen=True)
class CardVerification:
    """What the public may learn from a card's code, and nothing more."""

    status: CardStatus
    card_number: str | None = None
    issue_date: date | None = None
    valid_until: date | None = None
    holder_name: str | None = None  # masked: 张*


def mask_name(name: str) -> str:
    """Keep the surname's first character: 张三 → 张*, 欧阳娜娜 → 欧***."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


# The signed reference ----------------------------------------------------------------


def _key(secret: str) -> bytes:
    # A key of its own, so a card code can never be replayed as a token or vice versa.
    return hmac.new(secret.encode(), b"talent.household-card.v1", hashlib.sha256).digest()


def _mac(secret: str, message: str) -> str:
    digest = hmac.new(_key(secret), message.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_reference(secret: str, card_number: str, application_id: int, issue_date: date) -> str:
    message = f"{CODE_VERSION}.{card_number}.{application_id}.{issue_date:%Y%m%d}"
    return f"{message}.{_mac(secret, message)}"


@dataclass(frozen=True)
class Reference:
    card_number: str
    application_id: int
    issue_date: date


def read_reference(secret: str, code: str) -> Reference | CardStatus:
    """The reference a code carries, or UNKNOWN (not a card code) / TAMPERED (bad MAC)."""
    match = _CODE.match(code.strip())
    if match is None:
        return (
            CardStatus.TAMPERED
            if code.strip().startswith(f"{CODE_VERSION}.")
            else (CardStatus.UNKNOWN)
        )
    card_number, application_id, issued, mac = match.groups()
    message = code.strip().rsplit(".", 1)[0]
    if not hmac.compare_digest(mac, _mac(secret, message)):
        return CardStatus.TAMPERED
    try:
        issue_date = date(int(issued[:4]), int(issued[4:6]), int(issued[6:]))
    except ValueError:
        return CardStatus.TAMPERED
    return Reference(card_number, int(application_id), issue_date)


def card_number_for(application_id: int, issue_date: date) -> str:
    """GZ + issue year + the application's id in 8 digits, e.g. GZ202600000042."""
    return f"GZ{issue_date:%Y}{application_id:08d}"


# The PDF --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardContent:
    """Everything printed on the card, gathered before rendering in a worker thread."""

    card_number: str
    issue_date: date
    valid_until: date
    code: str
    applicant: list[tuple[str, str]]
    settlement: list[tuple[str, str]]
    members: list[tuple[str, str, str]]  # relationship, name, ID number


def render_card_pdf(content: CardContent) -> bytes:
    """Draw the card on one A4 page. Synchronous and CPU-bound: call it off the loop."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"  # reportlab's built-in CID font: Chinese without a font file
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"广州市入户人员信息卡 {content.card_number}")
    pdf.setSubject(content.card_number)
    width, height = A4
    left, y = 20 * mm, height - 25 * mm

    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, y, "广州市入户人员信息卡")
    y -= 12 * mm
    pdf.setFont(font, 10.5)
    pdf.drawString(left, y, f"卡号：{content.card_number}")
    pdf.drawString(left + 85 * mm, y, f"出具日期：{content.issue_date:%Y-%m-%d}")
    y -= 6 * mm
    pdf.drawString(left + 85 * mm, y, f"有效期至：{content.valid_until:%Y-%m-%d}")

    def section(title: str, rows: list[tuple[str, str]], top: float) -> float:
        pdf.setFont(font, 12.5)
        pdf.drawString(left, top, title)
        top -= 7 * mm
        pdf.setFont(font, 10.5)
        for label, value in rows:
            pdf.drawString(left + 4 * mm, top, f"{label}：{value}")
            top -= 6 * mm
        return top - 3 * mm

    y = section("一、申办人", content.applicant, y - 8 * mm)
    y = section("二、入户信息", content.settlement, y)
    pdf.setFont(font, 12.5)
    pdf.drawString(left, y, "三、随迁人员")
    y -= 7 * mm
    pdf.setFont(font, 10.5)
    if not content.members:
        pdf.drawString(left + 4 * mm, y, "无")
        y -= 6 * mm
    for relationship, name, id_number in content.members:
        pdf.drawString(left + 4 * mm, y, f"{relationship}　{name}　公民身份号码：{id_number}")
        y -= 6 * mm

    size = 42 * mm
    widget = QrCodeWidget(content.code, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - left - size, 25 * mm)
    pdf.setFont(font, 9)
    pdf.drawString(left, 40 * mm, "请持本卡及相关材料到落户地派出所办理入户手续。")
    pdf.drawString(left, 34 * mm, "扫描右侧二维码可核验本卡真伪及有效性。")
    pdf.drawString(left, 28 * mm, f"核验码：{content.code}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# The service ---------------------------------------------------------------------------


class CardService:
    def __init__(
        self, settings: Settings, clock: Clock, storage: FileStorage, dossier: DossierService
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.storage = storage
        self.dossier = dossier

    async def get(self, application_id: int) -> HouseholdCard | None:
        return await HouseholdCard.get_or_none(application_id=application_id)

    async def issue(self, application_id: int, *, actor_id: int | None) -> HouseholdCard:
        """出卡: the application's card, rendered and stored; one card per application.

        Issuing again returns the card already issued (a revoked one included: a new
        card after revocation is a decision for a new application).
        """
        existing = await self.get(application_id)
        if existing is not None:
            return existing
        application = await Application.get_or_none(id=application_id)
        if application is None:
            raise DomainError(ErrorCode.NOT_FOUND, "申报不存在", field="applicationId")
        if application.state not in ISSUABLE:
            raise DomainError(ErrorCode.CONFLICT, "申报尚未审批通过或公示未满，不能出卡")
        dossier = await self.dossier.load(application)
        settlement = dossier.values("settlement")
        if not settlement.get("address") or not settlement.get("district"):
            raise DomainError(
                ErrorCode.DOSSIER_INCOMPLETE,
                "请先填写入户信息（落户区和落户地址）",
                field="settlement",
            )
        now = self.clock.now()
        issue_date = local_date(now)
        valid_until = issue_date + timedelta(days=self.settings.card_valid_days)
        number = card_number_for(application.id, issue_date)
        code = sign_reference(self.settings.secret_key, number, application.id, issue_date)
        content = await self._content(dossier, number, issue_date, valid_until, code)
        data = await asyncio.to_thread(render_card_pdf, content)
        pdf_hash = await asyncio.to_thread(self.storage.put, data)
        try:
            card = await HouseholdCard.create(
                application_id=application.id,
                card_number=number,
                issue_date=issue_date,
                valid_until=valid_until,
                issued_at=now,
                issued_by_id=actor_id,
                holder_name=dossier.applicant.real_name,
                pdf_hash=pdf_hash,
                pdf_size=len(data),
            )
        except IntegrityError:
            # Issued at the same moment by another request or worker.
            return await HouseholdCard.get(application_id=application.id)
        await audit.record(
            "card.issue", actor_id=actor_id, subject_type="household_card", subject_id=card.id
        )
        return card

    async def _content(
        self, dossier: Dossier, number: str, issue_date: date, valid_until: date, code: str
    ) -> CardContent:
        personal = dossier.values("personal")
        settlement = dossier.values("settlement")
        employer = None
        if (employer_key := parse_id(personal.get("employer_id"))) is not None:
            employer = await Employer.get_or_none(id=employer_key)
        person = dossier.applicant
        condition = dossier.condition
        address_type = ADDRESS_TYPES.get(str(settlement.get("address_type")))
        return CardContent(
            card_number=number,
            issue_date=issue_date,
            valid_until=valid_until,
            code=code,
            applicant=[
                ("姓名", person.real_name),
                ("性别", _text(personal.get("gender"))),
                ("民族", _text(personal.get("ethnicity"))),
                ("公民身份号码", person.id_number),
                ("原户籍地址", _text(personal.get("household_register_address"))),
                ("引进单位", employer.name if employer else ""),
                ("入户条件", condition.spec.title),
            ],
            settlement=[
                ("落户地址类型", address_type[0] if address_type else ""),
                ("落户区", _text(settlement.get("district"))),
                ("落户地址", _text(settlement.get("address"))),
            ],
            members=[
                (
                    RELATIONSHIPS.get(m.relationship, (m.relationship,))[0],
                    m.real_name,
                    m.id_number,
                )
                for m in dossier.members
            ],
        )

    async def verify(self, code: str) -> CardVerification:
        """Public: is the card behind this code genuine and still valid?"""
        reference = read_reference(self.settings.secret_key, code)
        if isinstance(reference, CardStatus):
            return CardVerification(reference)
        card = await HouseholdCard.get_or_none(
            card_number=reference.card_number,
            application_id=reference.application_id,
            issue_date=reference.issue_date,
        )
        if card is None:
            return CardVerification(CardStatus.UNKNOWN)
        if card.revoked_at is not None:
            status = CardStatus.REVOKED
        elif local_date(self.clock.now()) > card.valid_until:
            status = CardStatus.EXPIRED
        else:
            status = CardStatus.GENUINE
        return CardVerification(
            status,
            card_number=card.card_number,
            issue_date=card.issue_date,
            valid_until=card.valid_until,
            holder_name=mask_name(card.holder_name),
        )

    async def revoke(
        self,
        application_id: int | str,
        *,
        actor: Actor,
        reason: str,
        request: audit.RequestInfo | None = None,
    ) -> HouseholdCard:
        """作废 the card of an application (one card per application).

        A reviewer of the application's district or an administrator; for anyone else
        the card does not exist. Revoking twice keeps the first revocation.
        """
        require_role(actor, Role.REVIEWER, Role.ADMIN)
        reason = reason.strip()
        if not reason:
            raise DomainError(ErrorCode.INVALID_INPUT, "请填写作废原因", field="reason")
        card = await self._staff_card(actor, application_id)
        if card.revoked_at is None:
            await HouseholdCard.filter(id=card.id, revoked_at__isnull=True).update(
                revoked_at=db_time(self.clock.now()),
                revoked_by_id=actor.user_id,
                revoke_reason=reason[:255],
            )
            await audit.record(
                "card.revoke",
                actor_id=actor.user_id,
                subject_type="household_card",
                subject_id=card.id,
                reason=reason,
                request=request,
            )
            await card.refresh_from_db()
        return card

    async def _staff_card(self, actor: Actor, application_id: int | str) -> HouseholdCard:
        key = known_id(application_id, "入户卡不存在", field="applicationId")
        card = await HouseholdCard.get_or_none(application_id=key).prefetch_related("application")
        if card is not None and not actor.has(Role.ADMIN):
            application: Any = card.application
            if application.district not in actor.districts():
                card = None
        if card is None:
            raise DomainError(ErrorCode.NOT_FOUND, "入户卡不存在", field="applicationId")
        return card

    async def pdf(
        self,
        actor: Actor,
        application_id: int | str,
        *,
        request: audit.RequestInfo | None = None,
    ) -> bytes:
        """The applicant's own card as a PDF (audit-logged). Anyone else's: NOT_FOUND."""
        application = await self.dossier.own_application(actor, application_id)
        card = await self.get(application.id)
        if card is None:
            raise DomainError(ErrorCode.NOT_FOUND, "入户卡尚未出具", field="applicationId")
        if card.revoked_at is not None:
            raise DomainError(ErrorCode.CARD_REVOKED, "入户卡已作废，请联系区人社局")
        data = await asyncio.to_thread(self.storage.get, card.pdf_hash)
        await audit.record(
            "card.download",
            actor_id=actor.user_id,
            subject_type="household_card",
            subject_id=card.id,
            request=request,
        )
        return data


def download_path(application_id: int) -> str:
    """Where the owner downloads the card (``GET`` with the bearer token)."""
    return f"/cards/{application_id}.pdf"


def _text(value: Any) -> str:
    return "" if value is None else str(value)
