"""The overlay engine against every rule of the Overlay 1.1 specification, and its strictness."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from jsm_openapi.errors import ExitCode, InputError, OverlayError
from jsm_openapi.overlay import apply_overlays, load_overlay, parse_overlay
from jsm_openapi.overlay.health import BROKEN, NEEDED, NOT_NEEDED, overlay_health


def overlay(*actions: dict[str, Any], version: str = "1.1.0") -> Any:
    return parse_overlay(
        {"overlay": version, "info": {"title": "t", "version": "1"}, "actions": list(actions)}, source="test.yaml"
    )


def doc() -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "API", "version": "1"},
        "paths": {
            "/a": {"get": {"operationId": "getA", "tags": ["x"], "parameters": [{"name": "p", "in": "query"}]}},
            "/b": {"get": {"operationId": "getB", "tags": ["y"]}, "post": {"operationId": "postB"}},
        },
        "components": {"schemas": {"S": {"type": "object", "properties": {"id": {"type": "integer"}}}}},
    }


def apply(*actions: dict[str, Any], document: dict[str, Any] | None = None, strict: bool = True) -> Any:
    return apply_overlays(document or doc(), [overlay(*actions)], strict=strict)


# --- update: the merge rules ------------------------------------------------------------------------------------


def test_update_inserts_new_properties_and_keeps_the_others() -> None:
    patched, [report] = apply({"target": "$.paths['/a'].get", "update": {"summary": "A"}})
    assert patched["paths"]["/a"]["get"]["summary"] == "A"
    assert patched["paths"]["/a"]["get"]["operationId"] == "getA"
    assert report.matched == 1 and report.changed


def test_update_replaces_a_primitive_with_a_primitive() -> None:
    patched, _ = apply({"target": "$.paths['/a'].get", "update": {"operationId": "fetchA"}})
    assert patched["paths"]["/a"]["get"]["operationId"] == "fetchA"


def test_update_merges_objects_recursively() -> None:
    patched, _ = apply(
        {
            "target": "$.components.schemas.S",
            "update": {"properties": {"id": {"type": "string"}, "n": {"type": "string"}}},
        }
    )
    props = patched["components"]["schemas"]["S"]["properties"]
    assert props == {"id": {"type": "string"}, "n": {"type": "string"}}
    assert patched["components"]["schemas"]["S"]["type"] == "object"


def test_update_concatenates_arrays() -> None:
    patched, _ = apply({"target": "$.paths['/a'].get", "update": {"tags": ["z"]}})
    assert patched["paths"]["/a"]["get"]["tags"] == ["x", "z"]


def test_update_of_an_array_target_appends_the_value_as_one_entry() -> None:
    patched, _ = apply({"target": "$.paths['/a'].get.parameters", "update": {"name": "q", "in": "header"}})
    assert patched["paths"]["/a"]["get"]["parameters"] == [{"name": "p", "in": "query"}, {"name": "q", "in": "header"}]


def test_update_applies_to_every_selected_node() -> None:
    patched, [report] = apply({"target": "$.paths.*.get", "update": {"deprecated": True}})
    assert report.matched == 2
    assert all(patched["paths"][p]["get"]["deprecated"] is True for p in ("/a", "/b"))
    assert "deprecated" not in patched["paths"]["/b"]["post"]


def test_updates_are_copies_not_shared_references() -> None:
    patched, _ = apply({"target": "$.paths.*.get", "update": {"x-info": {"n": 1}}})
    patched["paths"]["/a"]["get"]["x-info"]["n"] = 2
    assert patched["paths"]["/b"]["get"]["x-info"]["n"] == 1


@pytest.mark.parametrize(
    ("update", "found"),
    [
        ({"tags": "x"}, "cannot merge primitive into array"),
        ({"tags": {"a": 1}}, "cannot merge object into array"),
        ({"operationId": {"a": 1}}, "cannot merge object into primitive"),
        ({"parameters": {"name": "q"}}, "cannot merge object into array"),
    ],
)
def test_update_with_an_incompatible_kind_is_an_error(update: dict[str, Any], found: str) -> None:
    with pytest.raises(OverlayError, match=found) as info:
        apply({"target": "$.paths['/a'].get", "update": update, "description": "bad"})
    assert "test.yaml: action #1 (bad)" in info.value.message
    assert info.value.exit_code == ExitCode.OVERLAY


def test_update_of_a_primitive_target_is_an_error() -> None:
    with pytest.raises(OverlayError, match="is a primitive"):
        apply({"target": "$.paths['/a'].get.operationId", "update": {"x": 1}})


def test_update_of_an_object_with_a_non_object_is_an_error() -> None:
    with pytest.raises(OverlayError, match="the update must be an object"):
        apply({"target": "$.paths['/a'].get", "update": "text"})


# --- remove ---------------------------------------------------------------------------------------------------------


def test_remove_deletes_a_mapping_entry() -> None:
    patched, [report] = apply({"target": "$.paths['/b'].post", "remove": True})
    assert "post" not in patched["paths"]["/b"] and "get" in patched["paths"]["/b"]
    assert report.kind == "remove" and report.changed


def test_remove_deletes_several_array_items_without_shifting_mistakes() -> None:
    document = doc()
    document["paths"]["/a"]["get"]["parameters"] = [{"name": n, "in": "query"} for n in "abcde"]
    patched, [report] = apply(
        {"target": "$.paths['/a'].get.parameters[?@.name == 'b' || @.name == 'd' || @.name == 'e']", "remove": True},
        document=document,
    )
    assert report.matched == 3
    assert [p["name"] for p in patched["paths"]["/a"]["get"]["parameters"]] == ["a", "c"]


def test_remove_handles_nested_selections_of_the_same_action() -> None:
    patched, [report] = apply({"target": "$..[?@.operationId == 'getA' || @.name == 'p']", "remove": True})
    assert report.matched == 2
    assert "get" not in patched["paths"]["/a"]


def test_remove_of_the_root_is_an_error() -> None:
    with pytest.raises(OverlayError, match="root"):
        apply({"target": "$", "remove": True})


def test_remove_wins_over_update_as_the_spec_orders_them() -> None:
    patched, [report] = apply({"target": "$.paths['/b'].post", "remove": True, "update": {"summary": "x"}})
    assert report.kind == "remove" and "post" not in patched["paths"]["/b"]


def test_remove_false_with_update_updates() -> None:
    patched, [report] = apply({"target": "$.paths['/b'].post", "remove": False, "update": {"summary": "x"}})
    assert report.kind == "update" and patched["paths"]["/b"]["post"]["summary"] == "x"


# --- copy (1.1) -----------------------------------------------------------------------------------------------------


def test_copy_merges_the_selected_node_into_each_target() -> None:
    patched, [report] = apply({"target": "$.paths['/b'].post", "copy": "$.paths['/a'].get"})
    assert report.kind == "copy"
    post = patched["paths"]["/b"]["post"]
    assert post["operationId"] == "getA"  # primitive replaced
    assert post["parameters"] == [{"name": "p", "in": "query"}]  # inserted
    patched["paths"]["/a"]["get"]["parameters"].append({})
    assert len(post["parameters"]) == 1  # a copy, not a reference


def test_copy_into_an_array_appends_the_node() -> None:
    patched, _ = apply({"target": "$.paths['/a'].get.tags", "copy": "$.paths['/b'].get.tags[0]"})
    assert patched["paths"]["/a"]["get"]["tags"] == ["x", "y"]


@pytest.mark.parametrize(("source", "count"), [("$.paths['/zzz']", 0), ("$.paths.*.get", 2)])
def test_copy_must_select_exactly_one_node(source: str, count: int) -> None:
    with pytest.raises(OverlayError, match=f"must select exactly one node, it selected {count}"):
        apply({"target": "$.paths['/b'].post", "copy": source})


def test_update_wins_over_copy() -> None:
    patched, [report] = apply({"target": "$.paths['/b'].post", "update": {"summary": "u"}, "copy": "$.paths['/a'].get"})
    assert report.kind == "update" and "parameters" not in patched["paths"]["/b"]["post"]


def test_copy_needs_overlay_1_1() -> None:
    with pytest.raises(InputError, match=r"`copy` needs overlay 1\.1\.0"):
        overlay({"target": "$.paths", "copy": "$.info"}, version="1.0.0")


# --- ordering, strictness, reports --------------------------------------------------------------------------------


def test_actions_apply_in_order_each_seeing_the_previous_result() -> None:
    patched, reports = apply(
        {"target": "$.paths['/a'].get", "update": {"operationId": "renamed"}},
        {"target": "$.paths['/a'][?@.operationId == 'renamed']", "update": {"summary": "seen"}},
        {"target": "$.paths['/a'].get", "remove": True},
    )
    assert [r.matched for r in reports] == [1, 1, 1]
    assert patched["paths"]["/a"] == {}


def test_overlays_apply_in_order() -> None:
    first = overlay({"target": "$.info", "update": {"title": "one"}})
    second = overlay({"target": "$.info", "update": {"title": "two"}})
    patched, _ = apply_overlays(doc(), [first, second])
    assert patched["info"]["title"] == "two"


def test_strict_mode_fails_on_a_target_that_matches_nothing() -> None:
    with pytest.raises(OverlayError) as info:
        apply(
            {"target": "$.info", "update": {"x-a": 1}},
            {"target": "$.paths['/gone'].get", "update": {"summary": "s"}, "description": "Fix gone\nmore"},
        )
    message = info.value.message
    assert "test.yaml" in message and "action #2 (Fix gone)" in message and "$.paths['/gone'].get" in message
    assert "overlays status" in (info.value.hint or "")


def test_non_strict_mode_reports_zero_matches() -> None:
    patched, [report] = apply({"target": "$.paths['/gone']", "remove": True}, strict=False)
    assert report.matched == 0 and not report.changed
    assert patched == doc()


def test_the_input_document_is_never_modified() -> None:
    original = doc()
    snapshot = copy.deepcopy(original)
    apply_overlays(original, [overlay({"target": "$.paths.*.get", "update": {"tags": ["t"]}})])
    assert original == snapshot


def test_a_failed_action_leaves_the_input_untouched() -> None:
    original = doc()
    snapshot = copy.deepcopy(original)
    with pytest.raises(OverlayError):
        apply_overlays(
            original, [overlay({"target": "$.info", "update": {"x": 1}}, {"target": "$.nope", "remove": True})]
        )
    assert original == snapshot


def test_reports_list_normalized_locations() -> None:
    _, [report] = apply({"target": "$.paths.*.get", "update": {"x-n": 1}})
    assert report.locations == ["$['paths']['/a']['get']", "$['paths']['/b']['get']"]
    assert report.as_json()["action"] == 1


def test_changed_is_false_when_the_update_is_already_there() -> None:
    _, [report] = apply({"target": "$.paths['/a'].get", "update": {"operationId": "getA", "tags": ["x"]}})
    assert report.matched == 1 and not report.changed


# --- health (used by `overlays status` and drift) -------------------------------------------------------------


def test_health_classifies_needed_not_needed_and_broken() -> None:
    health = overlay_health(
        doc(),
        [
            overlay(
                {"target": "$.paths['/a'].get", "update": {"operationId": "fetchA"}},
                {"target": "$.paths['/b'].get", "update": {"operationId": "getB"}},
                {"target": "$.paths['/c']", "remove": True},
            )
        ],
    )
    assert [h.status for h in health] == [NEEDED, NOT_NEEDED, BROKEN]


# --- validation of overlay documents ---------------------------------------------------------------------------


def _raw(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "overlay": "1.1.0",
        "info": {"title": "t", "version": "1"},
        "actions": [{"target": "$", "update": {}}],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_raw(overlay=None), "'overlay' is a required property"),
        (_raw(overlay="2.0.0"), "does not match"),
        (_raw(info=None), "'info' is a required property"),
        (_raw(info={"title": "t"}), "'version' is a required property"),
        (_raw(actions=[]), "should be non-empty"),
        (_raw(actions=[{"update": {}}]), "'target' is a required property"),
        (_raw(actions=[{"target": "$", "frobnicate": 1}]), "unknown field(s) 'frobnicate'"),
        (_raw(actions=[{"target": "$", "remove": "yes"}]), "'yes' is not of type 'boolean'"),
        (_raw(actions=[{"target": "paths"}]), "does not match"),
        (_raw(extends="http://x/doc.json#frag"), "does not match"),
        (_raw(unknown=1), "unknown field(s) 'unknown'"),
    ],
)
def test_invalid_overlay_documents_are_refused_with_the_reason(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match="not a valid overlay document") as info:
        parse_overlay(raw, source="bad.yaml")
    assert message in info.value.message and "bad.yaml" in info.value.message
    assert info.value.exit_code == ExitCode.INPUT


def test_unsupported_version_gets_a_specific_hint() -> None:
    with pytest.raises(InputError) as info:
        parse_overlay(_raw(overlay="2.0.0"), source="bad.yaml")
    assert "use 1.1.0" in (info.value.hint or "")


def test_an_action_that_does_nothing_is_refused() -> None:
    with pytest.raises(InputError, match="has no update, copy or `remove: true`"):
        parse_overlay(_raw(actions=[{"target": "$", "remove": False}]), source="bad.yaml")


def test_an_invalid_jsonpath_names_the_action() -> None:
    with pytest.raises(InputError, match=r"bad.yaml: action #1 \(d\): target .* is not an RFC 9535 JSONPath"):
        parse_overlay(
            _raw(actions=[{"target": "$.paths[?@.x ==", "update": {}, "description": "d"}]), source="bad.yaml"
        )


def test_extensions_are_allowed_everywhere() -> None:
    parsed = parse_overlay(
        {
            **_raw(),
            "x-top": 1,
            "info": {"title": "t", "version": "1", "x-i": 2},
            "actions": [{"target": "$", "update": {}, "x-why": "e"}],
        },
        source="ok.yaml",
    )
    assert parsed.actions[0].extensions == {"x-why": "e"}


def test_yaml_syntax_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "overlay: 1.1.0\ninfo:\n  title: t\n  version: '1'\nactions:\n  - target: $.info\n    update: {a: [}\n"
    )
    with pytest.raises(InputError, match=r"broken.yaml: invalid YAML at line 7"):
        load_overlay(path)


def test_yaml_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "overlay: 1.1.0\noverlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $, remove: true}]\n"
    )
    with pytest.raises(InputError, match="duplicate key 'overlay'"):
        load_overlay(path)


def test_yaml_dates_stay_strings(tmp_path: Path) -> None:
    path = tmp_path / "dates.yaml"
    path.write_text(
        "overlay: 1.1.0\ninfo: {title: t, version: 2025-01-01}\nactions: [{target: $, update: {x-d: 2025-01-01}}]\n"
    )
    parsed = load_overlay(path)
    assert parsed.info_version == "2025-01-01" and parsed.actions[0].update == {"x-d": "2025-01-01"}
    assert parsed.digest and len(parsed.digest) == 64
