"""Field mappings of the materials core itself asks for: identity, household, home, marriage.

Pure data over :mod:`core.ocr.mapping`; the category plugins declare their own
certificates the same way in ``plugins/<category>/ocr.py``.
"""

from __future__ import annotations

from core.ocr.mapping import DATE, FieldRule, KindMapping

ID_CARD_FRONT = KindMapping(
    kind="id_card_front",
    title="居民身份证（人像面）",
    fields=(
        FieldRule("name", labels=("姓名",), type="person_name", where="right"),
        FieldRule("gender", labels=("性别",), type="gender", where="right"),
        FieldRule("ethnicity", labels=("民族",), type="ethnicity", where="right"),
        FieldRule("birth_date", labels=("出生",), type="date", where="right"),
        # The address wraps onto a second line under the first.
        FieldRule("address", labels=("住址",), type="address", where="right", multiline=True),
        FieldRule("id_number", labels=("公民身份号码",), type="id_number", where="right"),
    ),
)

# 常住人口登记卡: a ruled table; values sit in the cell right of their label, and
# the labels of data we do not take bound the search (an empty 曾用名 stays empty).
HOUSEHOLD_REGISTER_PAGE = KindMapping(
    kind="household_register_page",
    title="居民户口簿 常住人口登记卡",
    fields=(
        FieldRule("name", labels=("姓名",), type="person_name", where="right"),
        FieldRule(
            "relation_to_head",
            labels=("户主或与户主关系", "与户主关系"),
            type="enum",
            where="right",
        ),
        FieldRule("gender", labels=("性别",), type="gender", where="right"),
        FieldRule("birthplace", labels=("出生地",), type="place", where="right"),
        FieldRule("ethnicity", labels=("民族",), type="ethnicity", where="right"),
        FieldRule("birth_date", labels=("出生日期",), type="date", where="right"),
        # Older booklets print 公民身份号码 or 身份证编号.
        FieldRule(
            "id_number",
            labels=("公民身份证件编号", "公民身份号码", "身份证编号"),
            type="id_number",
            where="right",
        ),
        FieldRule("education", labels=("文化程度",), type="enum", where="right"),
        FieldRule(
            "marital_status",
            labels=("婚姻状况",),
            type="enum",
            where="right",
            choices=("未婚", "已婚", "离婚", "丧偶"),
        ),
        FieldRule("address", labels=("住址",), type="address", where="right"),
    ),
    other_labels=(
        "常住人口登记卡",
        "曾用名",
        "籍贯",
        "宗教信仰",
        "身高",
        "血型",
        "服务处所",
        "兵役状况",
        "职业",
        "何时由何地迁来本市（县）",
        "何时由何地迁来本址",
        "登记日期",
        "承办人签章",
    ),
)

PROPERTY_CERT = KindMapping(
    kind="property_cert",
    title="不动产权证书",
    fields=(
        # The number heads the page on a line of its own.
        FieldRule(
            "cert_no",
            type="cert_number",
            pattern=r"(?P<value>[\u4e00-\u9fff]（[\dOoIl|]{4}）[\u4e00-\u9fff]{1,12}不动产权第[\dOoIl|]{7}号)",
            standalone=True,
            format=r"[\u4e00-\u9fff]（\d{4}）[\u4e00-\u9fff]{1,12}不动产权第\d{7}号",
        ),
        FieldRule("owner", labels=("权利人",), type="person_name", where="right"),
        FieldRule(
            "co_ownership",
            labels=("共有情况",),
            type="enum",
            where="right",
            choices=("单独所有", "共同共有", "按份共有"),
        ),
        FieldRule("location", labels=("坐落",), type="address", where="right"),
        FieldRule("unit_no", labels=("不动产单元号",), type="unit_number", where="right"),
        # 用途 reads "land use/building use"; the building's use is the value.
        FieldRule(
            "usage", labels=("用途",), type="enum", where="right", pattern=r"(?P<value>[^/]+)$"
        ),
        # The 面积 cell holds the land share and the floor area on two lines.
        FieldRule(
            "area",
            labels=("面积",),
            type="area",
            where="right",
            pattern=r"房屋建筑面积(?P<value>[\dOoIl|]+(?:\.[\dOoIl|]+)?)",
            fallback=(r"房屋建筑面积(?P<value>[\dOoIl|]+(?:\.[\dOoIl|]+)?)平方米",),
        ),
        # The registration date stands alone under the issuing authority and its seal.
        FieldRule("registration_date", type="date", pattern=rf"(?P<value>{DATE})", standalone=True),
    ),
    other_labels=("权利类型", "权利性质", "使用期限", "权利其他状况", "附记"),
)


def _spouse(number: int) -> tuple[FieldRule, ...]:
    """Both spouses' blocks repeat the same labels; the first block is spouse 1."""
    index = number - 1
    prefix = f"spouse{number}_"
    return (
        FieldRule(f"{prefix}name", labels=("姓名",), type="person_name", occurrence=index),
        FieldRule(f"{prefix}gender", labels=("性别",), type="gender", occurrence=index),
        FieldRule(f"{prefix}nationality", labels=("国籍",), type="enum", occurrence=index),
        FieldRule(f"{prefix}birth_date", labels=("出生日期",), type="date", occurrence=index),
        FieldRule(
            f"{prefix}id_number",
            labels=("身份证件号", "身份证件号码", "身份证号"),
            type="id_number",
            occurrence=index,
        ),
    )


MARRIAGE_CERT = KindMapping(
    kind="marriage_cert",
    title="结婚证（内页）",
    fields=(
        FieldRule("holder", labels=("持证人",), type="person_name"),
        FieldRule("registration_date", labels=("登记日期",), type="date"),
        # J (结婚), office code, year, serial: J440115-2016-012371; BJ when reissued.
        FieldRule(
            "cert_no",
            labels=("结婚证字号", "结婚证号"),
            type="cert_number",
            format=r"[A-Z]{1,2}\d{6}-\d{4}-\d{5,6}",
        ),
        *_spouse(1),
        *_spouse(2),
    ),
    other_labels=("备注", "登记机关", "婚姻登记员"),
)

CORE_MAPPINGS: dict[str, KindMapping] = {
    mapping.kind: mapping
    for mapping in (ID_CARD_FRONT, HOUSEHOLD_REGISTER_PAGE, PROPERTY_CERT, MARRIAGE_CERT)
}
