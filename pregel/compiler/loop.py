"""Compile a ``Vertex`` subclass's ``compute`` into one loop over a partition's vertices.

The interpreter (:meth:`Vertex._compute_all`) points one object at each vertex in turn
and calls ``compute``; every ``self.value``, ``self.aggregate(...)`` or
``self.send_message_to_all_neighbors(...)`` is then an attribute lookup or a Python
call. Here the source of ``compute`` is rewritten (with :mod:`ast`) into the body of a
``for`` loop over the partition's vertices, in which ``self.id``, ``self.value``,
``self.out_degree``, ``self.superstep``, ``self.num_vertices`` and the parameters are
local variables and the actions are appends to local lists. Statements run in the same
order with the same side effects, and the rewritten nodes keep their file and line, so
a traceback still points at the user's line.

Whatever the rewrite cannot prove safe makes the class fall back to the interpreter
(:func:`fallback_reason` says why): no source, a decorated compute, closures and
``super()``, any other use of ``self``, nested functions or generators that read
compute's variables, ``yield``, a local that may be read before it is assigned (each
vertex starts with fresh locals in the interpreter; here locals outlive a vertex), a
subclass that redefines part of the API, and so on.
"""

from __future__ import annotations
import __future__

import ast
import inspect
import linecache
import types
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.compiler.definite import Assigned, NotDefinite
from pregel.compiler.hoist import Hoisting

if TYPE_CHECKING:
    from collections.abc import Callable

    from pregel.api.vertex import Vertex

# The rewritten compute's own variables; a user name with this prefix forces the fallback.
PREFIX = "_pregel_"
# self.<attribute> → the loop's local of the same meaning
_READS = {"id", "value", "out_degree", "superstep", "num_vertices"}
# Attribute hooks that would see the interpreter's ``self.value = ...``.
_HOOKS = ("__getattribute__", "__getattr__", "__setattr__")
_ACTIONS = ("send_message", "send_message_to_all_neighbors", "vote_to_halt", "aggregate", "aggregated")
# Names whose behaviour depends on the frame they run in.
_FRAME_NAMES = {"locals", "vars", "eval", "exec", "dir", "super", "__class__", "breakpoint"}
_NESTED_SCOPES = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.GeneratorExp)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp)
_IMMUTABLE = (int, float, complex, bool, str, bytes, type(None))
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


class _Unsafe(Exception):
    """The rewrite cannot be proved to behave exactly like the interpreter."""


@dataclass(frozen=True)
class PartitionLoop:
    """A compiled compute: ``run(order, ids, values, degree, messages, env)`` returns the new values.

    ``order``, ``ids``, ``values``, ``degree`` and ``messages`` are aligned lists (local
    index, original id, value, out-degree, messages) of the vertices that compute;
    ``env`` holds what :meth:`bindings` returns plus the lists the actions append to.
    ``uses`` names the inputs read ("index", "id", "out_degree"); the others may be None.
    """

    run: Callable[..., list[Any]]
    plain: Callable[..., list[Any]]
    uses: frozenset[str]
    parameters: tuple[str, ...]
    aggregated: tuple[str, ...]
    aggregates: tuple[str, ...]

    def bindings(self, program: Vertex, aggregated: dict[str, Any]) -> dict[str, Any] | None:
        """Parameter and aggregator values for one superstep; None when only the interpreter would be exact.

        That is when a parameter is no longer an immutable plain value or an
        aggregator is missing (the interpreter then raises the error it always raised).
        """
        env: dict[str, Any] = {"plain": self.plain, "numbers": _numbers}
        for name in self.parameters:
            value = program.__dict__.get(name, _MISSING)
            if value is _MISSING:
                value = inspect.getattr_static(program, name, _MISSING)
            if not _immutable(value):
                return None
            env["parameter:" + name] = value
        declared = program.aggregators
        if not all(name in declared for name in self.aggregates + self.aggregated):
            return None
        if not all(name in aggregated for name in self.aggregated):
            return None
        env.update({f"aggregated:{name}": aggregated[name] for name in self.aggregated})
        return env


_MISSING = object()


class PerClass:
    """What ``build(cls)`` makes of each class, or the reason it raised ``refusal`` with (kept per class).

    Examples
    --------
    >>> lengths = PerClass(lambda cls: len(cls.__name__), ValueError)
    >>> lengths.built(int), lengths.reason(int)
    (3, None)
    """

    def __init__(self, build: Callable[[type], Any], refusal: type[Exception]) -> None:
        self.build = build
        self.refusal = refusal
        self.made: weakref.WeakKeyDictionary[type, Any] = weakref.WeakKeyDictionary()

    def built(self, cls: type) -> Any:
        """What ``build`` made of ``cls``, or None if it refused."""
        made = self.get(cls)
        return None if isinstance(made, str) else made

    def reason(self, cls: type) -> str | None:
        """Why ``build`` refused ``cls``, or None if it did not."""
        made = self.get(cls)
        return made if isinstance(made, str) else None

    def get(self, cls: type) -> Any:
        try:
            return self.made[cls]
        except KeyError:
            pass
        try:
            made = self.build(cls)
        except self.refusal as refused:
            made = str(refused)
        self.made[cls] = made
        return made


def partition_loop(cls: type[Vertex]) -> PartitionLoop | None:
    """The compiled loop of a ``Vertex`` subclass, or None when it must be interpreted (cached per class).

    Examples
    --------
    >>> from pregel import Vertex
    >>> class Halt(Vertex):
    ...     def compute(self, messages):
    ...         self.vote_to_halt()
    >>> partition_loop(Halt).uses
    frozenset({'index'})
    """
    return _compiled.built(cls)


def fallback_reason(cls: type[Vertex]) -> str | None:
    """Why ``cls.compute`` runs in the interpreter, or None if it is compiled.

    Examples
    --------
    >>> from pregel import Vertex
    >>> class Chatty(Vertex):
    ...     def compute(self, messages):
    ...         print(self)
    >>> fallback_reason(Chatty)
    'line 3: uses self other than self.<attribute>'
    """
    return _compiled.reason(cls)


def _compile(cls: type[Vertex]) -> PartitionLoop:
    from pregel.api.vertex import Vertex

    function = inspect.getattr_static(cls, "compute")
    if function is Vertex.compute:
        raise _Unsafe("compute is not defined")
    if not isinstance(function, types.FunctionType):
        raise _Unsafe("compute is not a plain function")
    code = function.__code__
    if code.co_freevars:
        raise _Unsafe(f"compute uses variables of an enclosing scope or super(): {', '.join(code.co_freevars)}")
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        raise _Unsafe("compute is a generator or coroutine")
    definition = _definition(function)
    args = definition.args
    if args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg or args.defaults or len(args.args) != 2:
        raise _Unsafe("compute must take exactly (self, messages)")
    rewrite = _Rewrite(args.args[0].arg, args.args[1].arg)
    body = rewrite.body(definition.body)
    for name in (*rewrite.methods, *_HOOKS):
        if inspect.getattr_static(cls, name, _MISSING) is not inspect.getattr_static(Vertex, name, _MISSING):
            raise _Unsafe(f"the class redefines {name}")
    for name in rewrite.parameters:
        declared = inspect.getattr_static(cls, name, None)
        if callable(declared) or hasattr(declared, "__get__"):
            raise _Unsafe(f"compute reads self.{name}, which is not a parameter")
    invariant = {_local(name) for name in ("superstep", "num_vertices")}
    invariant |= {_local("parameter_" + name) for name in rewrite.parameters}
    invariant |= {_local(f"aggregated_{k}") for k in range(len(rewrite.aggregated))}
    hoisting = Hoisting(invariant, _local("hoisted_"))
    hoisted = hoisting.body(body)
    plain = _function(_loop(definition, rewrite, body), function)
    run = plain if not hoisting.hoisted else _function(_loop(definition, rewrite, hoisted, hoisting), function)
    return PartitionLoop(
        run,
        plain,
        frozenset(rewrite.uses),
        tuple(rewrite.parameters),
        tuple(rewrite.aggregated),
        tuple(rewrite.aggregates),
    )


def _function(definition: ast.FunctionDef, user: types.FunctionType) -> Callable[..., list[Any]]:
    """Compile a generated loop in the user's file and module (their globals, their line numbers)."""
    code = user.__code__
    module = ast.Module(body=[definition], type_ignores=[])
    namespace: dict[str, Any] = {}
    flags = code.co_flags & _FUTURE_FLAGS
    exec(compile(module, code.co_filename, "exec", flags=flags, dont_inherit=True), user.__globals__, namespace)
    return namespace[definition.name]


def _definition(function: types.FunctionType) -> ast.FunctionDef:
    """The ``def`` of ``function`` in its source file, checked to compile to the very same code."""
    code = function.__code__
    lines = linecache.getlines(code.co_filename, function.__globals__)
    if not lines:
        raise _Unsafe("the source of compute is not available")
    try:
        tree = ast.parse("".join(lines), code.co_filename)
    except SyntaxError:
        raise _Unsafe("the source file of compute does not parse") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == code.co_name and node.lineno == code.co_firstlineno:
            if node.decorator_list:
                break
            # the file may have changed since it was imported
            module = ast.Module(body=[node], type_ignores=[])
            flags = code.co_flags & _FUTURE_FLAGS
            recompiled = compile(module, code.co_filename, "exec", flags=flags, dont_inherit=True)
            # (CO_NESTED differs for a class defined inside a function)
            if any(_same_code(c, code) for c in recompiled.co_consts):
                return node
            raise _Unsafe("the source file of compute changed after it was loaded")
    raise _Unsafe("compute is decorated or its source was not found")


_compiled = PerClass(_compile, _Unsafe)


def _same_code(constant: Any, code: types.CodeType) -> bool:
    return isinstance(constant, types.CodeType) and constant.replace(co_flags=code.co_flags) == code


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
    """Rewrites compute's body into a loop body and records what it needs; raises _Unsafe."""

    def __init__(self, self_name: str, messages_name: str) -> None:
        self.self_name = self_name
        self.messages_name = messages_name
        self.uses: set[str] = set()
        self.methods: set[str] = set()
        self.parameters: list[str] = []
        self.aggregated: list[str] = []
        self.aggregates: list[str] = []
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
            raise _Unsafe(f"compute assigns {self.self_name}")
        try:
            Assigned(local_names - {self.self_name}).block(statements, {self.messages_name})
        except NotDefinite as reason:
            raise _Unsafe(str(reason)) from None
        return self._statements(statements)

    def _check_names(self, node: ast.AST, local_names: set[str]) -> None:
        identifier = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        if isinstance(node, ast.arg):
            identifier = node.arg
        if not isinstance(identifier, str):
            if isinstance(node, ast.Nonlocal):
                raise _Unsafe(f"line {node.lineno}: nonlocal")
            if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
                raise _Unsafe(f"line {node.lineno}: yield or await")
            return
        if identifier.startswith(PREFIX):
            raise _Unsafe(f"line {node.lineno}: the name {identifier} is reserved for the compiled loop")
        if identifier.startswith("__") and not identifier.endswith("__"):
            raise _Unsafe(f"line {node.lineno}: {identifier} would be name-mangled")
        if isinstance(node, ast.Name) and identifier in _FRAME_NAMES and identifier not in local_names:
            raise _Unsafe(f"line {node.lineno}: {identifier} depends on the frame it runs in")

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
            raise _Unsafe(f"line {node.lineno}: return inside a loop or try/finally")
        out: list[ast.stmt] = []
        if node.value is not None:
            out.append(ast.copy_location(ast.Expr(value=self.visit(node.value)), node))
        out.append(_call("keep", [_name("value", node)], node))
        out.append(ast.copy_location(ast.Continue(), node))
        return out

    def visit_Expr(self, node: ast.Expr) -> ast.AST | list[ast.stmt]:
        call = node.value
        method = self._method(call.func) if isinstance(call, ast.Call) else None
        if method is None or method == "aggregated":
            return self.generic_visit(node)
        assert isinstance(call, ast.Call)
        arity = {"send_message": 2, "send_message_to_all_neighbors": 1, "vote_to_halt": 0, "aggregate": 2}[method]
        if call.keywords or len(call.args) != arity or any(isinstance(a, ast.Starred) for a in call.args):
            raise _Unsafe(f"line {node.lineno}: {method} called with other than {arity} positional arguments")
        self.methods.add(method)
        args = [self.visit(arg) for arg in call.args]
        if method == "vote_to_halt":
            self.uses.add("index")
            return _call("halt", [_name("i", node)], node)
        if method == "send_message_to_all_neighbors":
            # the value first: if computing it raises, nothing was appended
            self.uses.add("index")
            return [_call("broadcast_value", args, node), _call("broadcast_sender", [_name("i", node)], node)]
        if method == "send_message":
            target = ast.copy_location(ast.Assign(targets=[_name("target", node, store=True)], value=args[0]), node)
            return [target, _call("send_value", [args[1]], node), _call("send_target", [_name("target", node)], node)]
        name = self._aggregator(call, self.aggregates)
        return _call(f"contribute_{name}", args[1:], node)

    # ------------------------------------------------------------ expressions
    def _method(self, func: ast.expr) -> str | None:
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self.self_name:
            return func.attr if func.attr in _ACTIONS else None
        return None

    def _aggregator(self, call: ast.Call, names: list[str]) -> int:
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            raise _Unsafe(f"line {call.lineno}: the aggregator name is not a string constant")
        if first.value not in names:
            names.append(first.value)
        return names.index(first.value)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        method = self._method(node.func)
        if method is None:
            return self.generic_visit(node)
        if method != "aggregated":
            raise _Unsafe(f"line {node.lineno}: {method} is used as a value, not called as a statement")
        if node.keywords or len(node.args) != 1:
            raise _Unsafe(f"line {node.lineno}: aggregated called with other than one positional argument")
        self.methods.add(method)
        return _name(f"aggregated_{self._aggregator(node, self.aggregated)}", node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if not (isinstance(node.value, ast.Name) and node.value.id == self.self_name):
            return self.generic_visit(node)
        attr, store = node.attr, isinstance(node.ctx, ast.Store)
        if store and attr != "value" or isinstance(node.ctx, ast.Del):
            raise _Unsafe(f"line {node.lineno}: sets or deletes self.{attr}")
        if attr in _READS:
            self.uses.add(attr)
            self.methods.add(attr)
            return _name(attr, node, store)
        if attr == "out_edges":
            self.uses.add("index")
            self.methods.add(attr)
            call = ast.Call(func=_name("out_edges", node), args=[_name("i", node)], keywords=[])
            return ast.copy_location(call, node)
        if attr in _ACTIONS or attr.startswith("_"):
            raise _Unsafe(f"line {node.lineno}: reads self.{attr}")
        if attr not in self.parameters:
            self.parameters.append(attr)
        return _name("parameter_" + attr, node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.self_name:
            raise _Unsafe(f"line {node.lineno}: uses {self.self_name} other than {self.self_name}.<attribute>")
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if not isinstance(node.target, ast.Name):
            raise _Unsafe(f"line {node.lineno}: annotated assignment to other than a name")
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
            raise _Unsafe(f"line {node.lineno}: a nested function, class or generator uses {node.id}")


_TEMPLATE = """
def {name}({prefix}order, {prefix}ids, {prefix}values, {prefix}degree, {prefix}messages, {prefix}env):
    {prefix}new_values = []
    {prefix}keep = {prefix}new_values.append
    for {targets} in zip({inputs}):
        pass
        {prefix}keep({prefix}value)
    return {prefix}new_values
"""

# loop input → (argument, loop variable)
_INPUTS = {
    "messages": ("messages", ""),
    "index": ("order", "i"),
    "id": ("ids", "id"),
    "value": ("values", "value"),
    "out_degree": ("degree", "out_degree"),
}
# env key → local, for every action or read the body uses
_ENV = {
    "superstep": ("superstep",),
    "num_vertices": ("num_vertices",),
    "vote_to_halt": ("halt",),
    "send_message_to_all_neighbors": ("broadcast_value", "broadcast_sender"),
    "send_message": ("send_value", "send_target"),
    "out_edges": ("out_edges",),
}


def _loop(
    definition: ast.FunctionDef, rewrite: _Rewrite, body: list[ast.stmt], hoisting: Hoisting | None = None
) -> ast.FunctionDef:
    """The loop function around the rewritten body; its own lines sit at compute's ``def`` line.

    With ``hoisting``, the invariant arithmetic is computed before the loop, or the
    plain loop runs instead when its operands are not all ints and floats or it raises.
    """
    inputs = [key for key in ("index", "id", "value", "out_degree") if key in rewrite.uses or key == "value"]
    source = _TEMPLATE.format(
        name=definition.name,
        prefix=PREFIX,
        targets=", ".join([_local(_INPUTS[k][1]) for k in inputs] + [rewrite.messages_name]),
        inputs=", ".join(_local(_INPUTS[k][0]) for k in inputs + ["messages"]),
    )
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    prologue = []
    for key, locals_ in _ENV.items():
        if key in rewrite.methods:
            for local in locals_:
                prologue.append(f"{PREFIX}{local} = {PREFIX}env[{local!r}]")
    for name in rewrite.parameters:
        prologue.append(f"{PREFIX}parameter_{name} = {PREFIX}env['parameter:{name}']")
    for k, name in enumerate(rewrite.aggregated):
        prologue.append(f"{PREFIX}aggregated_{k} = {PREFIX}env[{'aggregated:' + name!r}]")
    for k, name in enumerate(rewrite.aggregates):
        prologue.append(f"{PREFIX}contribute_{k} = {PREFIX}env[{'contribute:' + name!r}]")
    if hoisting is not None:
        plain = f"return {PREFIX}env['plain']({', '.join(a.arg for a in function.args.args)})"
        prologue.append(f"if not {PREFIX}env['numbers']({', '.join(sorted(hoisting.operands))}):\n    {plain}")
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
