"""If-conversion: a ``compute`` in the subset of :mod:`pregel.compiler.vectorise`, evaluated under masks.

Each statement runs once for all the computing vertices (one lane each) under a mask
of the lanes that reach it: an ``if`` narrows the mask for its branches, ``and``/``or``
and ``x if c else y`` evaluate their later operands only in the lanes that get there,
``return`` takes lanes out for the rest. A local or ``self.value`` assigned under a
mask keeps its old lanes elsewhere. Actions are recorded per site with their mask and
put in the loop's order at the end: vertex by vertex, then site by site. Arithmetic
follows :mod:`pregel.compiler.lanes`, which raises :class:`~pregel.compiler.lanes.Refuse` wherever the
arrays could differ from Python (the loop then runs).
"""

from __future__ import annotations

import ast
import builtins
import types
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.compiler import lanes as L
from pregel.compiler.lanes import Lanes, Refuse
from pregel.compiler.loop import _READS

if TYPE_CHECKING:
    from pregel.compiler.vectorise import Vectorised


@dataclass
class Outcome:
    """What a vectorised superstep did, in the loop's order, positions local to the partition."""

    values: np.ndarray
    halted: np.ndarray
    broadcast_senders: np.ndarray
    broadcast_values: np.ndarray
    send_senders: np.ndarray
    send_targets: np.ndarray
    send_values: np.ndarray
    contributions: dict[str, list[Any]]


def run(form: Vectorised, inputs: dict[str, Any], env: dict[str, Any], size: int) -> Outcome | None:
    """One superstep over ``size`` computing vertices, or None when only the loop would be exact.

    ``inputs`` maps ``value``, ``messages``, ``id`` and ``out_degree`` to callables
    returning their :class:`~pregel.compiler.lanes.Lanes` (each read only if compute uses it);
    ``env`` is what :meth:`pregel.compiler.loop.PartitionLoop.bindings` returned.
    """
    superstep = _Superstep(form, inputs, env, size)
    try:
        with np.errstate(all="ignore"):
            return superstep.run()
    except Refuse:
        return None
    except Exception:  # whatever else went wrong here, the loop is exact
        return None


class _Superstep:
    """Evaluates compute's statements under masks of live lanes (one lane per computing vertex)."""

    def __init__(self, form: Vectorised, inputs: dict[str, Any], env: dict[str, Any], size: int) -> None:
        self.form = form
        self.inputs = inputs
        self.env = env
        self.size = size
        self.scope: dict[str, Lanes] = {}
        self.alive = np.ones(size, dtype=bool)
        self.returned = False
        self.halted = np.zeros(size, dtype=bool)
        self.broadcasts: list[tuple[np.ndarray, Lanes]] = []
        self.sends: list[tuple[np.ndarray, Lanes, Lanes]] = []
        self.contributions: dict[str, list[tuple[np.ndarray, Lanes]]] = {}

    def run(self) -> Outcome:
        form = self.form
        if form.reads_messages:
            self.scope[form.messages_name] = self.inputs["messages"]()
        self.scope["self.value"] = self.inputs["value"]()
        if self.size:
            self.block(form.body, self.alive.copy())
        value = self.scope["self.value"]
        if value.none is not None and value.none.any() or value.kind == "bool":
            raise Refuse("a value that is None or a bool")
        senders, broadcast = _ordered(self.broadcasts, self.size)
        _, targets = _ordered([(mask, target) for mask, target, _ in self.sends], self.size)
        send_positions, sent = _ordered([(mask, value) for mask, _, value in self.sends], self.size)
        contributions = {}
        for name, sites in self.contributions.items():
            if len({lanes.kind for _, lanes in sites}) > 1:
                raise Refuse(f"ints and floats aggregated to {name!r}")
            contributions[name] = _ordered(sites, self.size)[1].tolist()
        return Outcome(
            L.spread(value, self.size),
            np.flatnonzero(self.halted),
            senders,
            broadcast,
            send_positions,
            targets,
            sent,
            contributions,
        )

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
            if not _returns_none(node):
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
        method = call.func.attr
        if method == "vote_to_halt":
            self.halted |= mask
        elif method == "send_message_to_all_neighbors":
            self.broadcasts.append((mask, _message(self.expression(call.args[0], mask), mask)))
        elif method == "send_message":
            target = _message(self.expression(call.args[0], mask), mask)
            if target.kind != "int":
                raise Refuse("a target that is not an int")
            self.sends.append((mask, target, _message(self.expression(call.args[1], mask), mask)))
        else:
            name = call.args[0].value  # type: ignore[attr-defined]
            value = _message(self.expression(call.args[1], mask), mask)
            self.contributions.setdefault(name, []).append((mask, value))

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
            if node.attr in ("id", "out_degree"):
                if node.attr not in self.scope:
                    self.scope[node.attr] = self.inputs[node.attr]()
                return self.scope[node.attr]
            key = node.attr if node.attr in _READS else "parameter:" + node.attr
            return L.scalar(self.env[key])
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
        if isinstance(func, ast.Attribute):  # self.aggregated("name")
            return L.scalar(self.env["aggregated:" + node.args[0].value])  # type: ignore[attr-defined]
        assert isinstance(func, ast.Name)
        if self.form.globals.get(func.id, _MISSING) is not _MISSING or getattr(builtins, func.id) is not _REAL[func.id]:
            raise Refuse(f"{func.id} is not the builtin")
        args = [self.expression(arg, mask) for arg in node.args]
        if func.id == "abs":
            return L.absolute(args[0], mask)
        return (L.minimum if func.id == "min" else L.maximum)(args[0], args[1], mask)


_MISSING = object()
_REAL = {"abs": abs, "min": min, "max": max}


def _returns_none(node: ast.Return) -> bool:
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


def _ordered(sites: list[tuple[np.ndarray, Lanes]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The values of several sites in the loop's order, vertex by vertex, then site by site: (positions, values).

    Ints and floats together become floats, as ``numpy.asarray`` makes the loop's list
    of them (exactly, below 2**53).
    """
    if not sites:
        return np.empty(0, dtype=np.int64), np.empty(0)
    kinds = {lanes.kind for _, lanes in sites}
    dtype = np.int64 if kinds == {"int"} else np.float64
    if len(sites) == 1:
        mask, lanes = sites[0]
        if lanes.is_scalar:
            positions = np.flatnonzero(mask)
            return positions, np.full(positions.size, lanes.data, dtype=dtype)
        if mask.all():
            return np.arange(size), lanes.data.astype(dtype, copy=False)
        return np.flatnonzero(mask), lanes.data[mask].astype(dtype, copy=False)
    positions = [np.flatnonzero(mask) for mask, _ in sites]
    values = [L.spread(lanes, size)[mask].astype(dtype, copy=False) for mask, lanes in sites]
    where = np.concatenate(positions)
    order = np.argsort(where, kind="stable")
    return where[order], np.concatenate(values)[order]
