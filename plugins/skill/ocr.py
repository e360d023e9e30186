"""OCR field mapping of the skill category's certificate.

Covers both the current 职业技能等级证书 (issued by an evaluation body, 评价机构) and
the older 职业资格证书 (issued by the human-resources department, 发证机关), whose
labels differ but whose fields are the same. Pure data over :mod:`core.ocr.mapping`.
"""

from __future__ import annotations

from core.ocr.mapping import FieldRule, KindMapping

SKILL_CERT = KindMapping(
    kind="skill_cert",
    title="职业技能等级证书/职业资格证书",
    fields=(
        FieldRule("name", labels=("姓名",), type="person_name", where="right"),
        FieldRule(
            "id_number",
            labels=("证件号码", "身份证号", "身份证号码", "公民身份号码"),
            type="id_number",
            where="right",
        ),
        FieldRule(
            "occupation",
            labels=("职业（工种）", "职业（工种）名称", "职业名称"),
            type="enum",
            where="right",
        ),
        # 二级/技师 or 技师（国家职业资格二级）: the grade's name is the value.
        FieldRule(
            "grade",
            labels=("职业技能等级", "职业资格等级"),
            type="skill_grade",
            where="right",
        ),
        # S and 21 digits on 职业技能等级证书; digits only on the older 职业资格证书.
        FieldRule(
            "cert_no",
            labels=("证书编号", "证书号码"),
            type="cert_number",
            where="right",
            format=r"S\d{21}|\d{12,20}",
        ),
        FieldRule(
            "issue_date", labels=("发证日期", "发证时间", "颁证日期"), type="date", where="right"
        ),
        FieldRule(
            "issuer",
            labels=("评价机构", "发证机关", "发证单位"),
            type="organization",
            where="right",
        ),
    ),
    # The titles start with a label's words (职业技能等级…): listing them keeps the
    # heading from being read as that label.
    other_labels=("证件类型", "职业技能等级证书", "职业资格证书"),
)

FIELD_MAPPINGS: dict[str, KindMapping] = {SKILL_CERT.kind: SKILL_CERT}
