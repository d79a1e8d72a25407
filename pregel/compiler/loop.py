"""Compile a ``Vertex`` subclass's ``compute`` into one loop over a partition's vertices.

The interpreter (:meth:`Vertex._compute_all`) points one object at each vertex in turn
and calls ``compute``; every ``self.value``, ``self.aggregate(...)`` or
``self.send_message_to_all_neighbors(...)`` is then an attribute lookup or a Python
call. Here the source of ``compute`` is rewritten (with :mod:`ast`) into the body of a
``for`` loop over the partition's vertices, in which ``self.id``, ``self.value``,
``self.out_degree``, ``self.superstep``, ``self.num_vertices`` and the parameters are
local variables and the actions are appends to local lists (as the table of
:mod:`pregel.compiler.actions` says). Statements run in the same
order with the same side effects, and the rewritten nodes keep their file and line, so
a traceback still points at the user's line.

Whatever the rewrite cannot prove safe makes the class fall back to the interpreter
(:func:`pregel.compiler.fallback_reason` says why): no source, a decorated compute, closures and
``super()``, any other use of ``self``, nested functions or generators that read
compute's variables, ``yield``, a local that may be read before it is assigned (each
vertex starts with fresh locals in the interpreter; here locals outlive a vertex), a
subclass that redefines part of the API, and so on.
"""

from __future__ import annotations

import ast
import inspect
import types
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.compiler.actions import ACTION, INDEX, READ, READS, Action, Bindings
from pregel.compiler.definite import Assigned, NotDefinite
from pregel.compiler.failures import Refusal
from pregel.compiler.hoist import Hoisting
from pregel.compiler.source import api_class, compile_like, compute_function, definition

if TYPE_CHECKING:
    from collections.abc import Callable

# The rewritten compute's own variables; a user name with this prefix forces the fallback.
PREFIX = "_pregel_"
# Attribute hooks that would see the interpreter's ``self.value = ...``.
_HOOKS = ("__getattribute__", "__getattr__", "__setattr__")
# Names whose behaviour depends on the frame they run in.
_FRAME_NAMES = {"locals", "vars", "eval", "exec", "dir", "super", "__class__", "breakpoint"}
_NESTED_SCOPES = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.GeneratorExp)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp)
_IMMUTABLE = (int, float, complex, bool, str, bytes, type(None))


@dataclass(frozen=True)
class PartitionLoop:
    """A compiled compute: ``run(order, ids, values, degree, messages, bindings, sinks)`` returns the new values.

    ``order``, ``ids``, ``values``, ``degree`` and ``messages`` are aligned lists (local
    index, original id, value, out-degree, messages) of the vertices that compute;
    ``bindings`` is what :meth:`bindings` returns, ``sinks`` the
    :class:`~pregel.compiler.actions.Sinks` the actions append to. ``uses`` names the
    inputs read ("index", "id", "out_degree"); the others may be None.
    """

    run: Callable[..., list[Any]]
    plain: Callable[..., list[Any]]
    uses: frozenset[str]
    parameters: tuple[str, ...]
    aggregated: tuple[str, ...]
    aggregates: tuple[str, ...]

    def bindings(
        self, program: Any, aggregated: dict[str, Any], out_edges: Callable[[int], tuple[Any, Any]]
    ) -> Bindings | None:
        """What ``program``'s compute reads this superstep; None when only the interpreter would be exact.

        That is when a parameter is no longer an immutable plain value or an
        aggregator is missing (the interpreter then raises the error it always raised).
        """
        parameters = {}
        for name in self.parameters:
            value = program.__dict__.get(name, _MISSING)
            if value is _MISSING:
                value = inspect.getattr_static(program, name, _MISSING)
            if not _immutable(value):
                return None
            parameters[name] = value
        declared = program.aggregators
        if not all(name in declared for name in self.aggregates + self.aggregated):
            return None
        if not all(name in aggregated for name in self.aggregated):
            return None
        return Bindings(
            program.superstep,
            program.num_vertices,
            parameters,
            {name: aggregated[name] for name in self.aggregated},
            out_edges,
        )


_MISSING = object()


def compile_loop(cls: type) -> PartitionLoop:
    """The partition loop of a ``Vertex`` subclass; raises :class:`~pregel.compiler.failures.Refusal` saying why not.

    Examples
    --------
    >>> from pregel import Vertex
    >>> class Halt(Vertex):
    ...     def compute(self, messages):
    ...         self.vote_to_halt()
    >>> compile_loop(Halt).uses
    frozenset({'index'})
    """
    function = compute_function(cls)
    code = function.__code__
    if code.co_freevars:
        raise Refusal(f"compute uses variables of an enclosing scope or super(): {', '.join(code.co_freevars)}")
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        raise Refusal("compute is a generator or coroutine")
    compute = definition(function)
    args = compute.args
    if args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg or args.defaults or len(args.args) != 2:
        raise Refusal("compute must take exactly (self, messages)")
    rewrite = _Rewrite(args.args[0].arg, args.args[1].arg)
    body = rewrite.body(compute.body)
    api = api_class(cls)
    for name in (*rewrite.methods, *_HOOKS):
        if inspect.getattr_static(cls, name, _MISSING) is not inspect.getattr_static(api, name, _MISSING):
            raise Refusal(f"the class redefines {name}")
    for name in rewrite.parameters:
        declared = inspect.getattr_static(cls, name, None)
        if callable(declared) or hasattr(declared, "__get__"):
            raise Refusal(f"compute reads self.{name}, which is not a parameter")
    invariant = {_local(read.name) for read in READS if not (read.per_vertex or read.named)}
    invariant |= {_local("parameter_" + name) for name in rewrite.parameters}
    invariant |= {_local(f"aggregated_{k}") for k in range(len(rewrite.aggregated))}
    hoisting = Hoisting(invariant, _local("hoisted_"))
    hoisted = hoisting.body(body)
    plain = _function(_loop(compute, rewrite, body), function, {})
    run = plain
    if hoisting.hoisted:
        run = _function(_loop(compute, rewrite, hoisted, hoisting), function, {"plain": plain, "numbers": _numbers})
    return PartitionLoop(
        run,
        plain,
        frozenset(rewrite.uses),
        tuple(rewrite.parameters),
        tuple(rewrite.aggregated),
        tuple(name for _, name in rewrite.named_sinks),
    )


def _function(loop: ast.FunctionDef, user: types.FunctionType, defaults: dict[str, Any]) -> Callable[..., list[Any]]:
    """Compile a generated loop in the user's file and module (their globals, their line numbers).

    ``defaults`` are the values of the loop's own keyword arguments, ``PREFIX + name``.
    """
    namespace: dict[str, Any] = {_local(name): value for name, value in defaults.items()}
    exec(compile_like(ast.Module(body=[loop], type_ignores=[]), user), user.__globals__, namespace)
    return namespace[loop.name]


def _numbers(*values: Any) -> bool:
    """Whether all are plain ints and floats, whose arithmetic :mod:`pregel.compiler.hoist` may move."""
    return all(type(value) in (int, float) for value in values)


def _immutable(value: Any) -> bool:
    if type(value) in _IMMUTABLE or isinstance(value, (np.number, np.bool_)):
        return True
    if type(value) in (tuple, frozenset):
        return all(_immutable(item) for item in value)
    return False


def _local(name: str) -> str:
    return PREFIX + name


def _name(name: str, node: ast.AST, store: bool = False) -> ast.Name:
    return ast.copy_location(ast.Name(id=_local(name), ctx=ast.Store() if store else ast.Load()), node)


def _call(function: str, args: list[ast.expr], node: ast.AST) -> ast.Expr:
    call = ast.Call(func=_name(function, node), args=args, keywords=[])
    return ast.copy_location(ast.Expr(value=ast.copy_location(call, node)), node)


class _Rewrite(ast.NodeTransformer):
    """Rewrites compute's body into a loop body and records what it needs; raises Refusal."""

    def __init__(self, self_name: str, messages_name: str) -> None:
        self.self_name = self_name
        self.messages_name = messages_name
        self.uses: set[str] = set()
        self.methods: set[str] = set()
        self.parameters: list[str] = []
        self.reads: set[str] = set()  # what compute reads of the superstep's Bindings
        self.sinks: set[str] = set()  # the Sinks lists compute appends to
        self.aggregated: list[str] = []  # the aggregators compute reads, in order of first use
        self.aggregator_names: list[str] = []  # those it contributes to
        self.named_sinks: list[tuple[str, str]] = []  # (Sinks field, aggregator name) it appends to
        self.loop_depth = 0
        self.finally_depth = 0

    def body(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        compute = ast.Module(body=statements, type_ignores=[])
        local_names = _bound_names(statements) | {self.messages_name}
        for node in ast.walk(compute):
            self._check_names(node, local_names)
            if isinstance(node, ast.GeneratorExp):
                # its first iterable is evaluated at once, in compute's scope
                _check_nested(node, local_names | {self.self_name}, skip=node.generators[0].iter)
            elif isinstance(node, _NESTED_SCOPES):
                _check_nested(node, local_names | {self.self_name})
            elif isinstance(node, _COMPREHENSIONS):
                _check_nested(node, {self.self_name})
        if self.self_name in local_names - {self.messages_name}:
            raise Refusal(f"compute assigns {self.self_name}")
        try:
            Assigned(local_names - {self.self_name}).block(statements, {self.messages_name})
        except NotDefinite as reason:
            raise Refusal(str(reason)) from None
        return self._statements(statements)

    def _check_names(self, node: ast.AST, local_names: set[str]) -> None:
        identifier = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        if isinstance(node, ast.arg):
            identifier = node.arg
        if not isinstance(identifier, str):
            if isinstance(node, ast.Nonlocal):
                raise Refusal(f"line {node.lineno}: nonlocal")
            if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
                raise Refusal(f"line {node.lineno}: yield or await")
            return
        if identifier.startswith(PREFIX):
            raise Refusal(f"line {node.lineno}: the name {identifier} is reserved for the compiled loop")
        if identifier.startswith("__") and not identifier.endswith("__"):
            raise Refusal(f"line {node.lineno}: {identifier} would be name-mangled")
        if isinstance(node, ast.Name) and identifier in _FRAME_NAMES and identifier not in local_names:
            raise Refusal(f"line {node.lineno}: {identifier} depends on the frame it runs in")

    def _statements(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for statement in statements:
            result = self.visit(statement)
            out.extend(result if isinstance(result, list) else [result])
        return out

    # ------------------------------------------------------------- statements
    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, (*_NESTED_SCOPES, *_COMPREHENSIONS)):
            return node  # checked not to use self or compute's variables (comprehensions: not self)
        for field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, field, self._statements(value))
            elif isinstance(value, list):
                setattr(node, field, [self.visit(item) if isinstance(item, ast.AST) else item for item in value])
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node

    def _in_loop(self, node: ast.AST) -> ast.AST:
        self.loop_depth += 1
        try:
            return self.generic_visit(node)
        finally:
            self.loop_depth -= 1

    visit_For = visit_While = _in_loop

    def visit_Try(self, node: ast.Try) -> ast.AST:
        if not node.finalbody:
            return self.generic_visit(node)
        self.finally_depth += 1
        try:
            return self.generic_visit(node)
        finally:
            self.finally_depth -= 1

    def visit_Return(self, node: ast.Return) -> list[ast.stmt]:
        if self.loop_depth or self.finally_depth:
            raise Refusal(f"line {node.lineno}: return inside a loop or try/finally")
        out: list[ast.stmt] = []
        if node.value is not None:
            out.append(ast.copy_location(ast.Expr(value=self.visit(node.value)), node))
        out.append(_call("keep", [_name("value", node)], node))
        out.append(ast.copy_location(ast.Continue(), node))
        return out

    def visit_Expr(self, node: ast.Expr) -> ast.AST | list[ast.stmt]:
        call = node.value
        action = ACTION.get(self._method(call.func) or "") if isinstance(call, ast.Call) else None
        if action is None:
            return self.generic_visit(node)
        assert isinstance(call, ast.Call)
        if call.keywords or len(call.args) != action.arity or any(isinstance(a, ast.Starred) for a in call.args):
            arity = f"{action.arity} positional arguments"
            raise Refusal(f"line {node.lineno}: {action.name} called with other than {arity}")
        self.methods.add(action.name)
        args = [self.visit(arg) for arg in call.args]
        key = self._aggregator(call, self.aggregator_names) if action.named else None
        return self._appends(action, args, key, node)

    def _appends(self, action: Action, args: list[ast.expr], key: int | None, node: ast.stmt) -> list[ast.stmt]:
        """A call of ``action`` as the interpreter makes it: every argument evaluated, then every append.

        The append of the last argument takes it inline when it comes first (one local
        fewer per call); a value that raises then leaves nothing appended, as in the
        interpreter.
        """
        sinks = [sink for sink in action.sinks if sink.in_loop]
        evaluated = [k for k in range(action.arity) if not (action.named and k == 0)]
        sources = [sink.source for sink in sinks]
        last = evaluated[-1] if evaluated else None
        inline = last if sources[:1] == [last] and sources.count(last) == 1 else None
        statements: list[ast.stmt] = []
        for k in evaluated:
            if k != inline:
                argument = _name(f"argument_{k}", node, store=True)
                statements.append(ast.copy_location(ast.Assign(targets=[argument], value=args[k]), node))
        for sink in sinks:
            if sink.source == INDEX:
                self.uses.add("index")
                value: ast.expr = _name("i", node)
            else:
                value = args[sink.source] if sink.source == inline else _name(f"argument_{sink.source}", node)
            if key is None:
                self.sinks.add(sink.field)
                statements.append(_call(sink.field, [value], node))
            else:
                if (sink.field, self.aggregator_names[key]) not in self.named_sinks:
                    self.named_sinks.append((sink.field, self.aggregator_names[key]))
                k = self.named_sinks.index((sink.field, self.aggregator_names[key]))
                statements.append(_call(f"{sink.field}_{k}", [value], node))
        return statements

    # ------------------------------------------------------------ expressions
    def _method(self, func: ast.expr) -> str | None:
        """The action or named read ``func`` is (``self.vote_to_halt``, ``self.aggregated``), if it is one."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self.self_name:
            named = func.attr in READ and READ[func.attr].named
            return func.attr if func.attr in ACTION or named else None
        return None

    def _aggregator(self, call: ast.Call, names: list[str]) -> int:
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            raise Refusal(f"line {call.lineno}: the aggregator name is not a string constant")
        if first.value not in names:
            names.append(first.value)
        return names.index(first.value)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        method = self._method(node.func)
        if method is None:
            return self.generic_visit(node)
        if method in ACTION:
            raise Refusal(f"line {node.lineno}: {method} is used as a value, not called as a statement")
        if node.keywords or len(node.args) != 1:
            raise Refusal(f"line {node.lineno}: {method} called with other than one positional argument")
        self.methods.add(method)
        return _name(f"{method}_{self._aggregator(node, self.aggregated)}", node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if not (isinstance(node.value, ast.Name) and node.value.id == self.self_name):
            return self.generic_visit(node)
        attr, store = node.attr, isinstance(node.ctx, ast.Store)
        if store and attr != "value" or isinstance(node.ctx, ast.Del):
            raise Refusal(f"line {node.lineno}: sets or deletes self.{attr}")
        read = READ.get(attr)
        if read is not None and not read.named:
            self.methods.add(attr)
            if read.by_index:
                self.uses.add("index")
                self.reads.add(attr)
                call = ast.Call(func=_name(attr, node), args=[_name("i", node)], keywords=[])
                return ast.copy_location(call, node)
            (self.uses if read.per_vertex else self.reads).add(attr)
            return _name(attr, node, store)
        if attr in ACTION or read is not None or attr.startswith("_"):
            raise Refusal(f"line {node.lineno}: reads self.{attr}")
        if attr not in self.parameters:
            self.parameters.append(attr)
        return _name("parameter_" + attr, node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.self_name:
            raise Refusal(f"line {node.lineno}: uses {self.self_name} other than {self.self_name}.<attribute>")
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if not isinstance(node.target, ast.Name):
            raise Refusal(f"line {node.lineno}: annotated assignment to other than a name")
        return self.generic_visit(node)


def _bound_names(statements: list[ast.stmt]) -> set[str]:
    """Names compute binds in its own scope (its local variables), minus those declared global."""
    bound: set[str] = set()
    declared_global: set[str] = set()
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.NamedExpr):
            bound.add(node.target.id)  # binds in compute's scope even inside a comprehension
        if isinstance(node, (*_NESTED_SCOPES, *_COMPREHENSIONS)):
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.NamedExpr) and node is not n)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return bound - declared_global


def _check_nested(scope: ast.AST, forbidden: set[str], skip: ast.AST | None = None) -> None:
    """A nested scope may run later, when compute's variables belong to another vertex: it must not read them."""
    skipped = set() if skip is None else {id(node) for node in ast.walk(skip)}
    for node in ast.walk(scope):
        if id(node) not in skipped and isinstance(node, ast.Name) and node.id in forbidden:
            raise Refusal(f"line {node.lineno}: a nested function, class or generator uses {node.id}")


_TEMPLATE = """
def {name}({p}order, {p}ids, {p}values, {p}degree, {p}messages, {p}bindings, {p}sinks{own}):
    {p}new_values = []
    {p}keep = {p}new_values.append
    for {targets} in zip({inputs}):
        pass
        {p}keep({p}value)
    return {p}new_values
"""

# the loop's inputs (the per-vertex reads, the vertex's position and its messages) → (argument, loop variable)
_INPUTS = {
    "messages": ("messages", ""),
    "index": ("order", "i"),
    "id": ("ids", "id"),
    "value": ("values", "value"),
    "out_degree": ("degree", "out_degree"),
}
assert {read.name for read in READS if read.per_vertex and not read.by_index} < _INPUTS.keys()


def _loop(
    definition: ast.FunctionDef, rewrite: _Rewrite, body: list[ast.stmt], hoisting: Hoisting | None = None
) -> ast.FunctionDef:
    """The loop function around the rewritten body; its own lines sit at compute's ``def`` line.

    With ``hoisting``, the invariant arithmetic is computed before the loop, or the
    plain loop runs instead when its operands are not all ints and floats or it raises
    (the plain loop and the check are the defaults of the loop's last two arguments).
    """
    inputs = [key for key in ("index", "id", "value", "out_degree") if key in rewrite.uses or key == "value"]
    own = "" if hoisting is None else f", {PREFIX}plain={PREFIX}plain, {PREFIX}numbers={PREFIX}numbers"
    source = _TEMPLATE.format(
        name=definition.name,
        p=PREFIX,
        own=own,
        targets=", ".join([_local(_INPUTS[k][1]) for k in inputs] + [rewrite.messages_name]),
        inputs=", ".join(_local(_INPUTS[k][0]) for k in inputs + ["messages"]),
    )
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    bindings, sinks = _local("bindings"), _local("sinks")
    prologue = [f"{_local(name)} = {bindings}.{name}" for name in sorted(rewrite.reads)]
    prologue += [f"{_local(field)} = {sinks}.{field}.append" for field in sorted(rewrite.sinks)]
    for name in rewrite.parameters:
        prologue.append(f"{_local('parameter_' + name)} = {bindings}.parameters[{name!r}]")
    for k, name in enumerate(rewrite.aggregated):
        prologue.append(f"{_local(f'aggregated_{k}')} = {bindings}.aggregated[{name!r}]")
    for k, (field, name) in enumerate(rewrite.named_sinks):
        prologue.append(f"{_local(f'{field}_{k}')} = {sinks}.{field}[{name!r}].append")
    if hoisting is not None:
        arguments = ", ".join(a.arg for a in function.args.args[:-2])
        plain = f"return {PREFIX}plain({arguments})"
        prologue.append(f"if not {PREFIX}numbers({', '.join(sorted(hoisting.operands))}):\n    {plain}")
        prologue.append("try:")
        prologue.extend(f"    {name} = {ast.unparse(expression)}" for name, expression in hoisting.hoisted)
        prologue.append(f"except Exception:\n    {plain}")
    function.body[:0] = ast.parse("\n".join(prologue)).body
    loop = function.body[-2]
    assert isinstance(loop, ast.For)
    loop.body[:1] = body
    users = {id(node) for statement in body for node in ast.walk(statement)}
    # the template's own nodes sit at compute's ``def``; the user's keep their places
    for node in ast.walk(function):
        if id(node) in users or "lineno" not in node._attributes:
            continue
        node.lineno, node.col_offset = definition.lineno, definition.col_offset  # type: ignore[attr-defined]
        node.end_lineno, node.end_col_offset = definition.lineno, definition.col_offset  # type: ignore[attr-defined]
    return function
