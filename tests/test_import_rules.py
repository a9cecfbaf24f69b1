"""The house rules of ``dtwin_gui/`` (issue 13), checked on the source with :mod:`ast`.

* Qt (``PySide6``, ``shiboken6``) only under ``dtwin_gui/ui/``;
* ``boto3``/``botocore`` only in ``clouds/aws``, ``runtime/aws`` and ``sandbox``;
* ``azure.*`` only in ``clouds/azure``, ``runtime/azure`` and ``sandbox``;
* ``google.*`` (but ``google.protobuf``) only in ``clouds/google``, ``runtime/google``, ``sandbox``;
* ``core`` imports no cloud SDK and no Qt;
* ``iac`` imports neither ``dtwin_gui.deploy`` nor ``dtwin_gui.ui``;
* a cloud's package (``dtwin_gui.clouds.<cloud>`` and its modules) is imported only inside
  ``dtwin_gui/clouds/``: neutral code reaches a cloud through the registry
  (``dtwin_gui.clouds.plugin(cloud)``, its parts, ``deploy/cloud_parts.py``);
* no module over 600 lines, but the event grammar that is copied into function packages.

Every import counts: at module level, inside functions, under ``if TYPE_CHECKING:``, and the
constant names given to ``importlib.import_module(...)`` / ``__import__(...)``. What breaks a
rule today and is removed by planned work is listed in :data:`KNOWN_EXCEPTIONS`; an entry
that no longer matches a violation fails the test, so the list can only shrink.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dtwin_gui"
MAX_LINES = 600
#: Modules allowed over :data:`MAX_LINES`: copied whole into packages, so not split.
SIZE_EXEMPT = frozenset({"dtwin_gui/core/event_grammar.py"})

QT = ("PySide6", "shiboken6")
AWS_SDK = ("boto3", "botocore")
AZURE_SDK = ("azure",)
GOOGLE_SDK = ("google",)
GOOGLE_ALLOWED = ("google.protobuf",)
#: The cloud packages, reached from neutral code only through the registry.
CLOUD_PACKAGES = ("dtwin_gui.clouds.aws", "dtwin_gui.clouds.azure", "dtwin_gui.clouds.google")
#: What ``core`` must not import: any cloud SDK (and the AWS emulator and helpers), any Qt.
CORE_FORBIDDEN = (*AWS_SDK, "s3transfer", "awscrt", "moto", *AZURE_SDK, *GOOGLE_SDK, *QT)

#: (rule, forbidden import prefixes, folders where they are allowed, prefixes never forbidden)
#: Folders are relative to the repository, each ends with "/"; an empty tuple means "nowhere".
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "qt-only-in-ui": (QT, ("dtwin_gui/ui/",), ()),
    "aws-sdk-only-in-clouds/aws,runtime/aws,sandbox": (
        AWS_SDK,
        ("dtwin_gui/clouds/aws/", "dtwin_gui/runtime/aws/", "dtwin_gui/sandbox/"),
        (),
    ),
    "azure-sdk-only-in-clouds/azure,runtime/azure,sandbox": (
        AZURE_SDK,
        ("dtwin_gui/clouds/azure/", "dtwin_gui/runtime/azure/", "dtwin_gui/sandbox/"),
        (),
    ),
    "google-sdk-only-in-clouds/google,runtime/google,sandbox": (
        GOOGLE_SDK,
        ("dtwin_gui/clouds/google/", "dtwin_gui/runtime/google/", "dtwin_gui/sandbox/"),
        GOOGLE_ALLOWED,
    ),
    "cloud-packages-only-through-the-registry": (CLOUD_PACKAGES, ("dtwin_gui/clouds/",), ()),
}
#: (rule, the folder it constrains, what that folder must not import, prefixes never forbidden)
FOLDER_RULES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "core-imports-no-sdk-and-no-qt": ("dtwin_gui/core/", CORE_FORBIDDEN, GOOGLE_ALLOWED),
    "iac-imports-no-deploy-and-no-ui": ("dtwin_gui/iac/", ("dtwin_gui.deploy", "dtwin_gui.ui"), ()),
}
SIZE_RULE = f"module-at-most-{MAX_LINES}-lines"

_AWS = "aws-sdk-only-in-clouds/aws,runtime/aws,sandbox"
_AZURE = "azure-sdk-only-in-clouds/azure,runtime/azure,sandbox"
_GOOGLE = "google-sdk-only-in-clouds/google,runtime/google,sandbox"
_IAC = "iac-imports-no-deploy-and-no-ui"
_REGISTRY = "cloud-packages-only-through-the-registry"
#: (module, rule) -> why it is allowed for now, and which work removes it. Each entry must
#: still match a violation (else the test fails: delete the entry). Do not add entries for
#: new code: put the import where the rules want it.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {
    # Neutral code that still reaches the AWS package directly (issue 13 work in progress;
    # each becomes a plugin part or goes through the registry).
    ("dtwin_gui/ui/widgets/credentials_aws.py", _REGISTRY): (
        "the AWS sign-in form (Qt, so it must live in ui/) calls the AWS preflight and SSO "
        "profiles directly; stays until the forms are per-cloud UI parts"
    ),
    ("dtwin_gui/ui/widgets/credentials_clouds.py", _REGISTRY): (
        "the Azure and Google sign-in forms (Qt) call their preflight directly, as the AWS one"
    ),
}


@dataclass(frozen=True)
class Violation:
    path: str  # relative to the repository, with "/"
    line: int
    name: str  # the imported module ("" for the size rule)
    rule: str

    def __str__(self) -> str:
        what = f"imports {self.name!r}" if self.name else f"has {self.line} lines"
        return f"{self.path}:{self.line}: {what}: breaks rule {self.rule}"


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _package_of(relative: str) -> str:
    """The package a module's relative imports start from: ``dtwin_gui.iac`` for both
    ``dtwin_gui/iac/x.py`` and ``dtwin_gui/iac/__init__.py``."""
    return ".".join(relative.split("/")[:-1])


def _resolve(package: str, level: int, module: str | None) -> str:
    base = package.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def imported_names(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in ``tree``, relative ones resolved against ``package``.

    ``from a.b import c`` gives ``a.b.c`` (``c`` may be a module); ``import_module("x")`` and
    ``__import__("x")`` with a constant name count like ``import x``.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.level, node.module) if node.level else node.module
            for alias in node.names:
                name = base if alias.name == "*" else f"{base}.{alias.name}"
                found.append((node.lineno, name or alias.name))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if called not in ("import_module", "__import__"):
                continue
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue  # a computed name: cannot be checked here
            name = first.value
            if name.startswith("."):
                given = [k.value for k in node.keywords if k.arg == "package"] + node.args[1:2]
                anchor = getattr(given[0], "value", None) if given else None
                if not isinstance(anchor, str):
                    continue
                level = len(name) - len(name.lstrip("."))
                name = _resolve(anchor, level, name.lstrip(".") or None)
            found.append((node.lineno, name))
    return found


def check_module(relative: str, source: str) -> list[Violation]:
    """Every rule broken by one module (``relative``: its path from the repository root)."""
    out: list[Violation] = []
    lines = len(source.splitlines())
    if lines > MAX_LINES and relative not in SIZE_EXEMPT:
        out.append(Violation(relative, lines, "", SIZE_RULE))
    tree = ast.parse(source, filename=relative)
    for line, name in imported_names(tree, _package_of(relative)):
        for rule, (forbidden, allowed_in, never) in RULES.items():
            if not _matches(name, forbidden) or _matches(name, never):
                continue
            if not relative.startswith(allowed_in):
                out.append(Violation(relative, line, name, rule))
        for rule, (folder, forbidden, never) in FOLDER_RULES.items():
            if not relative.startswith(folder) or _matches(name, never):
                continue
            if _matches(name, forbidden):
                out.append(Violation(relative, line, name, rule))
    return out


def check_tree(root: Path) -> list[Violation]:
    """Every rule broken under ``root/dtwin_gui`` (``root`` being a repository)."""
    out: list[Violation] = []
    for path in sorted((root / "dtwin_gui").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        out.extend(check_module(relative, path.read_text(encoding="utf-8")))
    return out


def unexcused(violations: list[Violation], exceptions: dict) -> list[Violation]:
    return [v for v in violations if (v.path, v.rule) not in exceptions]


def stale(violations: list[Violation], exceptions: dict) -> list[tuple[str, str]]:
    """Exceptions that no violation needs any more."""
    used = {(v.path, v.rule) for v in violations}
    return sorted(key for key in exceptions if key not in used)


# --- the rules on dtwin_gui/ ---------------------------------------------------------------------
@functools.cache
def project_violations() -> tuple[Violation, ...]:
    return tuple(check_tree(PACKAGE.parent))


def test_dtwin_gui_keeps_the_house_rules():
    violations = list(project_violations())
    broken = unexcused(violations, KNOWN_EXCEPTIONS)
    assert not broken, "house rules broken (see docs/architecture.md, House rules):\n" + "\n".join(
        map(str, broken)
    )


def test_every_known_exception_is_still_needed():
    gone = stale(list(project_violations()), KNOWN_EXCEPTIONS)
    assert not gone, (
        "these KNOWN_EXCEPTIONS in tests/test_import_rules.py no longer match a violation; "
        "delete them:\n" + "\n".join(f"{path}: {rule}" for path, rule in gone)
    )


def test_every_exception_names_a_real_module_and_rule():
    rules = {*RULES, *FOLDER_RULES, SIZE_RULE}
    for (path, rule), why in KNOWN_EXCEPTIONS.items():
        assert rule in rules, f"{path}: unknown rule {rule}"
        assert (PACKAGE.parent / path).is_file(), f"{path} does not exist"
        assert why.strip(), f"{path}: say why and which work removes the exception"


# --- the checker itself --------------------------------------------------------------------------
PLANTED = {
    "dtwin_gui/__init__.py": "",
    "dtwin_gui/core/__init__.py": "",
    "dtwin_gui/core/model.py": (
        "import json\n"
        "from google.protobuf import message  # allowed everywhere\n"
        "\n"
        "def later():\n"
        "    import boto3  # inside a function still counts\n"
        "    return boto3\n"
    ),
    "dtwin_gui/iac/__init__.py": "",
    "dtwin_gui/iac/runner.py": (
        "import importlib\n"
        "from typing import TYPE_CHECKING\n"
        "from .. import deploy\n"
        "if TYPE_CHECKING:\n"
        "    from dtwin_gui.ui.window import Window\n"
        "ui = importlib.import_module('dtwin_gui.ui.pages')\n"
        "rel = importlib.import_module('..deploy.events', package='dtwin_gui.iac')\n"
        "name = 'x'\n"
        "computed = importlib.import_module(f'dtwin_gui.{name}')  # cannot be checked\n"
    ),
    "dtwin_gui/deploy/__init__.py": "from google.cloud import storage\n",
    "dtwin_gui/deploy/big.py": "x = 1\n" * (MAX_LINES + 1),
    "dtwin_gui/deploy/ok.py": "x = 1\n" * MAX_LINES,
    "dtwin_gui/core/event_grammar.py": "x = 1\n" * (MAX_LINES + 100),
    "dtwin_gui/ui/window.py": "from PySide6.QtWidgets import QWidget\nimport shiboken6\n",
    "dtwin_gui/sandbox/emulator.py": "import boto3, botocore.config\nimport azure.storage\n",
    "dtwin_gui/clouds/azure/connection.py": "from azure.identity import DefaultAzureCredential\n",
    "dtwin_gui/clouds/google/steps.py": "import google.auth\nfrom google.cloud import pubsub\n",
    "dtwin_gui/runtime/aws/adapter.py": "import boto3\n",
    "dtwin_gui/runtime/core/handler.py": "__import__('botocore.session')\n",
    "dtwin_gui/build/ui_help.py": "from shiboken6 import isValid\n",
    "dtwin_gui/clouds/aws/azure_glue.py": "import azure.functions\n",
    "dtwin_gui/clouds/aws/console.py": "from dtwin_gui.clouds.aws.connection import X\n",
    "dtwin_gui/deploy/links.py": (
        "from dtwin_gui.clouds import plugin  # the registry: allowed\n"
        "from dtwin_gui.clouds.base import ConsoleLink  # the contract: allowed\n"
        "from dtwin_gui.clouds.aws.console_links import layer_link\n"
        "from dtwin_gui.clouds import google\n"
    ),
}


def plant(root: Path) -> None:
    for relative, text in PLANTED.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_finds_each_planted_violation_with_file_line_import_and_rule(tmp_path):
    plant(tmp_path)
    found = {str(v) for v in check_tree(tmp_path)}
    core, qt, n = "core-imports-no-sdk-and-no-qt", "qt-only-in-ui", MAX_LINES + 1
    assert found == {
        f"dtwin_gui/core/model.py:5: imports 'boto3': breaks rule {_AWS}",
        f"dtwin_gui/core/model.py:5: imports 'boto3': breaks rule {core}",
        f"dtwin_gui/iac/runner.py:3: imports 'dtwin_gui.deploy': breaks rule {_IAC}",
        f"dtwin_gui/iac/runner.py:5: imports 'dtwin_gui.ui.window.Window': breaks rule {_IAC}",
        f"dtwin_gui/iac/runner.py:6: imports 'dtwin_gui.ui.pages': breaks rule {_IAC}",
        f"dtwin_gui/iac/runner.py:7: imports 'dtwin_gui.deploy.events': breaks rule {_IAC}",
        f"dtwin_gui/deploy/__init__.py:1: imports 'google.cloud.storage': breaks rule {_GOOGLE}",
        f"dtwin_gui/deploy/big.py:{n}: has {n} lines: breaks rule {SIZE_RULE}",
        f"dtwin_gui/runtime/core/handler.py:1: imports 'botocore.session': breaks rule {_AWS}",
        f"dtwin_gui/build/ui_help.py:1: imports 'shiboken6.isValid': breaks rule {qt}",
        f"dtwin_gui/clouds/aws/azure_glue.py:1: imports 'azure.functions': breaks rule {_AZURE}",
        f"dtwin_gui/deploy/links.py:3: imports 'dtwin_gui.clouds.aws.console_links.layer_link': "
        f"breaks rule {_REGISTRY}",
        f"dtwin_gui/deploy/links.py:4: imports 'dtwin_gui.clouds.google': breaks rule {_REGISTRY}",
    }


def test_an_excused_violation_passes_and_a_stale_exception_is_reported(tmp_path):
    plant(tmp_path)
    violations = check_tree(tmp_path)
    excused = {
        ("dtwin_gui/deploy/big.py", SIZE_RULE): "split by a later issue",
        ("dtwin_gui/deploy/ok.py", SIZE_RULE): "already short enough: stale",
    }
    assert "dtwin_gui/deploy/big.py" not in {v.path for v in unexcused(violations, excused)}
    assert stale(violations, excused) == [("dtwin_gui/deploy/ok.py", SIZE_RULE)]
