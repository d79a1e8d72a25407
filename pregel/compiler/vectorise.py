"""Run a scalar ``compute`` over whole arrays of vertices, when that gives exactly the loop's results.

A ``compute`` that only does arithmetic (``+ - * /``, ``abs``, ``min``/``max`` of two,
comparisons, ``and``/``or``/``not``, ``if``/``elif``/``else``, ``return``) on numbers
and calls the actions (:mod:`pregel.compiler.actions`) is evaluated once per superstep
over numpy arrays of the computing vertices (one lane per vertex), each ``if`` turned
into a mask (if-conversion). The superstep then has exactly the compiled loop's
outcome: the same new values, the same messages in the same order, the same
aggregator contributions in the same order and the same halts (the rules of
:mod:`pregel.compiler.lanes`). Whenever that cannot be guaranteed for a superstep (a
value is not a plain float or int, a live vertex would raise, lanes would mix types,
...), :func:`run` returns None and the compiled loop runs, which falls back to the
interpreter as always.

:func:`check` says why a class is never vectorised (through
:func:`pregel.compiler.vectorise_reason`); ``vectorised = False`` on the class (or
``MyProgram(vectorised=False)``) turns only this off. Supersteps with fewer than
:data:`MIN_VERTICES` computing vertices run the loop, which is faster there.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import pregel.compiler.lanes as L
from pregel.compiler.actions import ACTION, READ
from pregel.compiler.failures import Refusal
from pregel.compiler.masked import Evaluation, Inputs, returns_none, run
from pregel.compiler.source import compute_function, definition

__all__ = ["MIN_VERTICES", "Evaluation", "Inputs", "Vectorised", "check", "run"]

#: Fewer computing vertices than this run the compiled loop: evaluating compute over arrays
#: costs a few hundred microseconds whatever their length, the loop about one per vertex.
MIN_VERTICES = 500
_BUILTINS = {"abs": 1, "min": 2, "max": 2}
_UNARY = (ast.USub, ast.UAdd, ast.Not)


@dataclass(frozen=True)
class Vectorised:
    """A ``compute`` checked to be in the subset: its statements and names, and whose it is (``owner``)."""

    body: list[ast.stmt]
    self_name: str
    messages_name: str
    local_names: frozenset[str]
    globals: dict[str, Any]
    reads_messages: bool
    owner: str


def check(cls: type) -> Vectorised:
    """The vectorised form of a compiled ``compute``; raises :class:`~pregel.compiler.failures.Refusal` saying why not.

    Examples
    --------
    >>> from pregel import Vertex
    >>> class Halt(Vertex):
    ...     def compute(self, messages):
    ...         self.vote_to_halt()
    >>> check(Halt).reads_messages
    False
    >>> class Power(Vertex):
    ...     def compute(self, messages):
    ...         self.value = self.value**2
    >>> check(Power)
    Traceback (most recent call last):
    ...
    pregel.compiler.failures.Refusal: line 3: the operator Pow
    """
    function = compute_function(cls)
    compute = definition(function)
    self_name, messages_name = (a.arg for a in compute.args.args)
    local_names = {n.id for n in ast.walk(compute) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    checking = _Check(self_name, messages_name, local_names | {messages_name})
    checking.block(compute.body)
    return Vectorised(
        compute.body,
        self_name,
        messages_name,
        frozenset(local_names | {messages_name}),
        function.__globals__,
        checking.reads_messages,
        f"{cls.__module__}.{cls.__qualname__}",
    )


class _Check:
    """Raises Refusal at the first statement or expression outside the subset."""

    def __init__(self, self_name: str, messages_name: str, local_names: set[str]) -> None:
        self.self_name = self_name
        self.messages_name = messages_name
        self.local_names = local_names
        self.reads_messages = False

    def fail(self, node: ast.AST, what: str) -> None:
        raise Refusal(f"line {node.lineno}: {what}")  # type: ignore[attr-defined]

    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:  # noqa: C901
        if isinstance(node, ast.Pass):
            return
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self.target(target)
            self.expression(node.value)
        elif isinstance(node, ast.AugAssign):
            if type(node.op).__name__ not in L.ARITHMETIC:
                self.fail(node, f"the operator {type(node.op).__name__}")
            self.target(node.target)
            self.expression(node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
            self.expression(node.value)
        elif isinstance(node, ast.If):
            self.expression(node.test)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.Return):
            if not returns_none(node):
                self.expression(node.value)  # type: ignore[arg-type]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # a docstring
        elif isinstance(node, ast.Expr) and self.method(node.value) in ACTION:
            call = node.value
            assert isinstance(call, ast.Call)
            action = ACTION[self.method(call)]  # type: ignore[index]
            if action.named:
                self.aggregator_name(call)
            for arg in call.args[1:] if action.named else call.args:
                self.expression(arg)
        else:
            self.fail(node, f"a {type(node).__name__} statement")

    def target(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            return
        if not (self.is_self(node) and isinstance(node, ast.Attribute) and node.attr == "value"):
            self.fail(node, "assigns to other than a name or self.value")

    def is_self(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self.self_name

    def method(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Call) and self.is_self(node.func):
            assert isinstance(node.func, ast.Attribute)
            return node.func.attr
        return None

    def aggregator_name(self, call: ast.Call) -> None:
        first = call.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            self.fail(call, "the aggregator name is not a string constant")

    def expression(self, node: ast.expr) -> None:  # noqa: C901, PLR0912
        if isinstance(node, ast.Constant):
            if type(node.value) not in L.KINDS:
                self.fail(node, f"the constant {node.value!r}")
        elif isinstance(node, ast.Name):
            self.reads_messages |= node.id == self.messages_name
        elif isinstance(node, ast.Attribute):
            if self.is_self(node):
                read = READ.get(node.attr)
                if node.attr in ACTION or read and (read.named or not read.vectorised) or node.attr.startswith("_"):
                    self.fail(node, f"reads self.{node.attr}")
            elif not (isinstance(node.value, ast.Name) and node.value.id not in self.local_names | {self.self_name}):
                self.fail(node, "an attribute of other than a global name")
        elif isinstance(node, ast.BinOp):
            if type(node.op).__name__ not in L.ARITHMETIC:
                self.fail(node, f"the operator {type(node.op).__name__}")
            self.expression(node.left)
            self.expression(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, _UNARY):
            self.expression(node.operand)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.expression(value)
        elif isinstance(node, ast.IfExp):
            for part in (node.test, node.body, node.orelse):
                self.expression(part)
        elif isinstance(node, ast.Compare):
            self.comparison(node)
        elif isinstance(node, ast.Call):
            self.call(node)
        else:
            self.fail(node, f"the expression {type(node).__name__}")

    def comparison(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Is, ast.IsNot)):
            right = node.comparators[0]
            if not (isinstance(right, ast.Constant) and right.value is None):
                self.fail(node, "'is' with other than None")
        elif not all(type(op).__name__ in L.COMPARISONS for op in node.ops):
            self.fail(node, "a comparison other than == != < <= > >= and 'is None'")
        else:
            for part in node.comparators:
                self.expression(part)
        self.expression(node.left)

    def call(self, node: ast.Call) -> None:
        method = self.method(node)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, "a call with keywords or *args")
        if method in READ and READ[method].named and len(node.args) == 1:
            self.aggregator_name(node)
            return
        func = node.func
        if not (isinstance(func, ast.Name) and func.id in _BUILTINS and func.id not in self.local_names):
            self.fail(node, "a call of other than self.aggregated, abs, min or max")
        assert isinstance(func, ast.Name)
        if len(node.args) != _BUILTINS[func.id]:
            self.fail(node, f"{func.id} with other than {_BUILTINS[func.id]} arguments")
        for arg in node.args:
            self.expression(arg)
