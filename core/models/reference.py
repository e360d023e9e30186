"""Reference data core owns: employers (引进单位), schools (院校), majors (专业), and requests
to add or rename them (新增/修改单位信息, 增加院校, 增加专业)."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from core.names import name_key


class NamedRow(Model):
    """A row found by name: ``name_key`` follows ``name`` whenever the row is saved."""

    name: str
    name_key: str

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        self.name_key = name_key(self.name)
        if update_fields is not None and "name" in update_fields:
            update_fields = {*update_fields, "name_key"}
        await super().save(
            using_db=using_db,
            update_fields=update_fields,
            force_create=force_create,
            force_update=force_update,
        )

    class Meta:
        abstract = True


class EmployerNature(enum.StrEnum):
    """What kind of employer it is. Only the first two review their employees' applications."""

    MUNICIPAL_INSTITUTION = "municipal_institution"  # 市直机关事业单位
    MUNICIPAL_SOE = "municipal_soe"  # 市属国有企业
    DISTRICT_INSTITUTION = "district_institution"  # 区属机关事业单位
    ENTERPRISE = "enterprise"  # 其他企业
    OTHER = "other"  # 社会组织等

    @property
    def reviews_applications(self) -> bool:
        return self in (EmployerNature.MUNICIPAL_INSTITUTION, EmployerNature.MUNICIPAL_SOE)


class Employer(NamedRow):
    """An employer (引进单位), found by full name or by its 18- or 9-character code."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, db_index=True)
    # core.names.name_key(name): what searches compare.
    name_key = fields.CharField(max_length=200, db_index=True, default="")
    # 统一社会信用代码, older records carry only the 9-character organisation code.
    credit_code = fields.CharField(max_length=18, null=True, unique=True)
    # 组织机构代码, also filled from characters 9 to 17 of the credit code.
    organisation_code = fields.CharField(max_length=9, null=True, db_index=True)
    nature = fields.CharEnumField(EmployerNature, max_length=32, default=EmployerNature.ENTERPRISE)
    phone = fields.CharField(max_length=32, default="")
    district = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "employers"


class SchoolLevel(enum.StrEnum):
    """The kind of school. Only 大专 and above are listed, lower ones are typed by hand."""

    UNDERGRADUATE = "undergraduate"  # 本科院校
    JUNIOR_COLLEGE = "junior_college"  # 专科（高职）院校
    ADULT = "adult"  # 成人高校、开放大学


class School(NamedRow):
    """A school (毕业院校) of 大专 level or above that an applicant picks from a list."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    name_key = fields.CharField(max_length=200, unique=True)
    # 学校标识码 of the Ministry of Education (5 digits, e.g. 10561), when known.
    code = fields.CharField(max_length=16, null=True, unique=True)
    level = fields.CharEnumField(SchoolLevel, max_length=32, default=SchoolLevel.UNDERGRADUATE)
    province = fields.CharField(max_length=32, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "schools"


class MajorLevel(enum.StrEnum):
    """The level a major is taught at: the same name may exist at several."""

    JUNIOR_COLLEGE = "junior_college"  # 专科
    BACHELOR = "bachelor"  # 本科
    POSTGRADUATE = "postgraduate"  # 研究生


class Major(NamedRow):
    """A major (专业) from the catalogue of majors, at one level."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    name_key = fields.CharField(max_length=200, db_index=True)
    level = fields.CharEnumField(MajorLevel, max_length=32, default=MajorLevel.BACHELOR)
    # 学科门类 (工学, 管理学), and the catalogue's code (080901), when known.
    discipline = fields.CharField(max_length=32, default="")
    code = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "majors"
        unique_together = (("name_key", "level"),)


class ReferenceRequestKind(enum.StrEnum):
    EMPLOYER_NEW = "employer_new"  # 新增单位信息
    EMPLOYER_RENAME = "employer_rename"  # 修改单位信息 (the name changed)
    SCHOOL = "school"  # 增加院校
    MAJOR = "major"  # 增加专业


class ReferenceRequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReferenceRequest(Model):
    """A person's request to add an employer, school or major, or to rename an employer.

    An administrator approves (the row is created or renamed) or rejects with an opinion,
    and the requester is told by SMS. Schools and majors are due two working days after.
    """

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ReferenceRequestKind, max_length=32)
    status = fields.CharEnumField(
        ReferenceRequestStatus,
        max_length=16,
        default=ReferenceRequestStatus.PENDING,
        db_index=True,
    )
    requester: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "core.User", related_name="reference_requests", on_delete=fields.CASCADE
    )
    # What is asked for: the new name, and for employers its codes and particulars.
    name = fields.CharField(max_length=200)
    name_key = fields.CharField(max_length=200, db_index=True)
    credit_code = fields.CharField(max_length=18, null=True)
    organisation_code = fields.CharField(max_length=9, null=True)
    nature = fields.CharField(max_length=32, null=True)
    phone = fields.CharField(max_length=32, default="")
    district = fields.CharField(max_length=32, null=True)
    # A school's or a major's level, a school's ministry code, a major's discipline.
    level = fields.CharField(max_length=32, null=True)
    code = fields.CharField(max_length=16, null=True)
    discipline = fields.CharField(max_length=32, default="")
    note = fields.CharField(max_length=500, default="")
    # A rename names its employer and records the name it had when asked.
    employer: fields.ForeignKeyNullableRelation[Employer] = fields.ForeignKeyField(
        "core.Employer", related_name="requests", null=True, on_delete=fields.SET_NULL
    )
    previous_name = fields.CharField(max_length=200, default="")
    due_on = fields.DateField(null=True)
    decided_by: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "core.User", related_name="decided_reference_requests", null=True, on_delete=fields.SET_NULL
    )
    decided_at = fields.DatetimeField(null=True)
    opinion = fields.CharField(max_length=500, default="")
    # The employer, school or major that approval created, renamed or found existing.
    result_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    attachments: fields.ReverseRelation[ReferenceAttachment]

    class Meta:
        table = "reference_requests"


class ReferenceAttachment(Model):
    """A file attached to a reference request (营业执照, 变更通知书, 学历证书), by content hash."""

    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[ReferenceRequest] = fields.ForeignKeyField(
        "core.ReferenceRequest", related_name="attachments", on_delete=fields.CASCADE
    )
    content_hash = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=64)
    size = fields.IntField()
    filename = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reference_attachments"
