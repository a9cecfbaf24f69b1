import pytest

from dtwin_gui.core.jsonloc import JsonSyntaxError, format_path, loads_located


def test_positions_of_nested_values():
    doc = loads_located('{"a": [1, {"b": 2.5}],\n  "c": "x"}')
    assert doc.value == {"a": [1, {"b": 2.5}], "c": "x"}
    assert doc.positions[("a", 1, "b")] == (1, 17)
    assert doc.positions[("c",)] == (2, 8)


def test_position_falls_back_to_nearest_ancestor():
    doc = loads_located('{"a": {"b": 1}}')
    assert doc.position(("a", "missing")) == doc.positions[("a",)]


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('{"a": 1,}', 1, 9, "trailing comma"),
        ("[1, 2", 1, 6, "expected ','"),
        ('{\n  "a" 1}', 2, 7, "expected ':'"),
        ("", 1, 1, "empty"),
        ('{"a": 1} x', 1, 10, "unexpected text"),
        ("{'a': 1}", 1, 2, "property name"),
        ('{"a": 1, "a": 2}', 1, 10, "duplicate key"),
        ('{"a": tru}', 1, 7, "unexpected character"),
    ],
)
def test_syntax_errors_carry_line_and_column(text, line, column, words):
    with pytest.raises(JsonSyntaxError) as info:
        loads_located(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert words in info.value.reason


def test_numbers_keep_their_kind():
    assert loads_located("[1, 1.5, -2e3, 0]").value == [1, 1.5, -2000.0, 0]
    assert isinstance(loads_located("3").value, int)


def test_format_path_quotes_non_identifiers():
    assert format_path(()) == "$"
    assert format_path((0, "properties", 1, "name")) == "$[0].properties[1].name"
    assert format_path(("$dtId",)) == '$["$dtId"]'
