"""If-conversion: a ``compute`` in the subset of :mod:`pregel.compiler.vectorise`, evaluated under masks.

Each statement runs once for all the computing vertices (one lane each) under a mask
of the lanes that reach it: an ``if`` narrows the mask for its branches, ``and``/``or``
and ``x if c else y`` evaluate their later operands only in the lanes that get there,
``return`` takes lanes out for the rest. A local or ``self.value`` assigned under a
mask keeps its old lanes elsewhere. Each call of an action is a site: its mask and its
arguments, recorded for the sinks its row of :mod:`pregel.compiler.actions` names and
put in the loop's order at the end: vertex by vertex, then site by site. Arithmetic
follows :mod:`pregel.compiler.lanes`, which raises :class:`~pregel.compiler.lanes.Refuse` wherever the
arrays could differ from Python (the loop then runs).
"""

from __future__ import annotations

import ast
import builtins
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

import pregel.compiler.lanes as L
from pregel.compiler.actions import ACTION, INDEX, READ
from pregel.compiler.failures import internal_error
from pregel.compiler.lanes import Lanes, Refuse

if TYPE_CHECKING:
    from collections.abc import Callable

    from pregel.compiler.actions import Bindings
    from pregel.compiler.vectorise import Vectorised


def _positions() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


def _values() -> np.ndarray:
    return np.empty(0)


@dataclass
class Evaluation:
    """What a vectorised superstep did: the new values, and what the actions appended.

    The fields after ``values`` are those of :class:`~pregel.compiler.actions.Sinks`,
    as arrays in the loop's order; positions count the computing vertices, from 0.
    """

    values: np.ndarray
    halted: np.ndarray = field(default_factory=_positions)
    broadcast_senders: np.ndarray = field(default_factory=_positions)
    broadcast_values: np.ndarray = field(default_factory=_values)
    send_targets: np.ndarray = field(default_factory=_values)
    send_values: np.ndarray = field(default_factory=_values)
    send_senders: np.ndarray = field(default_factory=_positions)
    along_edges: np.ndarray = field(default_factory=_positions)
    along_values: np.ndarray = field(default_factory=_values)
    along_senders: np.ndarray = field(default_factory=_positions)
    contributions: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    """The computing vertices' own data as lanes (the per-vertex reads and the messages), each made only if read."""

    value: Callable[[], Lanes]
    id: Callable[[], Lanes]
    out_degree: Callable[[], Lanes]
    messages: Callable[[], Lanes]


def run(form: Vectorised, inputs: Inputs, bindings: Bindings, size: int) -> Evaluation | None:
    """One superstep over ``size`` computing vertices, or None when only the loop would be exact.

    ``bindings`` is what :meth:`pregel.compiler.loop.PartitionLoop.bindings` returned.
    An error of this module's own is reported (:mod:`pregel.compiler.failures`) before
    the loop runs instead.
    """
    superstep = _Superstep(form, inputs, bindings, size)
    try:
        with np.errstate(all="ignore"):
            return superstep.run()
    except Refuse:
        return None
    except Exception as error:
        internal_error(form.owner, "masked evaluation", error)
        return None


class _Superstep:
    """Evaluates compute's statements under masks of live lanes (one lane per computing vertex)."""

    def __init__(self, form: Vectorised, inputs: Inputs, bindings: Bindings, size: int) -> None:
        self.form = form
        self.inputs = inputs
        self.bindings = bindings
        self.size = size
        self.scope: dict[str, Lanes] = {}
        self.alive = np.ones(size, dtype=bool)
        self.returned = False
        # (Sinks field, aggregator name or None) → the sites appending to it: (mask, lanes or None for INDEX)
        self.sites: dict[tuple[str, str | None], list[tuple[np.ndarray, Lanes | None]]] = {}

    def run(self) -> Evaluation:
        form = self.form
        if form.reads_messages:
            self.scope[form.messages_name] = self.inputs.messages()
        self.scope["self.value"] = self.inputs.value()
        if self.size:
            self.block(form.body, self.alive.copy())
        value = self.scope["self.value"]
        if value.none is not None and value.none.any() or value.kind == "bool":
            raise Refuse("a value that is None or a bool")
        sinks: dict[str, Any] = {}
        for (name, aggregator), sites in self.sites.items():
            positions, values = _ordered(sites, self.size)
            if aggregator is None:
                sinks[name] = values
            elif len({lanes.kind for _, lanes in sites if lanes is not None}) > 1:
                raise Refuse(f"ints and floats aggregated to {aggregator!r}")
            else:
                sinks.setdefault(name, {})[aggregator] = values.tolist()
        return Evaluation(L.spread(value, self.size), **sinks)

    # ------------------------------------------------------------- statements
    def block(self, statements: list[ast.stmt], mask: np.ndarray) -> None:
        for statement in statements:
            if self.returned:
                mask = mask & self.alive
            if not mask.any():
                return
            self.statement(statement, mask)

    def statement(self, node: ast.stmt, mask: np.ndarray) -> None:  # noqa: C901
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = self.expression(node.value, mask)  # type: ignore[arg-type]
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                self.assign(target, value, mask)
        elif isinstance(node, ast.AugAssign):
            current = self.expression(_load(node.target), mask)
            value = L.arithmetic(type(node.op).__name__, current, self.expression(node.value, mask), mask)
            self.assign(node.target, value, mask)
        elif isinstance(node, ast.If):
            test = L.truth(self.expression(node.test, mask))
            if isinstance(test, np.ndarray):
                self.block(node.body, mask & test)
                self.block(node.orelse, mask & ~test)
            else:
                self.block(node.body if test else node.orelse, mask)
        elif isinstance(node, ast.Return):
            if not returns_none(node):
                self.expression(node.value, mask)  # type: ignore[arg-type]
            self.alive &= ~mask
            self.returned = True
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.action(node.value, mask)

    def assign(self, target: ast.expr, value: Lanes, mask: np.ndarray) -> None:
        if isinstance(target, ast.Name):
            key, live = target.id, self.alive  # lanes that may still read the local
        else:
            key, live = "self.value", np.ones(self.size, dtype=bool)  # every lane's value is kept
        old = self.scope.get(key)
        if old is None or not (live & ~mask).any():
            self.scope[key] = value
        else:
            self.scope[key] = L.select(mask, value, old, live)

    def action(self, call: ast.Call, mask: np.ndarray) -> None:
        assert isinstance(call.func, ast.Attribute)
        action = ACTION[call.func.attr]
        aggregator = call.args[0].value if action.named else None  # type: ignore[attr-defined]
        arguments = {
            k: _message(self.expression(arg, mask), mask) for k, arg in enumerate(call.args) if k or not action.named
        }
        for sink in action.sinks:
            value = None if sink.source == INDEX else arguments[sink.source]
            if sink.vertex_id and value is not None and value.kind != "int":
                raise Refuse("a vertex id that is not an int")
            self.sites.setdefault((sink.field, aggregator), []).append((mask, value))

    # ------------------------------------------------------------ expressions
    def expression(self, node: ast.expr, mask: np.ndarray) -> Lanes:  # noqa: C901, PLR0911, PLR0912
        if isinstance(node, ast.Constant):
            return L.scalar(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.BinOp):
            left = self.expression(node.left, mask)
            return L.arithmetic(type(node.op).__name__, left, self.expression(node.right, mask), mask)
        if isinstance(node, ast.UnaryOp):
            operand = self.expression(node.operand, mask)
            if isinstance(node.op, ast.Not):
                t = L.truth(operand)
                return Lanes(~t, "bool") if isinstance(t, np.ndarray) else L.scalar(not t)
            if isinstance(node.op, ast.USub):
                return L.negative(operand, mask)
            L.numbers(operand, mask)
            return operand
        if isinstance(node, ast.BoolOp):
            return self.boolean(node, mask)
        if isinstance(node, ast.IfExp):
            test = L.truth(self.expression(node.test, mask))
            if not isinstance(test, np.ndarray):
                return self.expression(node.body if test else node.orelse, mask)
            yes, no = mask & test, mask & ~test
            if not no.any():
                return self.expression(node.body, yes)
            if not yes.any():
                return self.expression(node.orelse, no)
            return L.select(test, self.expression(node.body, yes), self.expression(node.orelse, no), mask)
        if isinstance(node, ast.Compare):
            return self.comparison(node, mask)
        assert isinstance(node, ast.Call)
        return self.call(node, mask)

    def name(self, name: str) -> Lanes:
        if name in self.form.local_names:
            try:
                return self.scope[name]
            except KeyError:
                raise Refuse(f"{name} is not assigned") from None
        value = self.form.globals.get(name, _MISSING)
        if value is _MISSING:
            value = getattr(builtins, name, _MISSING)
        if value is _MISSING:
            raise Refuse(f"the name {name} is not defined")
        return L.scalar(value)

    def attribute(self, node: ast.Attribute) -> Lanes:
        assert isinstance(node.value, ast.Name)
        if node.value.id == self.form.self_name:
            if node.attr == "value":
                return self.scope["self.value"]
            read = READ.get(node.attr)
            if read is None:
                return L.scalar(self.bindings.parameters[node.attr])
            if not read.per_vertex:
                return L.scalar(getattr(self.bindings, node.attr))
            key = "self." + node.attr  # not a local's name
            if key not in self.scope:
                self.scope[key] = getattr(self.inputs, node.attr)()
            return self.scope[key]
        base = self.form.globals.get(node.value.id, _MISSING)
        if (
            node.value.id in self.form.local_names
            or not isinstance(base, types.ModuleType)
            or node.attr not in vars(base)
        ):
            raise Refuse(f"{node.value.id}.{node.attr} is not a module's number")
        return L.scalar(vars(base)[node.attr])

    def boolean(self, node: ast.BoolOp, mask: np.ndarray) -> Lanes:
        """``a or b``/``a and b``: the first operand that decides, itself (not a bool), per lane."""
        result = self.expression(node.values[0], mask)
        either = isinstance(node.op, ast.Or)
        for operand in node.values[1:]:
            t = L.truth(result)
            if not isinstance(t, np.ndarray):
                if t == either:
                    return result
                result = self.expression(operand, mask)
                continue
            need = mask & (~t if either else t)
            if not need.any():
                return result
            result = L.select(need, self.expression(operand, need), result, mask)
        return result

    def comparison(self, node: ast.Compare, mask: np.ndarray) -> Lanes:
        left = self.expression(node.left, mask)
        if isinstance(node.ops[0], (ast.Is, ast.IsNot)):
            none = L.is_none(left)
            if isinstance(node.ops[0], ast.IsNot):
                return Lanes(~none, "bool") if isinstance(none, np.ndarray) else L.scalar(True)
            return Lanes(none, "bool") if isinstance(none, np.ndarray) else L.scalar(False)
        holds: Any = True
        live = mask
        for op, comparator in zip(node.ops, node.comparators):
            right = self.expression(comparator, live)
            holds = L.compare(type(op).__name__, left, right, live).data
            live = live & holds
            if not live.any():
                return Lanes(live, "bool") if len(node.ops) > 1 else _bool(holds)
            left = right
        return Lanes(live, "bool") if len(node.ops) > 1 else _bool(holds)

    def call(self, node: ast.Call, mask: np.ndarray) -> Lanes:
        func = node.func
        if isinstance(func, ast.Attribute):  # a named read: self.aggregated("name")
            return L.scalar(getattr(self.bindings, func.attr)[node.args[0].value])  # type: ignore[attr-defined]
        assert isinstance(func, ast.Name)
        if self.form.globals.get(func.id, _MISSING) is not _MISSING or getattr(builtins, func.id) is not _REAL[func.id]:
            raise Refuse(f"{func.id} is not the builtin")
        args = [self.expression(arg, mask) for arg in node.args]
        if func.id == "abs":
            return L.absolute(args[0], mask)
        return (L.minimum if func.id == "min" else L.maximum)(args[0], args[1], mask)


_MISSING = object()
_REAL = {"abs": abs, "min": min, "max": max}


def returns_none(node: ast.Return) -> bool:
    """Whether a ``return`` gives None (``return`` or ``return None``)."""
    return node.value is None or isinstance(node.value, ast.Constant) and node.value.value is None


def _bool(holds: Any) -> Lanes:
    return Lanes(holds, "bool") if isinstance(holds, np.ndarray) else L.scalar(bool(holds))


def _load(target: ast.expr) -> ast.expr:
    """The read of an augmented assignment's target."""
    copy = (
        ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load())
        if isinstance(target, ast.Attribute)
        else None
    )
    if copy is None:
        assert isinstance(target, ast.Name)
        copy = ast.Name(id=target.id, ctx=ast.Load())
    return ast.copy_location(copy, target)


def _message(value: Lanes, mask: np.ndarray) -> Lanes:
    """A value that leaves the vertex (message, target, contribution): a plain float or int in every live lane."""
    L.numbers(value, mask)
    return value


def _ordered(sites: list[tuple[np.ndarray, Lanes | None]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The values of several sites in the loop's order, vertex by vertex, then site by site: (positions, values).

    A site without lanes appends the positions themselves (a sink of the vertex's own
    position). Ints and floats together become floats, as ``numpy.asarray`` makes the
    loop's list of them (exactly, below 2**53).
    """
    kinds = {lanes.kind for _, lanes in sites if lanes is not None}
    dtype = np.int64 if kinds <= {"int"} else np.float64
    if len(sites) == 1:
        mask, lanes = sites[0]
        if lanes is None or lanes.is_scalar:
            positions = np.flatnonzero(mask)
            return positions, positions if lanes is None else np.full(positions.size, lanes.data, dtype=dtype)
        if mask.all():
            return np.arange(size), lanes.data.astype(dtype, copy=False)
        return np.flatnonzero(mask), lanes.data[mask].astype(dtype, copy=False)
    positions = [np.flatnonzero(mask) for mask, _ in sites]
    values = [
        where if lanes is None else L.spread(lanes, size)[mask].astype(dtype, copy=False)
        for where, (mask, lanes) in zip(positions, sites)
    ]
    where = np.concatenate(positions)
    order = np.argsort(where, kind="stable")
    return where[order], np.concatenate(values)[order]
