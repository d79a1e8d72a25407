"""Loop-invariant arithmetic in a compiled ``compute``, computed once per superstep.

In PageRank's ``(1 - self.damping) / n + ... + self.aggregated("dangling") / n`` two
of the five operations give the same number for every vertex. After
:mod:`pregel.compiler.loop` has turned parameters, ``superstep``, ``num_vertices`` and
aggregated values into locals of the partition loop, this module replaces each largest
``+ - * /`` expression over those locals, number constants and locals assigned once from
them at the top of ``compute`` (such as ``n = self.num_vertices``) by a local computed
before the loop.

That is exact only when the operands are plain ``int`` or ``float`` (their arithmetic
is pure and deterministic) and the expression does not raise (a vertex that never
reaches it must not see an error). The loop's prologue checks both and otherwise runs
the loop without hoisting, which evaluates everything per vertex as written.
"""

from __future__ import annotations

import ast
import copy

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_SIGNS = (ast.USub, ast.UAdd)
_SCOPES = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_SCOPES += (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Hoisting(ast.NodeTransformer):
    """Replace invariant arithmetic in a loop body by names; ``hoisted`` holds (name, expression) pairs.

    ``invariant`` are the names that hold one value for the whole loop; ``prefix``
    starts the names of the hoisted values.

    Examples
    --------
    >>> body = ast.parse("n = N\\nr = (1 - d) / n + d * m").body
    >>> hoisting = Hoisting({"N", "d"}, "h_")
    >>> print(ast.unparse(hoisting.body(body)))
    n = N
    r = h_0 + d * m
    >>> [(name, ast.unparse(e)) for name, e in hoisting.hoisted]
    [('h_0', '(1 - d) / N')]
    >>> sorted(hoisting.operands)
    ['N', 'd']
    """

    def __init__(self, invariant: set[str], prefix: str) -> None:
        self.invariant = invariant
        self.prefix = prefix
        self.aliases: dict[str, ast.expr] = {}
        self.hoisted: list[tuple[str, ast.expr]] = []
        self.operands: set[str] = set()

    def body(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        """The statements with invariant arithmetic replaced (the input is left as it was)."""
        statements = copy.deepcopy(statements)
        bindings: dict[str, int] = {}
        for node in ast.walk(ast.Module(body=statements, type_ignores=[])):
            for name in _binds(node):
                bindings[name] = bindings.get(name, 0) + 1
        for statement in statements:
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and bindings.get(statement.targets[0].id) == 1
                and self._invariant(statement.value)
            ):
                self.aliases[statement.targets[0].id] = self._expand(statement.value)
        return [self.visit(statement) for statement in statements]

    def _invariant(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.invariant or node.id in self.aliases
        if isinstance(node, ast.Constant):
            return type(node.value) in (int, float)
        if isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC):
            return self._invariant(node.left) and self._invariant(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, _SIGNS):
            return self._invariant(node.operand)
        return False

    def _expand(self, node: ast.expr) -> ast.expr:
        """The expression with aliases replaced by what they were assigned."""
        node = copy.deepcopy(node)
        for child in ast.walk(node):
            for field, value in ast.iter_fields(child):
                if isinstance(value, ast.Name) and value.id in self.aliases:
                    setattr(child, field, copy.deepcopy(self.aliases[value.id]))
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return copy.deepcopy(self.aliases[node.id])
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, _SCOPES):
            return node
        return super().generic_visit(node)

    def _hoist(self, node: ast.BinOp | ast.UnaryOp) -> ast.AST:
        if not self._invariant(node):
            return self.generic_visit(node)
        expression = self._expand(node)
        self.operands.update(n.id for n in ast.walk(expression) if isinstance(n, ast.Name))
        name = f"{self.prefix}{len(self.hoisted)}"
        self.hoisted.append((name, expression))
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    visit_BinOp = visit_UnaryOp = _hoist


def _binds(node: ast.AST) -> list[str]:
    """Names a node binds (for counting how often each local is assigned)."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return [node.id]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, ast.Global):
        return list(node.names) * 2  # a global is never an alias
    return []
