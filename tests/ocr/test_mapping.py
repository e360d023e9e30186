"""The field extractor on hand-made lines: layout rules without loading any model."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.ocr.kinds import CORE_MAPPINGS
from core.ocr.lines import TextLine, rotate_quad
from core.ocr.mapping import DATE, FieldRule, KindMapping, extract_fields, merge_mappings
from plugins.education.ocr import FIELD_MAPPINGS as EDUCATION
from plugins.skill.ocr import FIELD_MAPPINGS as SKILL

REPO = Path(__file__).resolve().parents[2]


def line(
    text: str, x: float, y: float, *, height: float = 30, confidence: float = 0.99
) -> TextLine:
    width = height * sum(0.55 if c.isascii() else 1.0 for c in text)
    return TextLine(
        text, confidence, ((x, y), (x + width, y), (x + width, y + height), (x, y + height))
    )


CARD = KindMapping(
    kind="card",
    title="测试卡",
    fields=(
        FieldRule("name", labels=("姓名",), type="person_name"),
        FieldRule("gender", labels=("性别",), type="gender"),
        FieldRule("former_name", labels=("曾用名",), type="person_name", where="right"),
        FieldRule("address", labels=("住址",), type="address", where="right", multiline=True),
        FieldRule("id_number", labels=("公民身份号码",), type="id_number"),
        FieldRule("occupation", labels=("职业（工种）",), type="text", where="right"),
        FieldRule("relation", labels=("户主或与户主关系",), type="text", where="right"),
        FieldRule("issued", type="date", pattern=rf"(?P<value>{DATE})", standalone=True),
        FieldRule("birth_date", type="date", pattern=rf"(?P<value>{DATE})生"),
        FieldRule("major", type="text", pattern=r"本校(?P<value>[^，。\n]+?)专业"),
    ),
    other_labels=("血型",),
)


def test_values_beside_inline_below_and_bounded_by_labels() -> None:
    lines = [
        line("姓名", 100, 100),
        line("李健", 260, 102),
        line("性别女", 100, 160),  # label and value read as one line
        line("曾用名", 100, 220),  # empty cell: the next thing right is a label
        line("血型", 500, 221),
        line("A型", 640, 221),
        line("住址", 100, 280),
        line("广东省广州市白云区黄石东路", 260, 282),
        line("289号2302房", 260, 322),  # the address wraps
        line("公民身份号码", 100, 420),
        line("440111199903175213", 100, 460),  # value below its label
        line("职业 (工种)", 100, 520),  # OCR spaces and half-width brackets
        line("焊工", 300, 520),
        line("户主或与", 100, 580),  # a label split over two lines
        line("户主关系", 100, 612),
        line("子", 300, 596),
    ]
    fields = extract_fields(lines, CARD)
    assert fields["name"].value == "李健"
    assert fields["gender"].value == "女"
    assert fields["former_name"].status == "missing"
    assert fields["address"].value == "广东省广州市白云区黄石东路289号2302房"
    assert fields["id_number"].value == "440111199903175213"
    assert fields["occupation"].value == "焊工"
    assert fields["relation"].value == "子"
    name = fields["name"]
    assert name.raw == "李健" and name.confidence == pytest.approx(0.99)
    assert name.quad is not None and name.quad[0] == (260, 102)


def test_running_text_is_rejoined_across_line_wraps() -> None:
    lines = [
        line("毕业证书", 300, 40, height=80),
        line("学生邵强骏，性别男，1988年09月13日生，于2005年9月", 100, 200),
        line("至2009年6月在本校人力资源管", 100, 240),
        line("理专业四年制本科学习。", 100, 280),
        line("二〇〇九年六月二十日", 600, 500),
    ]
    fields = extract_fields(lines, CARD)
    assert fields["birth_date"].value == "1988-09-13"
    assert fields["major"].value == "人力资源管理"
    major_quad = fields["major"].quad
    assert major_quad is not None and major_quad[0][1] == 240 and major_quad[2][1] == 310
    assert fields["issued"].value == "2009-06-20"


def test_tolerates_the_skew_of_a_hand_held_photo() -> None:
    # The whole card turned by ~4 degrees: rows no longer share a y-range unstraightened.
    def skewed(text: str, x: float, y: float) -> TextLine:
        flat = line(text, x, y)
        return TextLine(
            flat.text,
            flat.confidence,
            tuple((px, py + 0.07 * px) for px, py in flat.quad),  # type: ignore[arg-type]
        )

    # Unstraightened, 王梅思 would sit 24 px (80% of a line) below its label's row.
    lines = [
        skewed("常住人口登记卡", 200, 20),
        skewed("姓名", 100, 100),
        skewed("血型", 100, 160),
        skewed("王梅思", 450, 100),
    ]
    assert extract_fields(lines, CARD)["name"].value == "王梅思"


def test_invalid_values_are_reported_not_offered() -> None:
    lines = [
        line("公民身份号码", 100, 100),
        line("440111199903175214", 400, 100),  # last digit misread: checksum fails
        line("2019年2月30日", 600, 400),
    ]
    fields = extract_fields(lines, CARD)
    wrong = fields["id_number"]
    assert (wrong.status, wrong.value, wrong.offered) == ("invalid", None, False)
    assert wrong.raw == "440111199903175214" and wrong.problem is not None
    assert "check digit" in wrong.problem
    assert fields["issued"].status == "invalid"
    assert fields["issued"].value is None


def test_repeated_labels_by_occurrence() -> None:
    mapping = CORE_MAPPINGS["marriage_cert"]
    lines = [
        line("姓名 赵佳平", 100, 100),
        line("性别男", 500, 100),
        line("身份证件号 440113198211115699", 100, 180),
        line("姓名", 100, 400),
        line("唐佳丽", 230, 400),
        line("性别", 500, 400),
        line("女", 630, 400),
        line("身份证件号", 100, 480),
        line("440802199008265521", 300, 482),
    ]
    fields = extract_fields(lines, mapping)
    assert fields["spouse1_name"].value == "赵佳平"
    assert fields["spouse2_name"].value == "唐佳丽"
    assert fields["spouse1_gender"].value == "男"
    assert fields["spouse2_gender"].value == "女"
    assert fields["spouse1_id_number"].value == "440113198211115699"
    assert fields["spouse2_id_number"].value == "440802199008265521"
    assert fields["holder"].status == "missing"


def test_rules_are_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        FieldRule("x", labels=("甲",), type="colour")
    with pytest.raises(ValueError, match="no 'value' group"):
        FieldRule("x", pattern=r"\d+")
    with pytest.raises(ValueError, match="needs labels or a pattern"):
        FieldRule("x")
    with pytest.raises(ValueError, match="duplicate"):
        KindMapping("k", "k", (FieldRule("x", labels=("甲",)), FieldRule("x", labels=("乙",))))


def test_merge_refuses_a_kind_mapped_twice() -> None:
    with pytest.raises(ValueError, match="mapped twice"):
        merge_mappings(CORE_MAPPINGS, {"id_card_front": CORE_MAPPINGS["id_card_front"]})
    with pytest.raises(ValueError, match="filed under"):
        merge_mappings({"passport": CORE_MAPPINGS["id_card_front"]})


def test_quads_follow_a_quarter_turn() -> None:
    # A 100x50 image turned clockwise becomes 50x100; its top-left corner goes top-right.
    quad = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))
    assert rotate_quad(quad, 90, 100, 50) == ((45.0, 0.0), (50.0, 0.0), (50.0, 10.0), (45.0, 10.0))
    assert rotate_quad(quad, 180, 100, 50)[0] == (90.0, 45.0)
    assert rotate_quad(quad, 270, 100, 50)[0] == (0.0, 90.0)


@pytest.mark.parametrize("category", ["education", "title", "skill"])
def test_plugin_mappings_are_pure_data(category: str) -> None:
    path = REPO / "plugins" / category / "ocr.py"
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "core.ocr.mapping"}, imported


def test_label_variants_of_other_issuers() -> None:
    # An older 职业资格证书 layout: other label words for the same fields.
    mapping = merge_mappings(SKILL)["skill_cert"]
    lines = [
        line("职业资格证书", 300, 20, height=60),
        line("身份证号码", 100, 100),
        line("440402199205236824", 300, 100),
        line("职业名称", 100, 160),
        line("焊工", 300, 160),
        line("职业资格等级", 100, 220),
        line("技师（国家职业资格二级）", 300, 220),
        line("证书号码", 100, 280),
        line("1844002641812592", 300, 280),
        line("发证时间", 100, 340),
        line("2018-01-23", 300, 340),
        line("发证单位", 100, 400),
        line("广州市人力资源和社会保障局", 300, 400),
    ]
    fields = extract_fields(lines, mapping)
    assert {name: f.value for name, f in fields.items()} == {
        "name": None,
        "id_number": "440402199205236824",
        "occupation": "焊工",
        "grade": "技师",
        "cert_no": "1844002641812592",
        "issue_date": "2018-01-23",
        "issuer": "广州市人力资源和社会保障局",
    }


def test_certificate_number_formats_repair_look_alikes_and_refuse_misfits() -> None:
    marriage = CORE_MAPPINGS["marriage_cert"]
    lines = [line("结婚证字号", 100, 100), line("J44O115一2016一012371", 300, 100)]
    number = extract_fields(lines, marriage)["cert_no"]
    assert (number.status, number.value) == ("ok", "J440115-2016-012371")
    assert number.raw == "J44O115一2016一012371"

    degree = merge_mappings(EDUCATION)["degree_cert"]
    # A digit lost under the seal: 15 digits fit no degree certificate number.
    short = extract_fields([line("证书编号：103353200200134", 100, 100)], degree)["cert_no"]
    assert (short.status, short.value, short.raw) == ("invalid", None, "103353200200134")
    assert short.problem is not None and "format" in short.problem


def test_running_text_dates_with_letters_for_digits() -> None:
    degree = merge_mappings(EDUCATION)["degree_cert"]
    lines = [
        line("许晶，女，l978年11月22日生。在浙江大学金融学", 100, 100),
        line("专业完成了硕士研究生学习计划，授予经济学硕士学位。", 100, 140),
        line("二OO二年六月二十九日", 600, 400),
    ]
    fields = extract_fields(lines, degree)
    assert fields["birth_date"].value == "1978-11-22"
    assert fields["award_date"].value == "2002-06-29"
    assert fields["major"].value == "金融学"
