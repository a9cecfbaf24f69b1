"""A small reader over python-hcl2's syntax tree, for the tests of the Terraform modules.

The HCL is parsed into its syntax tree, so the keys of a function's environment are read
from the expression itself — through ``merge()``, conditionals and ``local.*`` references —
rather than guessed from text. Shared by tests/iac/test_modules.py (the AWS modules) and
tests/iac/test_env_parity.py (every cloud's modules against the runtime's contracts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import hcl2
from lark import Token, Tree


def text(tree: Tree) -> str:
    return hcl2.reconstruct(tree).strip()


def trees(node: Tree) -> list[Tree]:
    """Child nodes, without tokens, line breaks and comments."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def unwrap(node: Tree) -> Tree:
    """The expression inside ``expr_term`` wrappers and parentheses."""
    while node.data == "expr_term" and len(trees(node)) == 1:
        node = trees(node)[0]
    return node


def name_of(node: Tree) -> str:
    token = next(c for c in node.children if isinstance(c, Token))
    return str(token)


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Tree
    module: str

    def attributes(self) -> dict[str, Tree]:
        out = {}
        for child in trees(self.body):
            if child.data == "attribute":
                key, value = trees(child)
                out[name_of(key)] = value
        return out

    def blocks(self, kind: str | None = None) -> list[Block]:
        return [b for b in blocks_of(self.body, self.module) if kind is None or b.type == kind]


def blocks_of(body: Tree, module: str) -> list[Block]:
    out = []
    for child in trees(body):
        if child.data != "block":
            continue
        parts = trees(child)
        labels = tuple(text(p).strip('"') for p in parts[1:] if p.data == "string")
        inner = next(p for p in parts if p.data == "body")
        out.append(Block(name_of(parts[0]), labels, inner, module))
    return out


def parse_module(folder: Path) -> list[Block]:
    blocks = []
    for path in sorted(folder.glob("*.tf")):
        tree = hcl2.parses_to_tree(path.read_text(encoding="utf-8"))
        body = next(t for t in trees(tree) if t.data == "body")
        blocks.extend(blocks_of(body, folder.name))
    return blocks


def module_locals(blocks: list[Block]) -> dict[str, Tree]:
    out: dict[str, Tree] = {}
    for block in blocks:
        if block.type == "locals":
            out.update(block.attributes())
    return out


# --- environment keys of an expression -----------------------------------------------------


@dataclass(frozen=True)
class EnvKeys:
    #: Keys some configuration sets.
    possible: frozenset[str]
    #: Keys every configuration sets.
    always: frozenset[str]


_KEY = re.compile(r'^"?([A-Za-z_][A-Za-z0-9_]*)"?$')


def env_keys(expression: Tree, locals_: dict[str, Tree]) -> EnvKeys:
    """The keys of a map expression built from object literals, ``merge()``, conditionals
    and ``local.*``. Anything else (a variable, a function of unknown keys) cannot be proven
    and fails, so a module cannot slip unchecked variables past the test."""
    node = unwrap(expression)
    if node.data == "object":
        keys = set()
        for element in (t for t in trees(node) if t.data == "object_elem"):
            key = text(trees(element)[0])
            match = _KEY.match(key)
            assert match, f"environment key {key!r} is not a literal name"
            keys.add(match.group(1))
        return EnvKeys(frozenset(keys), frozenset(keys))
    if node.data == "function_call" and name_of(trees(node)[0]) == "merge":
        arguments = next(t for t in trees(node) if t.data == "arguments")
        parts = [env_keys(a, locals_) for a in trees(arguments)]
        return EnvKeys(
            frozenset().union(*(p.possible for p in parts)),
            frozenset().union(*(p.always for p in parts)),
        )
    if node.data == "conditional":
        _condition, yes, no = trees(node)
        yes, no = env_keys(yes, locals_), env_keys(no, locals_)
        return EnvKeys(yes.possible | no.possible, yes.always & no.always)
    source = text(node)
    if source.startswith("local.") and source[len("local.") :] in locals_:
        return env_keys(locals_[source[len("local.") :]], locals_)
    raise AssertionError(f"cannot prove which environment variables {source!r} sets")


def parse_text(source: str, module: str) -> list[Block]:
    """The top-level blocks of HCL ``source``, as if read from module folder ``module``."""
    body = next(t for t in trees(hcl2.parses_to_tree(source)) if t.data == "body")
    return blocks_of(body, module)
