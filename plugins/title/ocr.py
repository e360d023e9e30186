"""OCR field mapping of the title category's certificate: 专业技术资格证书.

Pure data over :mod:`core.ocr.mapping`: a two-column card of label/value rows.
"""

from __future__ import annotations

from core.ocr.mapping import FieldRule, KindMapping

TITLE_CERT = KindMapping(
    kind="title_cert",
    title="专业技术资格证书",
    fields=(
        FieldRule("name", labels=("姓名",), type="person_name", where="right"),
        FieldRule(
            "id_number",
            labels=("身份证号", "身份证号码", "公民身份号码"),
            type="id_number",
            where="right",
        ),
        FieldRule("qualification", labels=("资格名称",), type="enum", where="right"),
        FieldRule("series", labels=("专业",), type="text", where="right"),
        FieldRule(
            "level",
            labels=("资格级别",),
            type="enum",
            where="right",
            choices=("正高级", "副高级", "中级", "初级", "员级", "助理级"),
        ),
        # Approved by a review committee (评审通过时间) or by appointment (批准时间).
        FieldRule(
            "approval_date",
            labels=("评审通过时间", "评审通过日期", "批准时间", "批准日期"),
            type="date",
            where="right",
        ),
        # 粤高职证字第2013829255号 in Guangdong; other provinces print a bare number.
        FieldRule(
            "cert_no",
            labels=("证书编号", "证书号码"),
            type="cert_number",
            where="right",
            format=r"[\u4e00-\u9fff]{1,12}第\d{6,20}号|[0-9A-Z]{6,20}",
        ),
        FieldRule("issuer", labels=("发证机关",), type="organization", where="right"),
    ),
    # The holder's block repeats data we take from the identity card instead.
    other_labels=("性别", "出生年月", "工作单位", "专业技术资格证书"),
)

FIELD_MAPPINGS: dict[str, KindMapping] = {TITLE_CERT.kind: TITLE_CERT}
