"""OCR field mappings of the education category's certificates: 毕业证书 and 学位证书.

Pure data over :mod:`core.ocr.mapping`. Most values sit in the certificate's running
text rather than beside labels, so they are found by patterns over the paragraphs.
"""

from __future__ import annotations

from core.ocr.mapping import DATE, FieldRule, KindMapping

_INSTITUTION = r"[\u4e00-\u9fff]+?(?:大学|学院|学校|研究院|研究所)"
_DEGREE = r"(?:博士|硕士|学士)"

DIPLOMA = KindMapping(
    kind="diploma",
    title="学历证书（毕业证书）",
    fields=(
        # 学生邵强骏，性别男，1988年09月13日生，于2005年9月至2009年6月在本校…
        FieldRule(
            "name",
            type="person_name",
            pattern=r"(?:学生|研究生)(?P<value>[\u4e00-\u9fff·]{2,5}?)[，,]?性别",
        ),
        FieldRule("gender", type="gender", pattern=r"性别(?P<value>[男女])"),
        FieldRule("birth_date", type="date", pattern=rf"(?P<value>{DATE})生"),
        FieldRule("school", labels=("校名", "学校名称"), type="organization", where="right"),
        FieldRule("major", type="text", pattern=r"本校(?P<value>[^，,。\n]+?)专业"),
        FieldRule(
            "level",
            type="enum",
            pattern=r"(?P<value>博士研究生|硕士研究生|本科|专科)",
        ),
        # 学制四年 in some layouts, 四年制本科 in others.
        FieldRule(
            "study_length",
            type="years",
            pattern=r"学制(?P<value>[一二三四五六七八九十\d.]{1,3}年)",
            fallback=(r"(?P<value>[一二三四五六七八九十\d.]{1,3}年)制",),
        ),
        # The date of issue stands alone under the president's signature.
        FieldRule("graduation_date", type="date", pattern=rf"(?P<value>{DATE})", standalone=True),
        # 学历证书电子注册号 (since 2001): school code, type, year, level, serial.
        FieldRule(
            "cert_no",
            labels=("证书编号", "证书号"),
            type="cert_number",
            where="right",
            format=r"\d{18}",
        ),
    ),
    other_labels=("校（院）长", "毕业证书"),
)

DEGREE_CERT = KindMapping(
    kind="degree_cert",
    title="学位证书",
    fields=(
        # 许晶，女，1978年11月22日生。在浙江大学金融学专业完成了硕士研究生学习计划，…
        # 授予经济学硕士学位。
        FieldRule(
            "name",
            type="person_name",
            pattern=r"^(?P<value>[\u4e00-\u9fff·]{2,5})[，,][男女][，,]",
        ),
        FieldRule(
            "gender",
            type="gender",
            pattern=r"^[\u4e00-\u9fff·]{2,5}[，,](?P<value>[男女])[，,]",
        ),
        FieldRule("birth_date", type="date", pattern=rf"(?P<value>{DATE})生"),
        FieldRule("degree", type="enum", pattern=rf"授予[\u4e00-\u9fff]*?(?P<value>{_DEGREE})学位"),
        FieldRule(
            "discipline",
            type="enum",
            pattern=rf"授予(?P<value>[\u4e00-\u9fff]+?学){_DEGREE}学位",
        ),
        FieldRule(
            "degree_name",
            type="text",
            pattern=rf"授予(?P<value>[\u4e00-\u9fff]+?{_DEGREE}学位)",
        ),
        FieldRule("institution", type="organization", pattern=rf"在(?P<value>{_INSTITUTION})"),
        FieldRule(
            "major",
            type="text",
            pattern=rf"在{_INSTITUTION}(?P<value>[^，,。\n]+?)专业",
        ),
        FieldRule("award_date", type="date", pattern=rf"(?P<value>{DATE})", standalone=True),
        # Awarding unit's code, degree level, year, serial.
        FieldRule(
            "cert_no",
            labels=("证书编号", "证书号"),
            type="cert_number",
            where="right",
            format=r"\d{16}",
        ),
    ),
    other_labels=("学位评定委员会主席", "学位证书"),
)

FIELD_MAPPINGS: dict[str, KindMapping] = {m.kind: m for m in (DIPLOMA, DEGREE_CERT)}
