import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from symphony_bot.registry.jsondoc import (
    CODE_BOM,
    CODE_DUPLICATE_KEY,
    CODE_INVALID_JSON,
    CODE_LONE_SURROGATE,
    CODE_NOT_UTF8,
    CODE_NUMBER_TOO_LONG,
    CODE_TOO_LARGE,
    MAX_INTEGER_DIGITS,
    Position,
    find_duplicate_keys,
    locate,
    parse_json_bytes,
    path_deeper_than,
    read_json_file,
)

TEXT = (
    '{\n  "a": 1,\n  "list": [\n    {"k": "v"},\n    {"k": "w", "deep": {"x": [10, 20]}}\n  ],\n'
    '  "s": "br{ace]\\"q"\n}\n'
)


def test_locate_points_members_at_their_key_and_elements_at_their_value() -> None:
    found = locate(TEXT, [("a",), ("list", 1), ("list", 1, "deep", "x", 1), ("s",), ()])
    assert found[("a",)] == Position(2, 3)
    assert found[("list", 1)] == Position(5, 5)
    assert found[("list", 1, "deep", "x", 1)] == Position(5, 35)
    assert found[("s",)] == Position(7, 3)
    assert found[()] == Position(1, 1)


def test_locate_is_not_fooled_by_punctuation_inside_strings() -> None:
    text = '{"a": "x, y: [z]", "b": 2}'
    assert locate(text, [("b",)])[("b",)] == Position(1, 20)


def test_duplicate_keys_are_reported_with_their_line() -> None:
    document = parse_json_bytes(b'{"a": 1,\n "b": {"c": 2,\n "c": 3},\n "a": [1]}')
    duplicates = [f for f in document.findings if f.code == CODE_DUPLICATE_KEY]
    assert [(f.json_path, f.line) for f in duplicates] == [("$.b.c", 3), ("$.a", 4)]
    assert find_duplicate_keys('{"a": {"a": 1}}') == []  # the same name at two levels is fine


def test_invalid_json_names_line_and_column() -> None:
    document = parse_json_bytes(b'{\n  "a": 1\n  "b": 2\n}')
    assert document.data is None
    [finding] = document.findings
    assert (finding.code, finding.line, finding.column) == (CODE_INVALID_JSON, 3, 3)


def test_bom_is_accepted_with_a_warning() -> None:
    document = parse_json_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert document.data == {"a": 1}
    assert [f.code for f in document.findings] == [CODE_BOM]


def test_non_utf8_bytes_are_located() -> None:
    document = parse_json_bytes(b'{"a":\n "caf\xe9"}')
    assert document.data is None
    [finding] = document.findings
    assert (finding.code, finding.line, finding.column) == (CODE_NOT_UTF8, 2, 6)


def test_deep_nesting_is_a_finding_not_a_crash() -> None:
    document = parse_json_bytes(b"[" * 100_000 + b"]" * 100_000)
    assert document.data is None
    assert document.findings[0].code == CODE_INVALID_JSON


def test_huge_files_are_refused_unread(tmp_path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: 50 MB on paper, nothing read
        handle.truncate(50 * 1024 * 1024)
    document = read_json_file(big)
    assert document.data is None
    assert document.findings[0].code == CODE_TOO_LARGE


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@given(json_values, st.booleans())
def test_every_path_of_any_document_is_located(value, pretty) -> None:
    text = json.dumps(value, indent=2 if pretty else None)
    paths = list(_paths(value))
    found = locate(text, paths)
    assert set(found) == set(paths)
    assert all(position.line >= 1 and position.column >= 1 for position in found.values())


def test_nan_and_infinity_are_not_json() -> None:
    document = parse_json_bytes(b'{\n  "a": [1,\n    NaN],\n  "b": -Infinity\n}')
    assert document.data is None
    assert [(f.code, f.json_path, f.line) for f in document.findings] == [
        (CODE_INVALID_JSON, "$.a[1]", 3),
        (CODE_INVALID_JSON, "$.b", 4),
    ]
    assert "NaN is not a JSON number" in document.findings[0].message


def test_an_over_long_number_is_a_finding_not_a_crash() -> None:
    document = parse_json_bytes(b'{"ok": 12,\n "n": ' + b"9" * 5000 + b"}")
    assert document.data is None
    [finding] = document.findings
    assert (finding.code, finding.json_path, finding.line) == (CODE_NUMBER_TOO_LONG, "$.n", 2)
    assert parse_json_bytes(b'{"n": ' + b"9" * MAX_INTEGER_DIGITS + b"}").findings == []


def test_lone_surrogates_are_located_and_pairs_are_fine() -> None:
    document = parse_json_bytes(b'{"a": "ok",\n "b": "x\\ud800y",\n "c": {"k\\udc00": 1}}')
    assert document.data is None
    assert [(f.code, f.json_path, f.line) for f in document.findings] == [
        (CODE_LONE_SURROGATE, "$.b", 2),
        (CODE_LONE_SURROGATE, "$.c", 3),  # a key that cannot be printed: its object is named instead
    ]
    paired = parse_json_bytes(b'{"smile": "\\ud83d\\ude00", "escaped": "\\\\ud800"}')
    assert paired.findings == []
    assert paired.data == {"smile": "😀", "escaped": "\\ud800"}


def test_non_utf8_offset_counts_the_bom() -> None:
    [bom, finding] = parse_json_bytes(b'\xef\xbb\xbf{"a": "\xff"}').findings
    assert (bom.code, finding.code) == (CODE_BOM, CODE_NOT_UTF8)
    assert "at offset 10" in finding.message


def test_an_endless_stream_is_read_only_up_to_the_cap() -> None:
    document = read_json_file(Path("/dev/zero"), max_bytes=4096)
    assert [f.code for f in document.findings] == [CODE_TOO_LARGE]
    assert "goes on past 4,096 bytes" in document.findings[0].message


def test_path_deeper_than_finds_the_first_deep_place_at_any_depth() -> None:
    nested: list = []
    for _ in range(50_000):  # deeper than any recursive walk could go
        nested = [nested]
    assert path_deeper_than({"a": 1, "b": [{"c": nested}]}, 3) == ("b", 0, "c", 0)
    assert path_deeper_than({"a": [[1]]}, 3) is None


@given(json_values, st.booleans(), st.data())
def test_locating_a_few_paths_skips_the_rest_and_agrees_with_locating_all(value, pretty, data) -> None:
    text = json.dumps(value, indent=2 if pretty else None)
    paths = list(_paths(value))
    everything = locate(text, paths)
    few = data.draw(st.lists(st.sampled_from(paths), max_size=3))
    assert locate(text, few) == {parts: everything[parts] for parts in few}


def test_locating_survives_numbers_too_long_for_int_in_skipped_parts() -> None:
    text = '{"skip": [' + "9" * 5000 + '], "want": 1}'
    assert locate(text, [("want",)]) == {("want",): Position(1, 5014)}


def test_a_duplicated_lone_surrogate_key_is_reported_printably() -> None:
    document = parse_json_bytes(b'{"\\ud800":1,"\\ud800":2}')
    assert document.data is None
    assert sorted(f.code for f in document.findings) == ["duplicate-key", "lone-surrogate"]
    for finding in document.findings:
        json.dumps(finding.to_json(), ensure_ascii=False).encode("utf-8")  # nothing unprintable
    [duplicate] = [f for f in document.findings if f.code == "duplicate-key"]
    assert 'key "\\ud800" appears more than once' in duplicate.message
    assert duplicate.json_path == "$['\\ud800']"
