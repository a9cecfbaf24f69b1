"""Check user code by parsing it (never importing it): syntax and the expected function."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeFinding:
    message: str
    hint: str
    line: int | None = None
    column: int | None = None


def check_function(source: str, name: str, params: tuple[str, ...]) -> list[CodeFinding]:
    """Findings for ``source``, which must define top-level ``def name(<params>)``.

    ``params`` names the positional parameters the runtime passes; extra parameters must
    have defaults, and ``*args`` is accepted in their place.
    """
    signature = f"def {name}({', '.join(params)})"
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [
            CodeFinding(
                f"Python syntax error: {exc.msg}",
                "fix the syntax at this position",
                exc.lineno,
                exc.offset,
            )
        ]
    candidates = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
    ]
    if not candidates:
        return [
            CodeFinding(
                f"no top-level function {name!r} is defined",
                f"define `{signature}:` at the top level of the file",
                1,
                1,
            )
        ]
    func = candidates[-1]
    if isinstance(func, ast.AsyncFunctionDef):
        return [
            CodeFinding(
                f"{name!r} is async; the runtime calls it as a plain function",
                f"write `{signature}:` without `async`",
                func.lineno,
                func.col_offset + 1,
            )
        ]
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    required = len(positional) - len(args.defaults)
    takes = len(positional) if args.vararg is None else len(params)
    if required > len(params) or (takes < len(params)):
        got = ", ".join(a.arg for a in positional) or "no parameters"
        return [
            CodeFinding(
                f"{name!r} takes ({got}); the runtime calls {name}({', '.join(params)})",
                f"change the definition to `{signature}:`",
                func.lineno,
                func.col_offset + 1,
            )
        ]
    kw_required = [
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
    ]
    if kw_required:
        return [
            CodeFinding(
                f"{name!r} requires keyword arguments {kw_required} that the runtime never passes",
                "give them default values",
                func.lineno,
                func.col_offset + 1,
            )
        ]
    return []
