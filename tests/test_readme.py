"""README.md and docs/*.md say what is true: their Python runs, their links lead somewhere, their flags work.

- Every ```python block runs (the blocks of one page in order, as one file) and prints
  what its ``print(...)  # expected`` comments say.
- Every relative link (and #anchor) points to a file (and heading) of this repository.
- Every flag a page lists for a command (the synopsis lines of README.md and docs/cli.md,
  and the tables of docs/cli.md) is accepted by that command: a local run with it ends
  with status 0 (flags that need a Ray cluster are only parsed), and docs/cli.md lists
  every flag each command has.
- Every example command line parses.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pregel.cli.main import build_parser, main
from tests.conftest import DATASETS, ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CLI_PAGE = ROOT / "docs" / "cli.md"


def fenced_blocks(page: Path) -> list[tuple[str, int, list[str]]]:
    """Each fenced block of a page: its language, the line number of its first line, its lines."""
    blocks, language, start, lines = [], None, 0, []
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        if line.startswith("```"):
            if language is None:
                language, start, lines = line[3:].strip(), number + 1, []
            else:
                blocks.append((language, start, lines))
                language = None
        elif language is not None:
            lines.append(line)
    return blocks


def prose(page: Path) -> str:
    """A page without its fenced blocks (a link inside one is an example, not a link)."""
    return re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)


# ------------------------------------------------------------------ the README's size
def test_readme_is_at_most_250_lines():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


# ------------------------------------------------------------------ Python blocks
PRINT_EXPECTING = re.compile(r"^print\(.*\)\s+# (.*)$")


def python_pages() -> list[Path]:
    return [page for page in PAGES if any(language == "python" for language, _, _ in fenced_blocks(page))]


def matches(expected: str, printed: str) -> bool:
    """``printed`` is ``expected``, where ``...`` in ``expected`` stands for any text."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, printed) is not None


@pytest.mark.parametrize("page", python_pages(), ids=lambda page: page.name)
def test_python_blocks_run_and_print_what_they_say(page, tmp_path):
    # the script keeps each block at its line of the page, so a traceback names the page's line
    script = [""] * len(page.read_text().splitlines())
    expected = []
    for language, start, lines in fenced_blocks(page):
        if language != "python":
            continue
        script[start - 1 : start - 1 + len(lines)] = lines
        for line in lines:
            if line.startswith("print("):
                found = PRINT_EXPECTING.match(line)
                assert found, f"{page.name}: a print in an example says what it prints in a comment: {line}"
                expected.append(found.group(1))
    path = tmp_path / f"{page.stem}_examples.py"
    path.write_text("\n".join(script) + "\n")
    for folder in ("datasets", "docs", "examples"):  # the pages name files relative to the repository
        (tmp_path / folder).symlink_to(ROOT / folder)
    done = subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    printed = done.stdout.splitlines()
    assert len(printed) == len(expected), printed
    for want, got in zip(expected, printed):
        assert matches(want, got), (want, got)


def test_expected_output_may_leave_out_a_part():
    assert matches("None line ...: the operator Pow", "None line 90: the operator Pow")
    assert not matches("None line ...: the operator Pow", "None line 90: the operator Mod")
    assert not matches("1 2", "1 2 3")


# ------------------------------------------------------------------ links
LINK = re.compile(r"\]\(([^)\s]+)\)")  # the target of [text](target) and ![alt](target)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in prose(page).splitlines() if line.startswith("#")}


def relative_links() -> list[tuple[Path, str]]:
    return [
        (page, target)
        for page in PAGES
        for target in LINK.findall(prose(page))
        if not re.match(r"[a-z]+:", target)  # https:, mailto:
    ]


def test_the_pages_have_relative_links():
    # so that the test below cannot pass by finding none
    assert {page.name for page, _ in relative_links()} >= {"README.md", "cli.md", "programs.md"}


def test_slug_is_githubs():
    assert slug(" Common to `pagerank`, `sssp`, `cc` and `run`") == "common-to-pagerank-sssp-cc-and-run"
    assert slug(" What a `Vertex.compute` is turned into") == "what-a-vertexcompute-is-turned-into"


@pytest.mark.parametrize(("page", "target"), relative_links(), ids=lambda x: x.name if isinstance(x, Path) else x)
def test_relative_link_points_into_the_repository(page, target):
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    assert file.is_relative_to(ROOT), f"{page.name}: {target} is outside the repository"
    assert file.exists(), f"{page.name}: {target} does not exist"
    if anchor:
        assert anchor in anchors(file), f"{page.name}: {target}: no such heading in {file.name}"


def test_no_page_test_or_benchmark_names_a_folder_outside_the_repository():
    outside = re.compile(r"\.\./shared|/work/")  # where this repository's data once lay, beside it
    files = [*PAGES, *(ROOT / "tests").glob("*.py"), *(ROOT / "bench").glob("*.py")]
    files.remove(Path(__file__).resolve())
    named = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if outside.search(line)
    ]
    assert named == []


def test_datasets_source_lists_exactly_the_shipped_graphs():
    listed = set(re.findall(r"^\| ([\w.-]+\.gz) \|", (DATASETS / "SOURCE.md").read_text(), flags=re.M))
    assert listed == {path.name for path in DATASETS.glob("*.gz")}


# ------------------------------------------------------------------ flags
COMMANDS = ["pagerank", "sssp", "cc", "run", "info", "generate", "viz pagerank", "viz sssp", "viz cc"]
# issue 18: bfs, scc, kcore, triangles
COMMANDS += ["bfs", "viz bfs", "scc", "viz scc", "kcore", "viz kcore", "triangles", "viz triangles"]
# issue 18: ppr, lpa, betweenness, mis, matching
COMMANDS += ["ppr", "lpa", "betweenness", "mis", "matching"]
# issue 19
COMMANDS += ["louvain"]
COMMANDS += ["viz ppr", "viz lpa", "viz betweenness", "viz mis", "viz matching", "viz louvain"]
FLAG = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)(?: ([^\s\[\]\-.][^\s\[\]]*))?")


def synopsis_commands(line: str) -> list[str]:
    """The commands a synopsis line is about: ``pregel viz pagerank|sssp|cc EDGES`` is three."""
    words = line.split()
    if words[1] == "viz":
        return [f"viz {name}" for name in words[2].split("|")]
    return [words[1]]


def command_lines(page: Path) -> list[str]:
    """Each ``pregel ...`` command in the code blocks of a page (after ``$ `` or ``&&``, without comments)."""
    found = []
    for _, _, lines in fenced_blocks(page):
        for line in lines:
            line = re.sub(r"\s+#\s.*$", "", line.removeprefix("$ "))
            found += [part.strip() for part in line.split("&&") if part.strip().startswith("pregel ")]
    return found


def is_synopsis(line: str) -> bool:
    return "EDGES" in line or "[" in line


def table_flags() -> list[tuple[str, str, str | None]]:
    """(command, flag, value) for each flag in the tables of docs/cli.md, under the heading naming the commands."""
    found = []
    commands: list[str] = []
    flags_section = prose(CLI_PAGE).split("## Flags", 1)[1].split("\n## ", 1)[0]
    for line in flags_section.splitlines():
        if line.startswith("#"):
            named = re.findall(r"`([a-z ]+)`", line)
            commands = [name for name in named if name in COMMANDS]
            assert len(commands) == len(named), f"docs/cli.md: a heading names an unknown command: {line}"
        elif line.startswith("| `-"):
            first_cell = line.split(" | ")[0].replace("\\|", "|")
            for span in re.findall(r"`([^`]+)`", first_cell):
                flag, _, value = span.partition(" ")
                found += [(command, flag, value or None) for command in commands]
    return found


def documented_flags() -> list[tuple[str, str, str | None]]:
    """Every (command, flag, value) the pages list, one value at a time where they give choices (``a|b``)."""
    found = table_flags()
    for page in (ROOT / "README.md", CLI_PAGE):
        for line in filter(is_synopsis, command_lines(page)):
            found += [(c, flag, value or None) for c in synopsis_commands(line) for flag, value in FLAG.findall(line)]
    return sorted({(c, f, choice) for c, f, v in found for choice in (v.split("|") if v else [None])}, key=str)


def test_every_command_has_documented_flags():
    # so that the tests below cannot pass by finding none
    assert {command for command, _, _ in documented_flags()} == set(COMMANDS)
    assert {command for command, _, _ in table_flags()} == set(COMMANDS)


PLACEHOLDER = {
    "FILE": "out.txt",
    "FILE.json": "run.json",
    "FILE.png": "run.png",
    "FILE.html": "page.html",
    "DIR": "ck",
    "ADDR": "auto",
    "NAME=VALUE": "source=2",
    "N": "2",
    "T": "2",
    "K": "3",
    "M": "200",
    "S": "7",
    "ID": "1",
    "ID[,ID...]": "1,2",
    "D": "0.5",
    "TOL": "1e-6",
}
"""What to give a flag whose value the page names by a placeholder."""

OWN_VALUE = {"--vertices": "100", "--max-vertices": "1000", "--src": "from", "--dst": "to", "--weight": "2"}
"""Flags for which the placeholder's value would not fit (2 vertices cannot hold the edges; 2 is below the graph;
the columns of EDGES_CSV, by name and by position)."""

PARSED_ONLY = {("--backend", "ray"), ("--ray-address", "ADDR"), ("--load", "workers")}
"""Flags that need Ray: their runs are in the Ray tests; here they are only parsed."""

EDGES_TEXT = "1 2\n2 3\n3 4\n4 1\n2 5\n5 6\n7 8\n"
EDGES_CSV = "from,to,hours\n" + "".join(
    f"{a},{b},{k % 3 + 1}\n" for k, (a, b) in enumerate(map(str.split, EDGES_TEXT.splitlines()))
)
"""The same edges as a table, read when a flag names its columns (``--weight 2``: by position)."""
COLUMN_FLAGS = {"--src", "--dst", "--weight"}


def base_arguments(command: str) -> list[str]:
    """The least a command needs to run on edges.txt (in the test's folder)."""
    return {
        "pagerank": ["pagerank", "edges.txt"],
        "sssp": ["sssp", "edges.txt", "--source", "1"],
        "cc": ["cc", "edges.txt"],
        "run": ["run", str(ROOT / "examples" / "widest_path.py"), "edges.txt"],
        "info": ["info", "edges.txt"],
        "generate": ["generate", "rmat", "--vertices", "100", "--output", "g.txt"],
        "viz pagerank": ["viz", "pagerank", "edges.txt", "--output", "page.html"],
        "viz sssp": ["viz", "sssp", "edges.txt", "--output", "page.html", "--source", "1"],
        "viz cc": ["viz", "cc", "edges.txt", "--output", "page.html"],
        # issue 18: bfs, scc, kcore, triangles
        "bfs": ["bfs", "edges.txt", "--source", "1"],
        "viz bfs": ["viz", "bfs", "edges.txt", "--output", "page.html", "--source", "1"],
        "scc": ["scc", "edges.txt"],
        "viz scc": ["viz", "scc", "edges.txt", "--output", "page.html"],
        "kcore": ["kcore", "edges.txt"],
        "viz kcore": ["viz", "kcore", "edges.txt", "--output", "page.html"],
        "triangles": ["triangles", "edges.txt"],
        "viz triangles": ["viz", "triangles", "edges.txt", "--output", "page.html"],
        # issue 18: ppr, lpa, betweenness, mis, matching
        "ppr": ["ppr", "edges.txt", "--sources", "1,2"],
        "lpa": ["lpa", "edges.txt"],
        "betweenness": ["betweenness", "edges.txt"],
        "mis": ["mis", "edges.txt"],
        "matching": ["matching", "edges.txt"],
        "louvain": ["louvain", "edges.txt"],
        "viz ppr": ["viz", "ppr", "edges.txt", "--output", "page.html", "--sources", "1,2"],
        "viz lpa": ["viz", "lpa", "edges.txt", "--output", "page.html"],
        "viz betweenness": ["viz", "betweenness", "edges.txt", "--output", "page.html"],
        "viz mis": ["viz", "mis", "edges.txt", "--output", "page.html"],
        "viz matching": ["viz", "matching", "edges.txt", "--output", "page.html"],
        "viz louvain": ["viz", "louvain", "edges.txt", "--output", "page.html"],
    }[command]


def companions(command: str, flag: str, value: str | None) -> list[str]:
    """Flags a flag needs beside it to be used at all (and widest_path.py its source, unless the flag gives it)."""
    if command == "run" and flag != "--param":
        return ["--param", "source=1", *companions("", flag, value)]
    if flag in ("--checkpoint-every", "--resume"):
        # cc on one partition ends in superstep 0, before any checkpoint: two partitions take three supersteps
        return ["--checkpoint-dir", "ck", "--checkpoint-every", "1"] + (["--workers", "2"] if command == "cc" else [])
    if flag == "--resume-with-new-code":
        return [*companions(command, "--resume", value), "--resume"]
    if flag == "--format" and value in ("npy", "parquet"):
        return ["--output", f"out.{value}"]
    if flag == "--ray-address":
        return ["--backend", "ray"]
    return []


@pytest.mark.parametrize(("command", "flag", "value"), documented_flags(), ids=str)
def test_documented_flag_is_accepted(command, flag, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "edges.txt").write_text(EDGES_CSV if flag in COLUMN_FLAGS else EDGES_TEXT)
    given = [OWN_VALUE.get(flag, PLACEHOLDER.get(value, value))] if value else []
    argv = [*base_arguments(command), *companions(command, flag, value), flag, *given]
    if (flag, value) in PARSED_ONLY:
        build_parser().parse_args(argv)
        return
    if flag in ("--resume", "--resume-with-new-code"):  # something to resume from
        assert main([a for a in argv if not a.startswith("--resume")]) == 0
    assert main(argv) == (2 if flag in REFUSED.get(command, ()) else 0), argv


REFUSED = {"scc": {"--undirected"}, "viz scc": {"--undirected"}, "louvain": {"--check"}}
"""Flags a command takes with the others but refuses with status 2 (a directed-only algorithm; louvain's --check, with
no reference): docs/cli.md says so."""


REFUSED_BY_RUN = {"--api", "--check", "--compare"}
"""Flags ``pregel run`` parses (they come with the others) but refuses: docs/cli.md says so."""


REFUSED_BY_RANDOM = {"--compare"}
"""Flags ``pregel mis`` and ``pregel matching`` parse but refuse (their answers are random): docs/cli.md says so."""


def help_flags(command: str, capsys: pytest.CaptureFixture) -> set[str]:
    """The long flags ``pregel COMMAND --help`` lists."""
    with pytest.raises(SystemExit):
        main([*command.split(), "--help"])
    text = capsys.readouterr().out
    return {flag.rstrip(",") for flag in re.findall(r"^  (-\S+)", text, flags=re.M)} - {"-h"}


@pytest.mark.parametrize("command", COMMANDS)
def test_the_flag_tables_list_every_flag_of_each_command(command, capsys):
    listed = {flag for c, flag, _ in table_flags() if c == command and flag.startswith("--")}
    refused = REFUSED_BY_RUN if command == "run" else REFUSED_BY_RANDOM if command in ("mis", "matching") else set()
    assert listed | refused == help_flags(command, capsys)


def test_run_refuses_what_the_page_says_it_refuses(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "edges.txt").write_text(EDGES_TEXT)
    for flag in (["--check"], ["--compare", "networkx"], ["--api", "scalar"], ["--backend", "scipy"]):
        assert main([*base_arguments("run"), "--param", "source=1", *flag]) == 2
        assert "has no meaning for pregel run" in capsys.readouterr().err
    assert "`pregel run` refuses these four" in CLI_PAGE.read_text()


@pytest.mark.parametrize(
    "line", sorted({line for page in PAGES for line in command_lines(page) if not is_synopsis(line)}), ids=str
)
def test_example_command_line_parses(line):
    build_parser().parse_args(shlex.split(line)[1:])
