"""Fuzzing ``validate_project`` with mutated template files (issue 11, item 5).

Whatever a project file holds, validation never raises: it returns problems that each name
a file and a place (line/column or JSON path) and carry a hint. Bounded: a few seconds.
"""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtwin_gui.core import event_grammar
from dtwin_gui.core.jsonloc import MAX_DEPTH, JsonSyntaxError, loads_located
from dtwin_gui.core.project import load_project
from dtwin_gui.core.validation import validate_project

TEMPLATE = Path(__file__).resolve().parents[2] / "upload" / "template"
PROJECT_FILES = sorted(
    p.relative_to(TEMPLATE).as_posix() for p in TEMPLATE.rglob("*") if p.is_file()
)
JSON_FILES = [f for f in PROJECT_FILES if f.endswith(".json")]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "project"
    shutil.copytree(TEMPLATE, root)
    return root


@contextmanager
def changed(root: Path, name: str, text: str):
    """``root`` with ``name`` holding ``text`` for the duration (then the template's)."""
    (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        yield root
    finally:
        shutil.copyfile(TEMPLATE / name, root / name)


def assert_located(report, changed: str | None = None) -> None:
    """Every problem names its file, a place and a fix."""
    for problem in report.errors + report.warnings:
        assert problem.file, problem
        assert problem.message and problem.hint, problem
        assert problem.line is not None or problem.path is not None, problem
    if changed is not None and report.errors:
        assert any(p.file for p in report.errors)


# --- values ------------------------------------------------------------------------------
_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "..", "/etc/passwd", "a/b", "a\x00b", "con", "１２", "é" * 3]),
    st.sampled_from(["x" * 256, "ü" * 130, "a-" * 200]),  # longer than a file name can be
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    _TEXT,
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(document, path, new):
    if not path:
        return new
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return document


@st.composite
def mutated_json(draw, name: str):
    """The template's ``name`` with one value (or the whole document) replaced."""
    document = json.loads((TEMPLATE / name).read_text(encoding="utf-8"))
    paths = list(_paths(document))
    path = draw(st.sampled_from(paths))
    return json.dumps(_replace(document, path, draw(_VALUES)))


def _deep(depth: int, opener: str) -> str:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + closer * depth


_RAW_TEXT = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
    st.integers(min_value=MAX_DEPTH - 2, max_value=3000).flatmap(
        lambda n: st.sampled_from([_deep(n, "["), _deep(n, "{"), "[" * n, '{"a":' * n])
    ),
    st.just("[" * 100_000),
)


@st.composite
def raw_file(draw, name: str):
    """``name`` as any text: truncated, garbage, or nested far too deep."""
    original = (TEMPLATE / name).read_text(encoding="utf-8")
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return original[: draw(st.integers(0, len(original)))]
    return draw(_RAW_TEXT)


# --- the tests ---------------------------------------------------------------------------
def _content(name: str):
    if name.endswith(".json"):
        return st.one_of(mutated_json(name), raw_file(name))
    return st.one_of(st.text(max_size=300), raw_file(name))


@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_any_project_file_of_the_template_mutated_gives_located_problems(fuzz_root, data):
    name = data.draw(st.sampled_from(PROJECT_FILES), label="file")
    text = data.draw(_content(name), label="content")
    with changed(fuzz_root, name, text) as root:
        assert_located(validate_project(root), name)
        load_project(root)  # the tolerant reader never fails either


_GRAMMAR_WORDS = st.sampled_from(
    [
        "temperature-sensor-1.temperature",
        "pressure-sensor-1.pressure",
        "room.temperature-sensor-1.temperature",
        "and",
        "or",
        "not",
        "(",
        ")",
        "==",
        "!=",
        "<",
        ">=",
        "&&",
        "1e999",
        "-3",
        "40.5",
        "DOUBLE(",
        "INTEGER(2.5)",
        "STRING(x)",
        "'a\\q'",
        '"ok"',
        "true",
        "x",
        "１２",
    ]
)
_CONDITIONS = st.one_of(
    st.lists(_GRAMMAR_WORDS, max_size=12).map(" ".join),
    st.text(max_size=60),
    st.integers(event_grammar.MAX_DEPTH - 2, 2000).map(lambda n: "(" * n + "1" + ")" * n),
    st.integers(1, 600).map(lambda n: " and ".join(["not"] * n + ["true"])),
)


@FUZZ
@given(conditions=st.lists(_CONDITIONS, min_size=1, max_size=3), names=st.lists(_TEXT, max_size=2))
def test_any_event_condition_or_function_name_gives_located_problems(fuzz_root, conditions, names):
    events = json.loads((TEMPLATE / "config_events.json").read_text())
    rules = [dict(events[0], condition=c) for c in conditions]
    for name in names:
        rules.append({"condition": "true", "action": {"type": "function", "functionName": name}})
    with changed(fuzz_root, "config_events.json", json.dumps(rules)) as root:
        assert_located(validate_project(root), "config_events.json")


# --- the three crashes the issue found, as plain examples ---------------------------------
def test_nesting_deeper_than_the_limit_is_a_located_syntax_error(project):
    deep = "[" * 600 + "]" * 600
    (project / "config_iot_devices.json").write_text(deep)
    report = validate_project(project)
    (problem,) = [p for p in report.errors if p.file == "config_iot_devices.json"]
    assert problem.message == (
        f"invalid JSON: nesting deeper than {MAX_DEPTH} levels is not supported"
    )
    assert (problem.line, problem.column) == (1, MAX_DEPTH + 1)
    assert problem.hint


def test_a_hundred_thousand_brackets_is_a_located_error_not_a_crash(project):
    (project / "config_events.json").write_text("[" * 100_000)
    report = validate_project(project)
    assert any(
        p.file == "config_events.json" and "nesting deeper than" in p.message and p.line == 1
        for p in report.errors
    )
    assert load_project(project).events == []


def test_a_function_name_longer_than_a_file_name_can_be_is_a_located_error(project):
    events = json.loads((project / "config_events.json").read_text())
    events[1]["action"]["functionName"] = "a" * 300
    (project / "config_events.json").write_text(json.dumps(events, indent=2))
    report = validate_project(project)
    problems = [p for p in report.errors if p.path == "$[1].action.functionName"]
    assert problems, report.errors
    assert all(p.file == "config_events.json" and p.line and p.hint for p in problems)


def test_the_depth_limit_is_generous_for_real_files():
    loads_located("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))
    with pytest.raises(JsonSyntaxError, match="nesting deeper than"):
        loads_located("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
