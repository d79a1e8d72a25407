"""Loading a user's own vertex program for ``pregel run FILE.py:ClassName``.

The file is imported as a module of its own (it need not be on the import path); the
class must subclass :class:`~pregel.Vertex` or :class:`~pregel.BatchProgram`.
Parameters come from ``--param name=value`` (values read as Python literals, else as
text). Every mistake is an :class:`~pregel.errors.InputError` naming the file.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import numbers
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pregel.api.batch import BatchProgram
from pregel.api.vertex import Vertex
from pregel.core.program import Program
from pregel.errors import InputError, ProgramError

_BASES = (Program, Vertex, BatchProgram)


def load_program(spec: str, params: list[str] | None = None) -> Program:
    """The program ``FILE.py:ClassName`` names, made with ``name=value`` parameters.

    ``:ClassName`` may be left out when the file defines exactly one program.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "hops.py")
    >>> _ = open(path, "w").write(
    ...     "from pregel import Vertex, Min\\n"
    ...     "class Hops(Vertex):\\n"
    ...     "    combiner = Min\\n"
    ...     "    limit = 3\\n"
    ...     "    def compute(self, messages):\\n"
    ...     "        self.vote_to_halt()\\n"
    ... )
    >>> load_program(f"{path}:Hops", ["limit=5"]).limit
    5
    >>> load_program(path, ["limt=5"])
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: --param limt: Hops has no parameter 'limt' (its parameters: limit)
    """
    path_text, _, class_name = spec.rpartition(":") if _names_class(spec) else (spec, "", "")
    module = _import_file(Path(path_text))
    cls = _find_class(module, Path(path_text), class_name)
    try:
        return _instantiate(cls, parse_params(params or []))
    except ProgramError as exc:
        raise ProgramError(naming_program(spec, str(exc))) from None


def naming_program(spec: str, message: str) -> str:
    """A mistake of the program ``FILE.py[:ClassName]`` names, as a message that starts with its file.

    Examples
    --------
    >>> naming_program("hops.py:Hops", "aggregator 'totl' is not declared in Hops.aggregators")
    "hops.py: aggregator 'totl' is not declared in Hops.aggregators"
    """
    path = spec.rpartition(":")[0] if _names_class(spec) else spec
    return f"{path}: {message}"


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["source=7", "label=a b"]`` → ``{"source": 7, "label": "a b"}``.

    Values are Python literals (numbers, ``True``, strings in quotes, lists...); anything
    else is taken as text.

    Examples
    --------
    >>> parse_params(["source=7", "alpha=0.5", "name=web", "flag=True"])
    {'source': 7, 'alpha': 0.5, 'name': 'web', 'flag': True}
    """
    params: dict[str, Any] = {}
    for name, text in _texts(items).items():
        try:
            params[name] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            params[name] = text
    return params


def for_graph(program: Program, items: list[str], labelled: bool) -> Program:
    """``program`` with the vertex parameters ``--param`` gave read as the graph names its vertices.

    In a graph of string ids a bare value is a label, number or not: ``--param source=7``
    names the vertex ``"7"``, as ``--source 7`` does (``None`` stays None; a list is a
    Python literal, its labels in quotes). In a graph of integer ids they must be
    integers (or None). A label the graph lacks is refused later, by
    :meth:`~pregel.core.program.Program.on_graph`.

    Raises
    ------
    InputError
        If a vertex parameter of a graph of integer ids is not an integer.

    Examples
    --------
    >>> class Hops(Vertex):
    ...     source = 0
    ...     vertex_parameters = ("source",)
    >>> for_graph(Hops(**parse_params(["source=7"])), ["source=7"], labelled=True).source
    '7'
    >>> for_graph(Hops(source="ann"), ["source=ann"], labelled=False)
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: --param source=ann: 'ann' is not an integer vertex id (the graph's ids are integers)
    """
    texts = _texts(items)
    params = dict(program.params)
    for name in program.vertex_parameters:
        if name not in texts:
            continue
        given = params[name]
        many = isinstance(given, (list, tuple, set, frozenset))
        if labelled and not many and not isinstance(given, str) and given is not None:
            params[name] = texts[name].strip()
        elif not labelled:
            odd = next((v for v in (given if many else [given]) if not _is_id(v)), _NONE)
            if odd is not _NONE:
                raise InputError(
                    f"--param {name}={texts[name]}: {odd!r} is not an integer vertex id (the graph's ids are integers)"
                )
    return program if params == program.params else type(program)(**params)


_NONE = object()


def _is_id(value: Any) -> bool:
    """Whether ``value`` can name a vertex of a graph of integer ids (None names none)."""
    return value is None or isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _texts(items: list[str]) -> dict[str, str]:
    """``name=value`` items as name → the text of the value, each name once."""
    texts: dict[str, str] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise InputError(f"--param {item}: expected name=value, e.g. --param source=1")
        if name in texts:
            raise InputError(f"--param {name} is given twice")
        texts[name] = text
    return texts


def parameters_of(cls: type[Program]) -> dict[str, Any]:
    """The parameters a program class declares (name → default).

    Examples
    --------
    >>> from pregel.algorithms.sssp import ShortestPaths
    >>> parameters_of(ShortestPaths)
    {'source': None, 'sources': ()}
    """
    reserved = set(dir(BatchProgram)) | set(dir(Vertex))
    found = {}
    for name in dir(cls):
        if name.startswith("_") or name in reserved:
            continue
        value = inspect.getattr_static(cls, name)
        if not callable(value) and not isinstance(value, (property, staticmethod, classmethod)):
            found[name] = value
    return found


def _names_class(spec: str) -> bool:
    """Whether ``spec`` ends in ``:ClassName`` (and is not just a Windows drive letter)."""
    head, sep, tail = spec.rpartition(":")
    return bool(sep) and tail.isidentifier() and len(head) > 1


def _import_file(path: Path) -> ModuleType:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a Python file")
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    name = f"pregel_user_{_identifier(path.stem)}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{path}: cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    # registered so that dataclasses, pickling and tracebacks can find the module
    sys.modules[name] = module
    # as `python mine.py` runs a script: no __pycache__ left beside the user's file
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise InputError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:
        sys.modules.pop(name, None)
        raise InputError(f"{path}: importing it failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.dont_write_bytecode = writes
    return module


def _find_class(module: ModuleType, path: Path, class_name: str) -> type[Program]:
    programs = [
        value.__name__
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Program)
        and value not in _BASES
        and value.__module__ == module.__name__
    ]
    listing = f"programs in it: {', '.join(programs)}" if programs else "it defines no Vertex or BatchProgram subclass"
    if not class_name and not programs:
        raise InputError(f"{path}: defines no vertex program (a subclass of pregel.Vertex or BatchProgram)")
    if not class_name:
        if len(programs) != 1:
            raise InputError(f"{path}: name the program as {path}:ClassName ({listing})")
        class_name = programs[0]
    cls = getattr(module, class_name, None)
    if cls is None:
        raise InputError(f"{path}: no class {class_name!r} ({listing})")
    if not isinstance(cls, type) or not issubclass(cls, (Vertex, BatchProgram)) or cls in _BASES:
        raise InputError(f"{path}: {class_name} is not a vertex program (subclass pregel.Vertex or BatchProgram)")
    return cls


def _instantiate(cls: type[Program], params: dict[str, Any]) -> Program:
    declared = parameters_of(cls)
    for name, value in params.items():
        if name not in declared:
            have = ", ".join(declared) or "none"
            raise InputError(f"--param {name}: {cls.__name__} has no parameter {name!r} (its parameters: {have})")
        default = declared[name]
        # a vertex may be named by a label, whatever the default: the graph decides (for_graph)
        if name not in cls.vertex_parameters and _is_number(default) and not _is_number(value):
            raise InputError(f"--param {name}={value!r}: {cls.__name__}.{name} is a number (default {default!r})")
    return cls(**params)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _identifier(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)
