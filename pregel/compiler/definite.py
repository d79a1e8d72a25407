"""Definite assignment: is every local variable assigned before each read, on every path?

The compiled loop of :mod:`pregel.compiler.loop` keeps a vertex's locals until the next
vertex overwrites them, where the interpreter starts each ``compute`` with none. The
two agree only if no read can come before an assignment (which the interpreter would
report as ``UnboundLocalError``); this module proves that, conservatively.
"""

from __future__ import annotations

import ast

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class NotDefinite(Exception):
    """A local may be read before it is assigned, or a statement is beyond this analysis."""


class Assigned:
    """Definite assignment: every read of a local must follow its assignment on every path.

    Each vertex runs compute with fresh locals in the interpreter; in the compiled loop
    they survive from the previous vertex, so a read that might precede the assignment
    (an UnboundLocalError in the interpreter) would see another vertex's value.
    ``block`` returns the names assigned after the statements, or None when they
    always end in return, raise, break or continue.

    Examples
    --------
    >>> body = ast.parse("if m:\\n    x = m\\ny = x").body
    >>> Assigned({"m", "x", "y"}).block(body, {"m"})
    Traceback (most recent call last):
    ...
    pregel.compiler.definite.NotDefinite: line 3: x may be read before it is assigned
    >>> sorted(Assigned({"m", "x"}).block(ast.parse("x = m").body, {"m"}))
    ['m', 'x']
    """

    def __init__(self, local_names: set[str]) -> None:
        self.local_names = local_names

    def block(self, statements: list[ast.stmt], assigned: set[str] | None) -> set[str] | None:
        for statement in statements:
            if assigned is None:
                return None
            assigned = self.statement(statement, assigned)
        return assigned

    def reads(self, node: ast.AST | None, assigned: set[str]) -> set[str]:
        """Check the reads of an expression; return the names its unconditional walruses bind."""
        if node is None:
            return set()
        for name in _loads(node):
            if name in self.local_names and name not in assigned:
                raise NotDefinite(f"line {node.lineno}: {name} may be read before it is assigned")  # type: ignore[attr-defined]
        return _walrus_targets(node)

    def targets(self, target: ast.AST, assigned: set[str]) -> set[str]:
        """Check the reads inside an assignment target; return the names it binds."""
        if isinstance(target, ast.Name):
            return {target.id}
        if isinstance(target, (ast.Tuple, ast.List)):
            return set().union(*(self.targets(t, assigned) for t in target.elts))
        if isinstance(target, ast.Starred):
            return self.targets(target.value, assigned)
        self.reads(target, assigned)
        return set()

    def statement(self, node: ast.stmt, assigned: set[str]) -> set[str] | None:  # noqa: C901, PLR0911, PLR0912
        if isinstance(node, (ast.Return, ast.Raise)):
            for child in ast.iter_child_nodes(node):
                self.reads(child, assigned)
            return None
        if isinstance(node, (ast.Break, ast.Continue)):
            return None
        if isinstance(node, (ast.Pass, ast.Global)):
            return assigned
        if isinstance(node, (ast.Expr, ast.Assert)):
            return assigned | self.reads(node.value if isinstance(node, ast.Expr) else node.test, assigned)
        if isinstance(node, ast.Assign):
            assigned = assigned | self.reads(node.value, assigned)
            for target in node.targets:
                assigned = assigned | self.targets(target, assigned)
            return assigned
        if isinstance(node, ast.AugAssign):
            self.reads(node.value, assigned)
            self.reads(ast.copy_location(ast.Name(id=_target_name(node.target), ctx=ast.Load()), node), assigned)
            return assigned | self.targets(node.target, assigned)
        if isinstance(node, ast.AnnAssign):
            if node.value is None:
                return assigned
            return assigned | self.reads(node.value, assigned) | self.targets(node.target, assigned)
        if isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.reads(ast.copy_location(ast.Name(id=target.id, ctx=ast.Load()), target), assigned)
                    assigned = assigned - {target.id}
                else:
                    self.reads(target, assigned)
            return assigned
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return assigned | {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        if isinstance(node, ast.If):
            assigned = assigned | self.reads(node.test, assigned)
            return _meet(self.block(node.body, assigned), self.block(node.orelse, assigned))
        if isinstance(node, ast.For):
            self.reads(node.iter, assigned)
            inside = assigned | self.targets(node.target, assigned)
            self.block(node.body, inside)
            self.block(node.orelse, assigned)
            return assigned  # the body may not run; the else clause may be skipped by break
        if isinstance(node, ast.While):
            test = assigned | self.reads(node.test, assigned)
            self.block(node.body, test)
            self.block(node.orelse, test)
            return test
        if isinstance(node, ast.With):
            for item in node.items:
                assigned = assigned | self.reads(item.context_expr, assigned)
                if item.optional_vars is not None:
                    assigned = assigned | self.targets(item.optional_vars, assigned)
            self.block(node.body, assigned)
            return assigned  # __exit__ may swallow an exception half-way through the body
        if isinstance(node, ast.Try):
            after_body = self.block(node.orelse, self.block(node.body, assigned))
            paths = [after_body]
            for handler in node.handlers:
                self.reads(handler.type, assigned)
                caught = assigned | ({handler.name} if handler.name else set())
                result = self.block(handler.body, caught)
                paths.append(None if result is None else result - {handler.name or ""})
            after = paths[0]
            for path in paths[1:]:
                after = _meet(after, path)
            final = self.block(node.finalbody, assigned)
            return None if after is None or final is None else after | final
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            for child in node.decorator_list:
                self.reads(child, assigned)
            if isinstance(node, ast.ClassDef):
                for child in node.bases + [k.value for k in node.keywords]:
                    self.reads(child, assigned)
            else:
                for child in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                    self.reads(child, assigned)
            return assigned | {node.name}
        raise NotDefinite(f"line {node.lineno}: {type(node).__name__} statements are not compiled")


def _meet(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _target_name(target: ast.expr) -> str:
    return target.id if isinstance(target, ast.Name) else ""


def _loads(node: ast.AST) -> list[str]:
    """Names an expression reads from compute's scope (not those local to its comprehensions or lambdas)."""
    if isinstance(node, ast.Name):
        return [node.id] if isinstance(node.ctx, ast.Load) else []
    if isinstance(node, ast.Lambda):
        return [n for d in node.args.defaults + [k for k in node.args.kw_defaults if k] for n in _loads(d)]
    if isinstance(node, _COMPREHENSIONS):
        own = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        return [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id not in own]
    return [name for child in ast.iter_child_nodes(node) for name in _loads(child)]


def _walrus_targets(node: ast.AST) -> set[str]:
    """Names bound by ``:=`` in parts of an expression that always run."""
    if isinstance(node, ast.NamedExpr):
        return {node.target.id} | _walrus_targets(node.value)
    if isinstance(node, ast.BoolOp):
        return _walrus_targets(node.values[0])
    if isinstance(node, ast.IfExp):
        return _walrus_targets(node.test)
    if isinstance(node, (ast.Lambda, *_COMPREHENSIONS)):
        return set()
    return set().union(*(_walrus_targets(child) for child in ast.iter_child_nodes(node)))
