"""Reference data the service serves: district offices, the notice to accept."""

from __future__ import annotations

import strawberry

from core.districts import OFFICES
from core.eligibility import NOTICE


@strawberry.type(description="A district's acceptance office (区人社部门引进人才对外服务窗口).")
class DistrictOffice:
    district: str
    bureau: str
    office: str
    address: str
    phones: list[str]
    hours: str


@strawberry.type
class ReferenceQuery:
    @strawberry.field(description="The 11 districts' acceptance offices.")
    def district_offices(self) -> list[DistrictOffice]:
        return [
            DistrictOffice(
                district=o.district,
                bureau=o.bureau,
                office=o.office,
                address=o.address,
                phones=list(o.phones),
                hours=o.hours,
            )
            for o in OFFICES
        ]

    @strawberry.field(description="办理须知: accepted before the one-click test or apply.")
    def application_notice(self) -> str:
        return NOTICE
