"""Demo data for ``make run``: policy years, staff and applicant accounts, shared records.

Loading twice changes nothing: existing accounts and years are left as they are, and
shared records are replaced by the file's.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from stdnum.cn import ric

from core.actors import OPERATOR
from core.demo_lifecycle import load_lifecycle_demo
from core.models import PolicyYear, User
from core.reference_import import import_employers, import_majors, import_schools
from core.services import Services
from core.shared_import import import_records
from core.staff import create_staff

DEMO_PASSWORD = "Talent#2026"
CURRENT_YEAR = 2026
# The year whose skill figures are the older ones the seed's questionnaire shows.
EARLIER_YEAR = 2019


def demo_file(name: str) -> Any:
    return json.loads(resources.files("core.demo_data").joinpath(name).read_text("utf-8"))


def _id_number(body17: str) -> str:
    # calc_check_digit expects the full number, with any placeholder as its last digit.
    return body17 + ric.calc_check_digit(body17 + "0")


STAFF: tuple[dict[str, Any], ...] = (
    {"username": "admin", "real_name": "系统管理员", "role": "admin",
     "id_number": _id_number("44010519830303001"), "mobile": "13800000001"},
    {"username": "reviewer.tianhe", "real_name": "天河区审核员", "role": "reviewer",
     "district": "天河区", "id_number": _id_number("44010619860606002"),
     "mobile": "13800000002"},
    {"username": "reviewer.yuexiu", "real_name": "越秀区审核员", "role": "reviewer",
     "district": "越秀区", "id_number": _id_number("44010419870707003"),
     "mobile": "13800000003"},
)  # fmt: skip


async def _ensure_year(year: int, title: str) -> None:
    if not await PolicyYear.filter(year=year).exists():
        await PolicyYear.create(year=year, title=title)


async def load_demo(services: Services) -> list[str]:
    """Load the demo; return a line per account: username / password / role."""
    await _ensure_year(EARLIER_YEAR, f"{EARLIER_YEAR} 年度（旧技能类参数）")
    await _ensure_year(CURRENT_YEAR, f"{CURRENT_YEAR} 年度")
    if not await PolicyYear.filter(year=CURRENT_YEAR, is_current=True).exists():
        await services.policy_admin.set_current(OPERATOR, CURRENT_YEAR)

    lines = []
    for staff in STAFF:
        if not await User.filter(username=staff["username"]).exists():
            await create_staff(services, password=DEMO_PASSWORD, **staff)
        where = f" ({staff['district']})" if staff.get("district") else ""
        lines.append(f"{staff['username']} / {DEMO_PASSWORD} / {staff['role']}{where}")

    await import_records(demo_file("shared_data.json"))
    # Employers, schools and majors to pick from; rows already present stay as they are.
    await import_employers(demo_file("employers.json"))
    await import_schools(demo_file("schools.json"))
    await import_majors(demo_file("majors.json"))
    for n, person in enumerate(demo_file("people.json"), start=1):
        username = f"applicant{n}"
        if not await User.filter(username=username).exists():
            await services.accounts.register(
                username=username,
                real_name=person["name"],
                id_number=person["id_number"],
                mobile=f"139{n:08d}",
                password=DEMO_PASSWORD,
            )
        lines.append(
            f"{username} / {DEMO_PASSWORD} / applicant: {person['name']}, {person['case']}"
        )
    # Applications in every state of the review lifecycle, and an employer administrator.
    lines += await load_lifecycle_demo(services, DEMO_PASSWORD)
    return lines
