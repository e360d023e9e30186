"""Tab (D) 高层次、高技能人才: the conditions as data, with their dated parameters."""

from __future__ import annotations

from core.categories import CategorySpec, ConditionSpec, MaterialRequirement, Parameter
from plugins.high_level.facts import RecognitionType

CATEGORY_ID = "high_level"

ACADEMICIAN_PROGRAMME = "academician_programme"
CITY_EXPERT = "city_expert"
SKILLED_HONOUR = "skilled_honour"

# The recognitions each condition accepts.
TYPES = {
    ACADEMICIAN_PROGRAMME: (
        RecognitionType.ACADEMICIAN,
        RecognitionType.NATIONAL_PROGRAMME,
        RecognitionType.PROVINCIAL_PROGRAMME,
    ),
    CITY_EXPERT: (RecognitionType.CITY_EXPERT, RecognitionType.LEADING_TALENT),
    SKILLED_HONOUR: (
        RecognitionType.MODEL_WORKER,
        RecognitionType.PROVINCIAL_TECHNICAL_EXPERT,
        RecognitionType.CITY_CONTEST_WINNER,
    ),
}


def age_limit(limit: int) -> Parameter:
    return Parameter(
        name="age_limit",
        label="年龄上限",
        type="int",
        values={2020: limit},
        minimum=18,
        maximum=70,
        unit="周岁",
    )


RECOGNITION = MaterialRequirement(
    kind="talent_recognition",
    label="高层次人才认定批复文件，包括有关部门颁发的证书或相关文件",
    proves="申办人经有关部门认定为高层次、高技能人才，及认定的类别和时间",
)
HOUSEHOLD_REGISTER = MaterialRequirement(
    kind="household_register_page",
    label="户口本首页和本人页",
    proves="申办人现户籍所在地及户籍身份信息",
)

CONDITIONS = (
    ConditionSpec(
        id=ACADEMICIAN_PROGRAMME,
        title="中国科学院院士、中国工程院院士，国家和省重大人才工程入选者，不受年龄限制",
        title_en=(
            "Academicians of the Chinese Academies of Sciences or Engineering, and members "
            "of national or provincial talent programmes, at any age"
        ),
        order=1,
        materials=(RECOGNITION, HOUSEHOLD_REGISTER),
    ),
    ConditionSpec(
        id=CITY_EXPERT,
        title="经我市认定的高层次人才、产业领军人才，年龄在50周岁及以下",
        title_en="Experts and industry leading talents recognised by the city, aged 50 or under",
        order=2,
        parameters=(age_limit(50),),
        materials=(RECOGNITION, HOUSEHOLD_REGISTER),
    ),
    ConditionSpec(
        id=SKILLED_HONOUR,
        title=(
            "获得全国或省劳动模范、省技术能手称号，或在市级以上职业技能竞赛中获奖的高技能人才，"
            "年龄在45周岁及以下"
        ),
        title_en=(
            "Model workers, provincial technical experts and winners of city or higher "
            "vocational skill contests, aged 45 or under"
        ),
        order=3,
        parameters=(age_limit(45),),
        materials=(RECOGNITION, HOUSEHOLD_REGISTER),
    ),
)

CATEGORY = CategorySpec(
    id=CATEGORY_ID,
    label_zh="高层次、高技能人才",
    label_en="High-level and highly skilled talents",
    tab="D",
    order=4,
    conditions=CONDITIONS,
)
