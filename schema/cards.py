"""The household-registration card in the API: public verification, revocation, download.

The card itself appears on an application as ``ApplicationCard`` (schema/progress.py);
its PDF is served over plain HTTP (``GET /cards/{applicationId}.pdf`` with the bearer
token), since a GraphQL response is no place for a binary file.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.audit import RequestInfo
from core.cards import CardStatus as CoreCardStatus
from core.cards import CardVerification as CoreVerification
from core.cards import download_path
from core.errors import DomainError, ErrorCode
from core.models import HouseholdCard
from core.services import Services
from schema.context import Info
from schema.errors import OperationError, attempt
from schema.progress import ApplicationCard


@strawberry.enum(description="What a card's code says about the card.")
class CardStatus(enum.Enum):
    GENUINE = "GENUINE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    TAMPERED = "TAMPERED"
    UNKNOWN = "UNKNOWN"


@strawberry.type(
    description="The answer to a card's QR code: genuine and valid or not. Card details "
    "only for a card issued here."
)
class CardVerification:
    status: CardStatus
    valid: bool = strawberry.field(description="GENUINE: issued, not revoked, not expired.")
    card_number: str | None
    issue_date: date | None
    valid_until: date | None
    holder_name: str | None = strawberry.field(description="Masked: 张*.")

    @classmethod
    def of(cls, result: CoreVerification) -> CardVerification:
        return cls(
            status=CardStatus(result.status.value),
            valid=result.status == CoreCardStatus.GENUINE,
            card_number=result.card_number,
            issue_date=result.issue_date,
            valid_until=result.valid_until,
            holder_name=result.holder_name,
        )


RevokeCardResult = Annotated[
    ApplicationCard | OperationError, strawberry.union("RevokeHouseholdCardResult")
]


def card_of(row: HouseholdCard) -> ApplicationCard:
    application_id: int = row.application_id  # type: ignore[attr-defined]
    return ApplicationCard(
        number=row.card_number,
        issue_date=row.issue_date,
        valid_until=row.valid_until,
        issued_at=row.issued_at,
        revoked=row.revoked_at is not None,
        download_url=download_path(application_id),
    )


@strawberry.type
class CardQuery:
    @strawberry.field(
        description="Public, no sign-in: is the card behind this QR code genuine and valid?"
    )
    async def verify_household_card(self, info: Info, code: str) -> CardVerification:
        return CardVerification.of(await info.context.services.cards.verify(code[:200]))


@strawberry.type
class CardMutation:
    @strawberry.mutation(
        description="作废: revoke an application's card (its district's reviewer, or an admin)."
    )
    async def revoke_household_card(
        self, info: Info, application_id: strawberry.ID, reason: str
    ) -> RevokeCardResult:
        async def run() -> ApplicationCard:
            row = await info.context.services.cards.revoke(
                str(application_id),
                actor=info.context.require_actor(),
                reason=reason,
                request=info.context.request_info,
            )
            return card_of(row)

        return await attempt(run())


_DOWNLOAD_STATUS = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.SESSION_EXPIRED: 401,
    ErrorCode.INVALID_TOKEN: 401,
    ErrorCode.FORBIDDEN: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CARD_REVOKED: 410,
}


def download_route(services: Services) -> Route:
    """``GET /cards/{application_id}.pdf``: the applicant's own card, with the bearer token."""

    async def download(request: Request) -> Response:
        try:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise DomainError(ErrorCode.UNAUTHENTICATED, "请先登录")
            auth = await services.accounts.authenticate(token.strip())
            application_id = request.path_params["application_id"]
            data = await services.cards.pdf(
                auth.actor,
                application_id,
                request=RequestInfo(
                    request_id=getattr(request.state, "request_id", None),
                    client_address=request.client.host if request.client else None,
                ),
            )
        except DomainError as error:
            return JSONResponse(
                {"ok": False, "code": error.code.value, "message": error.message},
                status_code=_DOWNLOAD_STATUS.get(error.code, 400),
            )
        return Response(
            data,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="card-{application_id}.pdf"',
                "Cache-Control": "no-store",
            },
        )

    return Route("/cards/{application_id:int}.pdf", download, methods=["GET"])
