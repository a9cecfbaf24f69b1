"""Tests for the event-rule grammar (tokenizer, parser, evaluation, rendering)."""

from __future__ import annotations

import dataclasses
import pickle
import random
from decimal import Decimal

import pytest

from dtwin_gui.core import event_grammar
from dtwin_gui.core.event_grammar import (
    And,
    Compare,
    Condition,
    ConditionSyntaxError,
    Literal,
    Not,
    Or,
    Reference,
    parse_condition,
)

A, B, C = Reference("a", "x"), Reference("b", "x"), Reference("c", "x")


def root(text: str):
    return parse_condition(text).root


def lit(value) -> Literal:
    return Literal(value)


def error_of(text: str) -> ConditionSyntaxError:
    with pytest.raises(ConditionSyntaxError) as info:
        parse_condition(text)
    return info.value


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_every_comparison_operator_parses(op: str) -> None:
    assert root(f"a.x {op} 3") == Compare(A, op, lit(3))
    assert root(f"a.x{op}3") == Compare(A, op, lit(3))  # no blanks needed


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("==", [False, True, False]),
        ("!=", [True, False, True]),
        ("<", [True, False, False]),
        ("<=", [True, True, False]),
        (">", [False, False, True]),
        (">=", [False, True, True]),
    ],
)
def test_every_comparison_operator_evaluates(op: str, expected: list[bool]) -> None:
    condition = parse_condition(f"a.x {op} 5")
    assert [condition.evaluate({("a", "x"): v}) for v in (4, 5, 6)] == expected


def test_and_binds_tighter_than_or() -> None:
    assert root("a.x or b.x and c.x") == Or((A, And((B, C))))
    assert root("a.x and b.x or c.x") == Or((And((A, B)), C))


def test_chains_are_flat() -> None:
    assert root("a.x or b.x or c.x") == Or((A, B, C))
    assert root("a.x and b.x and c.x") == And((A, B, C))


def test_parentheses_override_precedence() -> None:
    assert root("(a.x or b.x) and c.x") == And((Or((A, B)), C))
    assert root("((a.x))") == A
    assert root("(a.x or b.x) or c.x") == Or((Or((A, B)), C))


def test_not_applies_to_the_whole_comparison() -> None:
    assert root("not a.x > 3") == Not(Compare(A, ">", lit(3)))
    assert root("not not a.x") == Not(Not(A))
    assert root("not a.x and b.x") == And((Not(A), B))
    assert root("not (a.x and b.x)") == Not(And((A, B)))


def test_parenthesised_conditions_can_be_compared() -> None:
    assert root("(a.x > 1) == true") == Compare(Compare(A, ">", lit(1)), "==", lit(True))


def test_keywords_are_case_insensitive() -> None:
    assert root("NOT a.x AND b.x Or c.x == TRUE") == root("not a.x and b.x or c.x == true")
    assert root("a.x == False") == Compare(A, "==", lit(False))


def test_a_comparison_of_two_literals_is_allowed() -> None:
    condition = parse_condition("1 < 2")
    assert condition.root == Compare(lit(1), "<", lit(2))
    assert condition.evaluate({}) is True


# --------------------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("-3", -3),
        ("0", 0),
        ("40.5", 40.5),
        ("-0.25", -0.25),
        ("1e3", 1000.0),
        ("2E-2", 0.02),
        ("1.5e+2", 150.0),
    ],
)
def test_numbers(text: str, value: float) -> None:
    node = root(f"a.x == {text}").right
    assert node == lit(value)
    assert type(node.value) is type(value)


def test_negative_number_directly_after_an_operator() -> None:
    assert root("a.x>-3") == Compare(A, ">", lit(-3))
    assert root("-3 < a.x") == Compare(lit(-3), "<", A)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("DOUBLE(40.5)", 40.5),
        ("DOUBLE(0.1)", 0.1),
        ("DOUBLE(-3.25)", -3.25),
        ("DOUBLE( 40 )", 40.0),
        ("double(1e3)", 1000.0),
        ("DOUBLE(+2.5)", 2.5),
    ],
)
def test_double_keeps_decimals(text: str, value: float) -> None:
    node = root(f"a.x > {text}").right
    assert type(node.value) is float
    assert node.value == value


def test_double_threshold_compares_on_the_decimal() -> None:
    # The older tool read DOUBLE(40.5) as 40 (or 405); the boundary must sit at 40.5.
    condition = parse_condition("temperature-sensor-1.temperature > DOUBLE(40.5)")
    key = ("temperature-sensor-1", "temperature")
    assert condition.evaluate({key: 40.6}) is True
    assert condition.evaluate({key: 40.5}) is False
    assert condition.evaluate({key: 40.4}) is False
    assert condition.evaluate({key: 41}) is True


@pytest.mark.parametrize(("text", "value"), [("INTEGER(3)", 3), ("INTEGER(-7)", -7)])
def test_integer(text: str, value: int) -> None:
    node = root(f"a.x == {text}").right
    assert node == lit(value)
    assert type(node.value) is int


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("STRING(abc)", "abc"),
        ("STRING('a b')", "a b"),
        ('STRING("x)y")', "x)y"),
        ("STRING( spaced words )", "spaced words"),
        ("STRING()", ""),
        ("String(it's)", "it's"),
        ("STRING(42)", "42"),
        ("STRING ( 'q' )", "q"),
    ],
)
def test_string_form(text: str, value: str) -> None:
    assert root(f"a.x == {text}").right == lit(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'on'", "on"),
        ('"on"', "on"),
        ("'it\\'s'", "it's"),
        ('"say \\"hi\\""', 'say "hi"'),
        ("'a\\\\b'", "a\\b"),
        ("'l1\\nl2\\t\\r'", "l1\nl2\t\r"),
        ('"it\'s"', "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        ("''", ""),
        ("'a and b.c'", "a and b.c"),
    ],
)
def test_quoted_strings(text: str, value: str) -> None:
    assert root(f"a.x == {text}").right == lit(value)


def test_booleans() -> None:
    assert root("a.x == true") == Compare(A, "==", lit(True))
    assert root("false") == lit(False)


def test_literal_equality_respects_type() -> None:
    assert lit(1) != lit(True)
    assert lit(1) != lit(1.0)
    assert lit(0) != lit(False)
    assert lit("1") != lit(1)
    assert lit(1.0) == Literal(1.0, column=9)
    assert hash(lit(1.0)) == hash(Literal(1.0, column=9))


# --------------------------------------------------------------------------- references


def test_device_ids_with_hyphens_and_digits() -> None:
    condition = parse_condition("temperature-sensor-1.temperature >= 20")
    assert condition.references == [Reference("temperature-sensor-1", "temperature", None, 1)]


def test_three_part_reference_keeps_the_entity() -> None:
    ref = root("plant-a.pump-2.flow_rate == DOUBLE(30)").left
    assert ref == Reference(device="pump-2", property="flow_rate", entity="plant-a")
    assert (ref.entity, ref.device, ref.property) == ("plant-a", "pump-2", "flow_rate")


def test_references_in_order_with_columns() -> None:
    condition = parse_condition("s-1.t > 3 and (not e.s-2.h == s-1.t or 1 < x_y.z_9)")
    refs = condition.references
    assert [(r.entity, r.device, r.property, r.column) for r in refs] == [
        (None, "s-1", "t", 1),
        ("e", "s-2", "h", 20),
        (None, "s-1", "t", 31),
        (None, "x_y", "z_9", 44),
    ]


def test_reference_column_is_not_part_of_equality() -> None:
    assert Reference("d", "p", column=3) == Reference("d", "p", column=9)
    assert Reference("d", "p", "e") != Reference("d", "p")


def test_keyword_or_number_shaped_segments_are_device_ids() -> None:
    assert root("true.x").device == "true"
    assert root("1.x") == Reference("1", "x")
    assert root("1e3.temp") == Reference("1e3", "temp")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("", 1, "empty condition"),
        ("   ", 1, "empty condition"),
        ("a.x >", 6, "expected a value after '>'"),
        ("a.x >   ", 6, "expected a value after '>'"),
        ("a.x > 3 b.x", 9, "expected an operator or the end of the condition after '3'"),
        ("a.x > (b.x", 7, "unclosed parenthesis opened at column 7"),
        ("(a.x > 3 and (b.x < 2)", 1, "unclosed parenthesis opened at column 1"),
        ("a.x > 3)", 8, "unmatched ')'"),
        ("()", 2, "expected a value after '('"),
        ("(a.x b.x)", 6, "expected an operator or ')' after 'a.x'"),
        ("and a.x", 1, "expected a value, found 'and'"),
        ("a.x == not b.x", 8, "expected a value after '==', found 'not'"),
        ("a.x < 1 < 2", 9, "comparisons cannot be chained"),
        ("foo > 3", 1, "expected device.property"),
        ("a.x > bar", 7, "expected device.property, got 'bar'"),
        ("a.x = 3", 5, "use '=='"),
        ("a.x => 3", 5, "use '>='"),
        ("!a.x", 1, "use 'not' or '!='"),
        ("a.x && b.x", 5, "use 'and'"),
        ("a.x || b.x", 5, "use 'or'"),
        ("a.x > 3 # note", 9, "unexpected character '#'"),
        ("a.x > 'abc", 7, "unclosed string opened at column 7"),
        ("a.x > 'abc\\", 7, "unclosed string opened at column 7"),
        ("a.x == 'x\\q'", 10, "unknown escape '\\q'"),
        ("a.x == DOUBLE(40.5", 14, "unclosed parenthesis opened at column 14"),
        ("a.x == DOUBLE(abc)", 15, "DOUBLE(...) needs a number, got 'abc'"),
        ("a.x == DOUBLE( )", 16, "DOUBLE(...) needs a number, got ''"),
        ("a.x == INTEGER(3.5)", 16, "INTEGER(...) needs a whole number, got '3.5'"),
        ("a.x == INTEGER(  3.5)", 18, "INTEGER(...) needs a whole number"),
        ("a.x == FLOAT(3)", 8, "unknown function FLOAT(...); use DOUBLE, INTEGER or STRING"),
        ("a.x == STRING('a' b)", 19, "expected ')' after the string"),
        ("a.x == STRING(abc", 14, "unclosed parenthesis opened at column 14"),
        ("a..x > 1", 3, "malformed reference 'a..x'"),
        ("a.x. > 1", 4, "malformed reference 'a.x.'"),
        (".x > 1", 1, "malformed reference '.x'"),
        ("a.b.c.d == 1", 1, "too many parts"),
        ("a.3x == 1", 3, "invalid property name '3x'"),
        ("a.x-y == 1", 3, "invalid property name 'x-y'"),
        ("a.x > 1e999", 7, "out of range"),
        ("a.x > 3abc", 7, "expected device.property, got '3abc'"),
        ("température.x > 1", 5, "unexpected character 'é'"),
        ("sensor.température > 1", 12, "unexpected character 'é'"),
        ("a.x > capteur§", 14, "unexpected character '§'"),
    ],
)
def test_error_columns(text: str, column: int, fragment: str) -> None:
    error = error_of(text)
    assert error.column == column, str(error)
    assert fragment in error.message
    assert str(error) == f"{error.message} (column {column})"


def test_syntax_error_is_a_value_error_and_pickles() -> None:
    error = error_of("a.x >")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.column) == (error.message, error.column)


def test_deep_nesting_is_a_syntax_error_not_a_recursion_error() -> None:
    assert "nests too deeply" in error_of("(" * 5000 + "a.x" + ")" * 5000).message
    assert "nests too deeply" in error_of("not " * 5000 + "a.x").message
    depth = event_grammar.MAX_DEPTH
    assert root("(" * depth + "a.x" + ")" * depth) == A


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_condition(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- evaluate


def test_evaluate_with_a_mapping() -> None:
    condition = parse_condition("s-1.t > DOUBLE(40.5) and (d.open == true or d.mode == 'manual')")
    values = {("s-1", "t"): 41.0, ("d", "open"): False, ("d", "mode"): "manual"}
    assert condition.evaluate(values) is True
    values[("d", "mode")] = "auto"
    assert condition.evaluate(values) is False


def test_evaluate_with_a_callable() -> None:
    condition = parse_condition("e.s-1.t >= 10 and s-2.h < 50")
    seen: list[tuple[str, str]] = []

    def lookup(device: str, prop: str) -> object:
        seen.append((device, prop))
        return {"s-1": 10, "s-2": 49.9}[device]

    assert condition.evaluate(lookup) is True
    assert seen == [("s-1", "t"), ("s-2", "h")]  # the entity is not part of the key


def test_and_or_short_circuit() -> None:
    calls: list[str] = []

    def lookup(device: str, prop: str) -> object:
        calls.append(device)
        return 1

    parse_condition("a.x == 2 and b.x == 1").evaluate(lookup)
    parse_condition("a.x == 1 or c.x == 1").evaluate(lookup)
    assert calls == ["a", "a"]


@pytest.mark.parametrize(
    "lookup",
    [{}, {("a", "x"): None}, lambda d, p: None, lambda d, p: {}[d], lambda d, p: [][0]],
    ids=["absent", "none-in-mapping", "callable-none", "callable-keyerror", "callable-indexerror"],
)
def test_missing_values_make_comparisons_false(lookup) -> None:
    for op in ("==", "!=", "<", "<=", ">", ">="):
        assert parse_condition(f"a.x {op} 1").evaluate(lookup) is False
    assert parse_condition("a.x == a.x").evaluate(lookup) is False
    assert parse_condition("not a.x > 1").evaluate(lookup) is True
    assert parse_condition("not a.x != 1").evaluate(lookup) is True
    assert parse_condition("a.x > 1 or 1 == 1").evaluate(lookup) is True
    assert parse_condition("a.x").evaluate(lookup) is False
    assert parse_condition("not a.x").evaluate(lookup) is True


def test_other_lookup_errors_propagate() -> None:
    def broken(device: str, prop: str) -> object:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        parse_condition("a.x == 1").evaluate(broken)
    with pytest.raises(TypeError):
        parse_condition("a.x == 1").evaluate(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("a.x == 1", "1", False),
        ("a.x != 1", "1", True),
        ("a.x < 1", "0", False),
        ("a.x >= 'a'", 5, False),
        ("a.x == 1", True, False),
        ("a.x != 1", True, True),
        ("a.x == 0", False, False),
        ("a.x == true", 1, False),
        ("a.x > 0", True, False),
        ("a.x == 'true'", True, False),
        ("a.x == 3", 3.0, True),
        ("a.x < DOUBLE(3.5)", 3, True),
        ("a.x == INTEGER(3)", 3.0, True),
        ("a.x == 3", Decimal("3"), True),
        ("a.x < 3.5", Decimal("3.25"), True),
        ("a.x < 3", Decimal("NaN"), False),
        ("a.x != 3", float("nan"), True),
        ("a.x < 'b'", "a", True),
        ("a.x == 'ON'", "on", False),
        ("a.x == true", True, True),
        ("a.x != false", True, True),
        ("a.x < true", False, False),
        ("a.x == 1", [1], False),
        ("a.x != 1", {"v": 1}, True),
    ],
)
def test_type_rules(text: str, value: object, expected: bool) -> None:
    assert parse_condition(text).evaluate({("a", "x"): value}) is expected


def test_other_values_compare_by_equality_only() -> None:
    assert parse_condition("a.x == b.x").evaluate({("a", "x"): [1], ("b", "x"): [1]}) is True
    assert parse_condition("a.x < b.x").evaluate({("a", "x"): [1], ("b", "x"): [2]}) is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), (1, False), ("true", False), (1.0, False), ("x", False)],
)
def test_bare_operand_holds_only_when_exactly_true(value: object, expected: bool) -> None:
    assert parse_condition("d.flag").evaluate({("d", "flag"): value}) is expected
    assert parse_condition("not d.flag").evaluate({("d", "flag"): value}) is (not expected)


def test_bare_literals() -> None:
    assert parse_condition("true").evaluate({}) is True
    assert parse_condition("TRUE and not false").evaluate({}) is True
    assert parse_condition("1").evaluate({}) is False
    assert parse_condition("'yes'").evaluate({}) is False


def test_comparing_conditions() -> None:
    condition = parse_condition("(a.x > 1) == (b.x > 1)")
    assert condition.evaluate({("a", "x"): 2, ("b", "x"): 3}) is True
    assert condition.evaluate({("a", "x"): 2, ("b", "x"): 0}) is False


def test_evaluate_does_not_tokenize_again(monkeypatch: pytest.MonkeyPatch) -> None:
    condition = parse_condition("a.x > 1 and not (b.x == 'z' or c.x <= DOUBLE(2.5))")

    def fail(text: str):
        raise AssertionError("evaluate() re-tokenized the condition")

    monkeypatch.setattr(event_grammar, "_tokenize", fail)
    assert condition.evaluate({("a", "x"): 2, ("b", "x"): "y", ("c", "x"): 3}) is True


# --------------------------------------------------------------------------- rendering

ROUND_TRIP = [
    "temperature-sensor-1.temperature > DOUBLE(40.5)",
    "a.x or b.x and c.x",
    "(a.x or b.x) and c.x",
    "(a.x or b.x) or c.x",
    "a.x and (b.x and c.x)",
    "not (a.x > 3 and b.x < 2) or not not c.x",
    "(not a.x) == true",
    "(a.x > 1) == (b.x <= INTEGER(-2))",
    'e.d-1.p != STRING(hello world) AND d.q == "it\'s \\"x\\"\\n"',
    "a.x == 'back\\\\slash\\ttab\\r'",
    "a.x>-3 or a.x>=1e-7 or a.x < 1e300 or a.x == -0.0",
    "((a.x)) == ((3))",
    "TRUE or False",
    "'a' < 'b'",
    "a.x == INTEGER(123456789012345678901234567890)",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip(text: str) -> None:
    condition = parse_condition(text)
    rendered = condition.to_text()
    again = parse_condition(rendered)
    assert again.root == condition.root
    assert again.to_text() == rendered  # normalised form is a fixed point
    assert str(condition) == rendered


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("a.x>DOUBLE(40.5)", "a.x > 40.5"),
        ("A.x  ==  INTEGER( 3 )", "A.x == 3"),
        ("a.x == DOUBLE(40)", "a.x == 40.0"),
        ("a.x == STRING(a b)", "a.x == 'a b'"),
        ('a.x == "it\'s"', "a.x == 'it\\'s'"),
        ("NOT a.x AND (b.x OR c.x)", "not a.x and (b.x or c.x)"),
        ("(a.x or b.x) or c.x", "(a.x or b.x) or c.x"),
        ("((a.x))", "a.x"),
        ("e.d.p == TRUE", "e.d.p == true"),
    ],
)
def test_normalised_text(text: str, rendered: str) -> None:
    assert parse_condition(text).to_text() == rendered


def test_condition_is_frozen_and_keeps_its_text() -> None:
    condition = parse_condition("a.x  >  1")
    assert condition.text == "a.x  >  1"
    assert condition == Condition("a.x  >  1", Compare(A, ">", lit(1)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        condition.text = "b.x"  # type: ignore[misc]


# --------------------------------------------------------------------------- fuzz

GARBAGE = [
    "(",
    ")",
    "((",
    "))",
    "()()",
    "'",
    '"',
    "\\",
    "'\\",
    "a.",
    ".",
    "..",
    "-",
    "--3",
    "-.5",
    ".5",
    "5.",
    "1e",
    "1e+",
    "a.x ==",
    "== a.x",
    "a.x == == 1",
    "not",
    "not not",
    "and",
    "or or",
    "a.x and",
    "a.x or",
    "DOUBLE",
    "DOUBLE(",
    "DOUBLE()",
    "DOUBLE((1))",
    "INTEGER()",
    "INTEGER(1e3)",
    "STRING(",
    "STRING('",
    "STRING('a'",
    "STRING('a')x",
    "x(",
    "a.x(1)",
    "a.x == 1 2",
    "a.x == 'a' 'b'",
    "\x00",
    "\n\t",
    "a.x\n==\n1\n)",
    "a.x == ☃",
    "a.x <> 1",
    "a.x =! 1",
    "a.x !== 1",
    "a.x === 1",
    "🙂.x == 1",
    "a.x == 1 and (b.x or (c.x and not))",
    "-a.x == 1",
    "a-.x == -1-",
    "a.x == 0x1F",
    "a.x == 1_000",
    "a.x == 99999999999999999999999999999999e99999",
    "a.x == INTEGER(" + "9" * 5000 + ")",
    "a.x == " + "9" * 5000,
]

ALPHABET = [
    *list("ab.-_019eE ()'\"\\=!<>&|,#\tx"),
    " and ",
    " or ",
    "not ",
    "true",
    "DOUBLE(",
    "INTEGER(",
    "STRING(",
    "a.x",
    "e.d-1.p",
    " == ",
    " < ",
    "40.5",
    "-3",
]


def _random_garbage(count: int) -> list[str]:
    rng = random.Random(20240601)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 14))) for _ in range(count)]


@pytest.mark.parametrize("text", GARBAGE + _random_garbage(600))
def test_fuzz_only_syntax_errors(text: str) -> None:
    try:
        condition = parse_condition(text)
    except ConditionSyntaxError as error:
        assert 1 <= error.column <= len(text) + 1
        return
    # Whatever parses must evaluate without raising and round-trip.
    assert condition.evaluate({}) in (True, False)
    assert condition.evaluate(lambda d, p: 1) in (True, False)
    assert parse_condition(condition.to_text()).root == condition.root
