"""The service's OCR mappings: one per material kind, collected and checked at start-up."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from core import hookimpl
from core.ocr.kinds import ID_CARD_FRONT
from core.ocr.mapping import FieldRule, KindMapping
from core.plugins import PluginConflictError, build_plugin_manager, collect
from core.settings import Settings
from core.uploads import collect_ocr_mappings, material_kinds

BUILTIN = Settings().plugins
# Core owns identity, household, home and marriage; the category plugins their certificates.
KINDS = {
    "id_card_front",
    "household_register_page",
    "property_cert",
    "marriage_cert",
    "diploma",
    "degree_cert",
    "title_cert",
    "skill_cert",
}


def test_every_certificate_kind_has_a_mapping_and_is_accepted_for_upload() -> None:
    registry = collect(build_plugin_manager(BUILTIN, load_entrypoints=False))
    mappings = collect_ocr_mappings(registry)
    assert set(mappings) == KINDS
    assert set(material_kinds(registry)) >= KINDS
    assert all(mapping.kind == kind and mapping.fields for kind, mapping in mappings.items())


class _Passport:
    @hookimpl
    def register_ocr_mappings(self) -> Mapping[str, KindMapping]:
        rule = FieldRule("number", labels=("护照号",), type="cert_number")
        return {"passport": KindMapping("passport", "护照", (rule,))}


class _SecondIdCard:
    @hookimpl
    def register_ocr_mappings(self) -> Mapping[str, KindMapping]:
        return {"id_card_front": ID_CARD_FRONT}


class _Misfiled:
    @hookimpl
    def register_ocr_mappings(self) -> Mapping[str, KindMapping]:
        return {"diploma_copy": ID_CARD_FRONT}


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (_Passport(), "undeclared material kinds"),
        (_SecondIdCard(), "registered twice"),
        (_Misfiled(), "is not for"),
    ],
)
def test_a_bad_mapping_stops_start_up(plugin: object, message: str) -> None:
    pm = build_plugin_manager(BUILTIN, load_entrypoints=False, extra=[plugin])
    with pytest.raises(PluginConflictError, match=message):
        collect_ocr_mappings(collect(pm))
