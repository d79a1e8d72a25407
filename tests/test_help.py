"""`pregel --help` and every command's help give each option's default (docs/cli.md lists them: test_readme)."""

from __future__ import annotations

import argparse
import re

import pytest

from pregel.cli.main import build_parser


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
