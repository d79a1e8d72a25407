"""`pregel --help` and every command's help give each option's default, and README's usage lists them all."""

from __future__ import annotations

import argparse
import re

import pytest

from pregel.cli.main import build_parser
from tests.conftest import ROOT


def _children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _commands() -> dict[str, argparse.ArgumentParser]:
    """Every command a person types, ``viz pagerank`` included."""
    found = {}
    for name, parser in _children(build_parser()).items():
        found[name] = parser
        found.update({f"{name} {sub}": child for sub, child in _children(parser).items()})
    return found


def _options(parser: argparse.ArgumentParser) -> set[str]:
    own = {
        max(a.option_strings, key=len)
        for a in parser._actions
        if a.option_strings and not isinstance(a, argparse._HelpAction)
    }
    return own.union(*(_options(child) for child in _children(parser).values()))


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_option_says_its_default(name):
    for action in _commands()[name]._actions:
        if action.option_strings and not isinstance(action, argparse._HelpAction):
            assert re.search(r"\bdefault\b|\brequired\b", action.help or ""), (name, action.option_strings)


@pytest.mark.parametrize("name", sorted(_commands()))
def test_help_prints_through_the_command(name, run_cli):
    done = run_cli(*name.split(), "--help")
    assert done.returncode == 0 and done.stderr == b""
    text = " ".join(done.stdout.decode().split())  # argparse wraps lines anywhere
    for option in _options(_commands()[name]) if not _children(_commands()[name]) else ():
        assert option in text


def test_readme_usage_lists_every_command_and_option():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## The command line", 1)[1].split("```", 2)[1]
    listed: dict[str, set[str]] = {}
    common: set[str] = set()
    common_for: set[str] = set()
    current = None
    for line in block.splitlines():
        words = line.split()
        if words[:1] == ["pregel"]:
            current = words[1]
            listed[current] = set()
        elif line.startswith("common to"):
            current = None
            common_for = set(re.findall(r"\b(pagerank|sssp|cc|run|info|viz|generate)\b", line))
            continue
        options = set(re.findall(r"--[a-z-]+", line))
        if current is None:
            common |= options
        else:
            listed[current] |= options
    commands = _children(build_parser())
    assert set(listed) == set(commands)
    for name, parser in commands.items():
        want = listed[name] | (common if name in common_for else set())
        assert want == _options(parser), name
