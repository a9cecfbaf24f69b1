"""What :mod:`ast` tells about a piece of older code, and how a wrapper can call it.

The older code is only parsed, never imported.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field

from dtwin_gui.core.importer.function_sources import PROCESS_FILE, FunctionSource

#: Modules that talk to a cloud: a feedback function importing one sent the message itself.
CLOUD_SDKS = frozenset({"boto3", "botocore", "google", "azure", "paho", "awsiot", "awscrt"})


@dataclass
class CodeShape:
    """What :mod:`ast` tells about a piece of older code (it is never imported)."""

    error: str | None = None
    functions: dict[str, int] = field(default_factory=dict)
    async_functions: set[str] = field(default_factory=set)
    decorated: list[str] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    env_vars: list[str] = field(default_factory=list)
    import_time_calls: list[str] = field(default_factory=list)
    #: Every string constant of the code (to see which record keys it names).
    strings: set[str] = field(default_factory=set)

    def has(self, name: str, params: int) -> bool:
        """Whether a plain top-level function ``name`` takes ``params`` positional args."""
        return self.functions.get(name, -1) >= params and name not in self.async_functions

    def third_party(self, local_modules: set[str]) -> list[str]:
        """Imported modules that are neither the standard library nor files alongside."""
        return sorted(
            name
            for name in self.imports
            if name not in sys.stdlib_module_names and name not in local_modules
        )


def analyse(text: str) -> CodeShape:
    """Parse ``text`` and describe its entry points, imports and import-time effects."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return CodeShape(error=f"line {exc.lineno}, column {exc.offset}: {exc.msg}")
    shape = CodeShape()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            shape.functions[node.name] = _positional_count(node.args)
            if isinstance(node, ast.AsyncFunctionDef):
                shape.async_functions.add(node.name)
            if node.decorator_list:
                shape.decorated.append(node.name)
    aliases = _import_aliases(tree, shape)
    shape.env_vars = _env_vars(tree)
    shape.import_time_calls = _import_time_calls(tree, aliases)
    shape.strings = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    return shape


def _positional_count(args: ast.arguments) -> int:
    if args.vararg is not None:
        return 99
    return len(args.posonlyargs) + len(args.args)


def _import_aliases(tree: ast.Module, shape: CodeShape) -> dict[str, str]:
    """Record imported top-level modules; return local name -> module for third-party ones."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                shape.imports.add(top)
                aliases[alias.asname or top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top != "__future__":
                shape.imports.add(top)
                for alias in node.names:
                    aliases[alias.asname or alias.name] = top
    return {name: top for name, top in aliases.items() if top not in sys.stdlib_module_names}


def _env_vars(tree: ast.Module) -> list[str]:
    """Names of environment variables read with os.environ[...], .get(...) or os.getenv."""
    found: list[str] = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Subscript) and _dotted(node.value).endswith("environ"):
            name = _constant_str(node.slice)
        elif isinstance(node, ast.Call) and node.args:
            callee = _dotted(node.func)
            if callee.endswith("environ.get") or callee.endswith("getenv"):
                name = _constant_str(node.args[0])
        if name and name not in found:
            found.append(name)
    return found


def _import_time_calls(tree: ast.Module, aliases: dict[str, str]) -> list[str]:
    """Calls into third-party modules made when the module loads (outside functions)."""
    calls: list[str] = []
    for statement in tree.body:
        if isinstance(
            statement,
            ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom,
        ):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                callee = _dotted(node.func)
                if callee and callee.split(".")[0] in aliases:
                    calls.append(f"line {node.lineno}: {callee}(...)")
    return calls


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _constant_str(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


@dataclass(frozen=True)
class Style:
    """How the wrapper calls the older code."""

    call: str
    callee: str
    description: str
    needs_request: bool = False


STYLES: dict[str, Style] = {
    "process": Style(
        "_legacy().process(old_event)",
        "legacy_handler.process",
        "its process(event) function is called directly (the older entry point only "
        "forwarded the result, which dtwin now does itself)",
    ),
    "aws": Style(
        "_legacy().lambda_handler(old_event, None)",
        "legacy_handler.lambda_handler",
        "its lambda_handler(event, context) is called with context=None",
    ),
    "gcp": Style(
        "_legacy().main(_Request(old_event))",
        "legacy_handler.main",
        "its main(request) is called with a small stand-in for the Flask request "
        "(get_json(), .json, .data)",
        needs_request=True,
    ),
}


def choose_style(source: FunctionSource, shape: CodeShape, entry: str) -> str | None:
    """The wrapping style for ``entry`` of ``source``, or None when it must be ported by hand."""
    if shape.error:
        return None
    if source.kind == "feedback" and shape.imports & CLOUD_SDKS:
        return None  # it published the message itself; dtwin sends it now
    if entry.endswith("/" + PROCESS_FILE):
        # Later versions of the older tool: the user's logic alone, on every cloud.
        return "process" if shape.has("process", 1) else None
    if source.cloud == "azure":
        return None
    if shape.has("process", 1):
        return "process"
    if source.cloud == "aws" and shape.has("lambda_handler", 2):
        return "aws"
    if source.cloud == "google" and shape.has("main", 1):
        return "gcp"
    return None


def uses_old_keys(shape: CodeShape, renamed: set[str]) -> bool:
    """Whether the code names a record key that dtwin calls differently."""
    return bool(shape.strings & ({"iotDeviceId", "time"} | renamed))
