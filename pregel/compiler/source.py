"""The source of a ``compute``: its ``def``, proved to be the code that runs, and where to compile a rewrite of it."""

from __future__ import annotations
import __future__

import ast
import inspect
import linecache
import types
from typing import Any

from pregel.compiler.actions import ACTIONS
from pregel.compiler.failures import Refusal

_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


def api_class(cls: type) -> type:
    """The class of ``cls``'s ancestry that defines ``compute`` and every action: ``Vertex``.

    Found by what it defines, so that the compiler never imports the API.

    Examples
    --------
    >>> from pregel import Vertex
    >>> class Mine(Vertex):
    ...     def compute(self, messages):
    ...         pass
    >>> api_class(Mine) is Vertex
    True
    """
    names = {"compute", *(action.name for action in ACTIONS)}
    for ancestor in reversed(cls.__mro__):
        if names <= vars(ancestor).keys():
            return ancestor
    raise Refusal(f"{cls.__qualname__} is not a Vertex")


def compute_function(cls: type) -> types.FunctionType:
    """``cls``'s own ``compute``, a plain function (not the API's placeholder)."""
    api = api_class(cls)
    function = inspect.getattr_static(cls, "compute")
    if function is vars(api)["compute"]:
        raise Refusal("compute is not defined")
    if not isinstance(function, types.FunctionType):
        raise Refusal("compute is not a plain function")
    return function


def definition(function: types.FunctionType) -> ast.FunctionDef:
    """The ``def`` of ``function`` in its source file, checked to compile to the very same code."""
    code = function.__code__
    lines = linecache.getlines(code.co_filename, function.__globals__)
    if not lines:
        raise Refusal("the source of compute is not available")
    try:
        tree = ast.parse("".join(lines), code.co_filename)
    except SyntaxError:
        raise Refusal("the source file of compute does not parse") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == code.co_name and node.lineno == code.co_firstlineno:
            if node.decorator_list:
                break
            # the file may have changed since it was imported
            recompiled = compile_like(ast.Module(body=[node], type_ignores=[]), function)
            # (CO_NESTED differs for a class defined inside a function)
            if any(_same_code(c, code) for c in recompiled.co_consts):
                return node
            raise Refusal("the source file of compute changed after it was loaded")
    raise Refusal("compute is decorated or its source was not found")


def compile_like(module: ast.Module, function: types.FunctionType) -> types.CodeType:
    """Compile ``module`` as ``function``'s own file would be: same file name, same ``__future__`` imports."""
    code = function.__code__
    return compile(module, code.co_filename, "exec", flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True)


def _same_code(constant: Any, code: types.CodeType) -> bool:
    return isinstance(constant, types.CodeType) and constant.replace(co_flags=code.co_flags) == code
