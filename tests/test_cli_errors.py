"""A catalogue of bad inputs, each through the command line.

Every case must end the same way: exit status 2, exactly one line on stderr that names
what is wrong and where (the file and line, or the flag), nothing on stdout, no
traceback, and no output file (nor a stray temporary one) left behind. The basic cases
(a short line, a non-integer id, NaN, a missing weight, an empty file, an unknown
--source, a negative cycle, --damping, a missing file, output equal to input by the same
name) are in test_cli.py; these are the rest.
"""

from __future__ import annotations

import bz2
import gzip
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
CHAIN = "".join(f"{i} {i + 1}\n" for i in range(20000)).encode()


@dataclass
class Case:
    """One bad input: files to create, the command's arguments, and what the message must say."""

    args: list[str]
    message: str
    files: dict[str, bytes] = field(default_factory=dict)
    stdin: bytes | None = None


CASES = {
    # ------------------------------------------------------------ output paths, refused before any work
    "a --plot suffix matplotlib cannot draw": Case(
        ["pagerank", "e.txt", "-o", "r.tsv", "--plot", "p.txt"],
        "files, not .txt",
        {"e.txt": b"1 2\n2 3\n"},
    ),
    "an empty --output": Case(
        ["pagerank", "e.txt", "-o", ""], "--output names no file (an empty path", {"e.txt": b"1 2\n2 3\n"}
    ),
    "an --output inside a file": Case(
        ["pagerank", "e.txt", "-o", "e.txt/r.tsv"],
        "e.txt/r.tsv: --output directory e.txt is not a directory",
        {"e.txt": b"1 2\n2 3\n"},
    ),
    # ------------------------------------------------------------ malformed lines
    "four columns": Case(
        ["cc", "e.txt"],
        "e.txt:2: expected 2 or 3 columns (source target [weight]), got 4",
        {"e.txt": b"1 2\n1 2 3 4\n"},
    ),
    "json instead of an edge list": Case(
        ["cc", "e.json"], """e.json:1: vertex id '{"a":' is not an integer""", {"e.json": b'{"a": [1, 2]}\n'}
    ),
    "a missing column in a csv": Case(
        ["pagerank", "e.csv"], "e.csv:3: empty field in column 2", {"e.csv": b"src,dst\n1,2\n3,\n"}
    ),
    "a weight that is a word": Case(
        ["sssp", "e.txt", "--source", "1"], "e.txt:2: weight 'heavy' is not a number", {"e.txt": b"1 2 1\n2 3 heavy\n"}
    ),
    # ---------------------------------------------------------------------- ids
    "a fractional id": Case(["cc", "e.txt"], "e.txt:1: vertex id '1.5' is not an integer", {"e.txt": b"1.5 2\n"}),
    "a word among integer ids": Case(
        ["pagerank", "e.csv"],
        "e.csv:4: vertex id 'alice' is not an integer (to read every id as a string, name the columns of the header "
        "line: --src src --dst dst)",
        {"e.csv": b"src,dst\n1,2\n2,3\nalice,bob\n"},
    ),
    "a word in the first edge of integer ids (a typo, not string ids)": Case(
        ["pagerank", "e.txt"],
        "e.txt:1: vertex id '1O' is not an integer (at least half of the file's first lines name vertices by "
        "integers: a word among them is a mistake)",
        {"e.txt": b"1O 2\n2 3\n3 4\n"},
    ),
    "a word in the first edge of two lines of integer ids": Case(
        ["pagerank", "e.txt"], "e.txt:1: vertex id '1O' is not an integer", {"e.txt": b"1O 2\n2 3\n"}
    ),
    "a word in a headerless list of integer ids": Case(
        ["pagerank", "e.txt"],
        "e.txt:3: vertex id 'alice' is not an integer (the ids above it are integers: a word among them is a mistake)",
        {"e.txt": b"1 2\n2 3\nalice bob\n"},
    ),
    "word ids on standard input": Case(
        ["cc", "-"],
        "vertex id 'bob' is not an integer (standard input is read as integer ids: give the path of a file of word "
        "ids)",
        stdin=b"alice bob\nbob carol\ncarol alice\n",
    ),
    "a pattern of part files of word ids": Case(
        ["cc", "parts/part-*"],
        "parts/part-*: parts/part-0: its first edge names vertices by words, and part files are read as integer ids",
        {"parts/part-0": b"alice bob\nbob carol\n", "parts/part-1": b"carol dan\n"},
    ),
    "a folder of part files of word ids": Case(
        ["cc", "parts"],
        "parts/part-0: its first edge names vertices by words, and part files are read as integer ids",
        {"parts/part-0": b"alice bob\nbob carol\n", "parts/part-1": b"carol dan\n"},
    ),
    "a word weight in a list of word ids": Case(
        ["sssp", "e.txt", "--source", "ann"],
        "e.txt:3: weight 'x' is not a number",
        {"e.txt": b"ann bob 1\nbob cy 2\ncy ann x\n"},
    ),
    "a NaN weight under a header in a list of word ids": Case(
        ["sssp", "e.txt", "--source", "ann"],
        "e.txt:4: weight 'nan' is not a finite number",
        {"e.txt": b"# c\nsrc dst w\nann bob 1\nbob cy nan\n"},
    ),
    "a short line in a list of word ids": Case(
        ["pagerank", "e.txt"],
        "e.txt:3: expected 3 columns like the first edge (source target [weight]), got 2",
        {"e.txt": b"ann bob 0.5\nbob cy 1\ncy ann\n"},
    ),
    "a quote never closed in a csv table": Case(
        ["cc", "e.csv", "--src", "src", "--dst", "dst"],
        'e.csv:2: a quoted field is not closed on its line ("ann,bob)',
        {"e.csv": b'src,dst\n"ann,bob\ncy,dan\n'},
    ),
    "a quote left open on the last line of a csv table": Case(
        ["cc", "e.csv", "--src", "src", "--dst", "dst"],
        'e.csv:3: a quoted field is not closed on its line ("dan)',
        {"e.csv": b'src,dst\nann,bob\ncy,"dan\n'},
    ),
    "a hexadecimal id": Case(
        ["cc", "e.txt"], "e.txt:1: vertex id '0x10' is not an integer", {"e.txt": b"0x10 2\n2 3\n3 4\n"}
    ),
    "a negative id": Case(["pagerank", "e.txt"], "e.txt:3: vertex id -3 is negative", {"e.txt": b"# c\n1 2\n-3 4\n"}),
    "an id of 2**53 + 1": Case(
        ["cc", "e.txt"], "e.txt:2: vertex id 9007199254740993 is too large", {"e.txt": b"1 2\n9007199254740993 4\n"}
    ),
    "an id beyond 64 bits": Case(
        ["cc", "e.txt"],
        "e.txt:1: vertex id 99999999999999999999999 is too large",
        {"e.txt": b"99999999999999999999999 4\n"},
    ),
    # ------------------------------------------------------------------ weights
    "an infinite weight": Case(
        ["sssp", "e.txt", "--source", "1"],
        "e.txt:2: weight 'inf' is not a finite number",
        {"e.txt": b"1 2 1\n2 3 inf\n"},
    ),
    "a weight that overflows": Case(
        ["sssp", "e.txt", "--source", "1"], "e.txt:1: weight '1e400' is not a finite", {"e.txt": b"1 2 1e400\n"}
    ),
    "an empty weight": Case(
        ["sssp", "e.csv", "--source", "1"], "e.csv:2: empty field in column 3", {"e.csv": b"1,2,0.5\n2,3,\n"}
    ),
    "a negative capacity for a program that forbids it": Case(
        ["run", f"{EXAMPLES}/widest_path.py:WidestPath", "e.txt", "--param", "source=1"],
        "e.txt: edge 2 -> 3 has weight -1.0, but WidestPath needs non-negative weights",
        {"e.txt": b"1 2 4\n2 3 -1\n"},
    ),
    "a negative capacity between string ids": Case(
        ["run", f"{EXAMPLES}/widest_path.py:WidestPath", "e.csv", "--src", "u", "--dst", "v", "--weight", "w"]
        + ["--param", "source=ann"],
        "e.csv: edge bob -> cy has weight -1.0, but WidestPath needs non-negative weights (1 negative in all)",
        {"e.csv": b"u,v,w\nann,bob,4\nbob,cy,-1\n"},
    ),
    # the file's ids and its count of negative lines, not the undirected copy Louvain numbers for itself
    "a negative weight for louvain": Case(
        ["louvain", "e.txt"],
        "e.txt: edge 20 -> 30 has weight -1.0, but Louvain needs non-negative weights (1 negative in all)",
        {"e.txt": b"10 20 4\n20 30 -1\n"},
    ),
    # -------------------------------------------------------------- whole files
    "only comments": Case(
        ["cc", "e.txt"],
        "e.txt: no edges (the file is empty or has only comments)",
        {"e.txt": b"# SNAP header\n% another\n\n   \n"},
    ),
    "only a header line": Case(
        ["cc", "e.csv"], "e.csv: no edges, only the header line 'src,dst'", {"e.csv": b"src,dst\n"}
    ),
    "empty standard input": Case(["cc", "-"], "<stdin>: no edges", stdin=b""),
    "binary junk": Case(
        ["pagerank", "junk.bin"],
        "junk.bin: binary data (a NUL byte at offset 3)",
        {"junk.bin": b"\x89PN\x00G\r\n\x1a" + bytes(range(256))},
    ),
    "UTF-16 text": Case(
        ["cc", "e.txt"], "e.txt: UTF-16 text; save the edge list as UTF-8", {"e.txt": "1 2\n".encode("utf-16")}
    ),
    "a truncated gzip file": Case(
        ["cc", "e.txt.gz"],
        "e.txt.gz: compressed data is truncated or corrupt",
        {"e.txt.gz": gzip.compress(CHAIN)[:-40]},
    ),
    "a truncated bzip2 file": Case(
        ["cc", "e.txt.bz2"],
        "e.txt.bz2: compressed data is truncated or corrupt",
        {"e.txt.bz2": bz2.compress(CHAIN)[:-40]},
    ),
    "a Matrix Market file that is not square": Case(
        ["cc", "m.mtx"],
        "m.mtx: matrix is 2 x 3, not square",
        {"m.mtx": b"%%MatrixMarket matrix coordinate real general\n2 3 1\n1 2 1.0\n"},
    ),
    "a complex Matrix Market file": Case(
        ["pagerank", "m.mtx"],
        "m.mtx: a complex matrix's entries are not edge weights (use real, integer or pattern)",
        {"m.mtx": b"%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 2 1 5\n"},
    ),
    "an edge where a later csv part file's header should be": Case(
        ["sssp", "parts", "--source", "1", "--src", "src", "--dst", "dst"],
        "parts/part-2.csv:1: '3,4' is an edge, not a header line of column names",
        {"parts/part-0.csv": b"src,dst\n1,2\n", "parts/part-1.csv": b"src,dst\n2,3\n", "parts/part-2.csv": b"3,4\n"},
    ),
    "an edge where a compressed csv part file's header should be": Case(
        ["cc", "parts", "--src", "src", "--dst", "dst"],
        "parts/part-1.csv.gz:1: '2,3' is an edge, not a header line",
        {"parts/part-0.csv": b"src,dst\n1,2\n", "parts/part-1.csv.gz": gzip.compress(b"2,3\n3,4\n")},
    ),
    "a csv part file whose header names other columns": Case(
        ["cc", "parts", "--src", "src", "--dst", "dst"],
        "parts/part-1.csv: no column 'src' (its header names 'from', 'to'), where the folder's first file has one",
        {"parts/part-0.csv": b"src,dst\n1,2\n", "parts/part-1.csv": b"from,to\n2,3\n"},
    ),
    "a folder of empty part files": Case(
        ["cc", "folder"], "folder: no edges (every part file is empty or holds only comments)", {"folder/keep": b""}
    ),
    "a missing file for info": Case(["info", "nowhere.txt"], "nowhere.txt: no such file"),
    "info on a malformed file": Case(["info", "e.txt"], "e.txt:2: expected 2 or 3 columns", {"e.txt": b"1 2\n3\n"}),
    # ---------------------------------------------------------------- --source
    "a source that is not an integer": Case(
        ["sssp", "e.txt", "--source", "one"], "e.txt: --source 'one' is not an integer vertex id", {"e.txt": b"1 2\n"}
    ),
    "an unknown source for your own program": Case(
        ["run", f"{EXAMPLES}/bfs_levels.py:BFSLevels", "e.txt", "--param", "source=99"],
        "e.txt: source vertex 99 is not in the graph",
        {"e.txt": b"1 2\n"},
    ),
    "an absent source for your own program": Case(
        ["run", f"{EXAMPLES}/bfs_levels.py", "e.txt"],
        "e.txt: source vertex None is not in the graph (give one with",
        {"e.txt": b"1 2\n"},
    ),
    # ------------------------------------------------------ contradictory flags
    "--format against the output's suffix": Case(
        ["cc", "e.txt", "--format", "csv", "-o", "out.npy"],
        "--format csv contradicts --output out.npy",
        {"e.txt": b"1 2\n"},
    ),
    "a binary format to the terminal": Case(
        ["cc", "e.txt", "--format", "npy"], "--format npy writes a binary file", {"e.txt": b"1 2\n"}
    ),
    "--workers with the scipy backend": Case(
        ["cc", "e.txt", "--backend", "scipy", "--workers", "2"],
        "--workers has no meaning with --backend scipy",
        {"e.txt": b"1 2\n"},
    ),
    "--max-supersteps with a scipy reference that does not iterate": Case(
        ["bfs", "e.txt", "--source", "1", "--backend", "scipy", "--max-supersteps", "2"],
        "--max-supersteps has no meaning with --backend scipy for pregel bfs (no iterations)",
        {"e.txt": b"1 2\n2 3\n3 4\n"},
    ),
    "--check for your own program": Case(
        ["run", f"{EXAMPLES}/bfs_levels.py", "e.txt", "--check"],
        "--check has no meaning for pregel run",
        {"e.txt": b"1 2\n"},
    ),
    "--stats and --plot on one file": Case(
        ["pagerank", "e.txt", "--stats", "run.json", "--plot", "run.json"],
        "run.json: --stats and --plot name the same file",
        {"e.txt": b"1 2\n"},
    ),
    "a tolerance that is not a number": Case(
        ["pagerank", "e.txt", "--tol", "nan"], "--tol must be a finite number >= 0, got nan", {"e.txt": b"1 2\n"}
    ),
    "--top 0": Case(
        ["pagerank", "e.txt", "--top", "0"], "argument --top: must be at least 1, got 0", {"e.txt": b"1 2\n"}
    ),
    "--workers -2": Case(
        ["pagerank", "e.txt", "--workers", "-2"], "argument --workers: must be at least 1, got -2", {"e.txt": b"1 2\n"}
    ),
    # ------------------------------------------------------------- output paths
    "an output folder that does not exist": Case(
        ["cc", "e.txt", "-o", "no/such/out.tsv"],
        "no/such/out.tsv: --output directory no/such does not exist",
        {"e.txt": b"1 2\n"},
    ),
    "output onto the input through another name": Case(
        ["cc", "e.txt", "-o", "./sub/../e.txt"],
        "--output is the input file; refusing to overwrite it",
        {"e.txt": b"1 2\n", "sub/keep": b""},
    ),
    "statistics onto the input": Case(
        ["cc", "e.txt", "--stats", "e.txt"],
        "e.txt: --stats is the input file; refusing to overwrite it",
        {"e.txt": b"1 2\n"},
    ),
    # an existing directory is a folder output (part files): it must be empty
    "an output folder that is not empty": Case(
        ["cc", "e.txt", "-o", "sub"],
        "sub: --output folder is not empty; give a new or empty folder",
        {"e.txt": b"1 2\n", "sub/keep": b""},
    ),
    # ----------------------------------------------------------- your own program
    "a program file that does not exist": Case(
        ["run", "mine.py:Mine", "e.txt"], "mine.py: no such file", {"e.txt": b"1 2\n"}
    ),
    "a class that is not in the file": Case(
        ["run", f"{EXAMPLES}/widest_path.py:Widest", "e.txt"],
        "widest_path.py: no class 'Widest' (programs in it: WidestPath)",
        {"e.txt": b"1 2\n"},
    ),
    "a class that is not a program": Case(
        ["run", "mine.py:Helper", "e.txt"],
        "mine.py: Helper is not a vertex program",
        {"e.txt": b"1 2\n", "mine.py": b"class Helper:\n    pass\n"},
    ),
    "a program file with a syntax error": Case(
        ["run", "mine.py", "e.txt"],
        "mine.py:2: syntax error",
        {"e.txt": b"1 2\n", "mine.py": b"import pregel\nclass Mine(pregel.Vertex)\n"},
    ),
    "a program file that fails on import": Case(
        ["run", "mine.py", "e.txt"],
        "mine.py: importing it failed: ZeroDivisionError",
        {"e.txt": b"1 2\n", "mine.py": b"1 / 0\n"},
    ),
    "a file with two programs and no class named": Case(
        ["run", "mine.py", "e.txt"],
        "mine.py: name the program as mine.py:ClassName (programs in it: A, B)",
        {"e.txt": b"1 2\n", "mine.py": b"from pregel import Vertex\nclass A(Vertex): pass\nclass B(Vertex): pass\n"},
    ),
    "a file without a program": Case(
        ["run", "mine.py", "e.txt"],
        "mine.py: defines no vertex program (a subclass of pregel.Vertex or BatchProgram)",
        {"e.txt": b"1 2\n", "mine.py": b"from pregel import Vertex\nx = 1\n"},
    ),
    "a compute without the messages argument": Case(
        ["run", "mine.py", "e.txt"],
        "mine.py: Mine.compute must be defined as compute(self, messages)",
        {
            "e.txt": b"1 2\n",
            "mine.py": b"from pregel import Vertex\nclass Mine(Vertex):\n    def compute(self):\n        pass\n",
        },
    ),
    "a combiner that is a string": Case(
        ["run", "mine.py", "e.txt"],
        "mine.py: Mine.combiner is 'sum', not a Combiner (pregel.Sum, Min, Max or a Combiner subclass)",
        {"e.txt": b"1 2\n", "mine.py": b"from pregel import Vertex\nclass Mine(Vertex):\n    combiner = 'sum'\n"},
    ),
    "an aggregator name misspelt in compute": Case(
        ["run", "mine.py", "e.txt", "-o", "out.tsv"],
        "mine.py: aggregator 'totl' is not declared in Mine.aggregators",
        {
            "e.txt": b"1 2\n",
            "mine.py": b"from pregel import Sum, Vertex\nclass Mine(Vertex):\n    aggregators = {'total': Sum}\n"
            b"    def compute(self, messages):\n        self.aggregate('totl', 1.0)\n",
        },
    ),
    "a message to a vertex that is not in the graph": Case(
        ["run", "mine.py", "e.txt", "-o", "out.tsv"],
        "mine.py: Mine sent a message to vertex 99, which is not in the graph (missing_vertex = 'error'",
        {
            "e.txt": b"1 2\n",
            "mine.py": b"from pregel import Vertex\nclass Mine(Vertex):\n    def compute(self, messages):\n"
            b"        if self.superstep == 0:\n            self.send_message(99, 1.0)\n        self.vote_to_halt()\n",
        },
    ),
    "a value that value_dtype cannot hold": Case(
        ["run", "mine.py", "e.txt", "-o", "out.tsv"],
        "mine.py: Mine set the value of vertex 1 to 'high', which value_dtype float64 cannot hold",
        {
            "e.txt": b"1 2\n",
            "mine.py": b"from pregel import Vertex\nclass Mine(Vertex):\n    def compute(self, messages):\n"
            b"        self.value = 'high'\n",
        },
    ),
    "a batch array one too long": Case(
        ["run", "mine.py", "e.txt", "-o", "out.tsv"],
        "mine.py: Mine: v.values = an array of shape (3,), not one per vertex of the batch (2)",
        {
            "e.txt": b"1 2\n",
            "mine.py": b"import numpy as np\nfrom pregel import BatchProgram\nclass Mine(BatchProgram):\n"
            b"    def compute(self, v):\n        v.values = np.zeros(v.size + 1)\n",
        },
    ),
    "a parameter of the wrong type": Case(
        ["run", "mine.py", "e.txt", "--param", "hops=many"],
        "--param hops='many': Mine.hops is a number (default 3)",
        {"e.txt": b"1 2\n", "mine.py": b"from pregel import Vertex\nclass Mine(Vertex):\n    hops = 3\n"},
    ),
    "an unknown parameter": Case(
        ["run", f"{EXAMPLES}/bfs_levels.py", "e.txt", "--param", "sauce=1"],
        "--param sauce: BFSLevels has no parameter 'sauce' (its parameters: source)",
        {"e.txt": b"1 2\n"},
    ),
    "a parameter without a value": Case(
        ["run", f"{EXAMPLES}/bfs_levels.py", "e.txt", "--param", "source"],
        "--param source: expected name=value",
        {"e.txt": b"1 2\n"},
    ),
}


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _assert_clean_failure(done: subprocess.CompletedProcess, message: str, folder: Path, before: list[str]) -> None:
    err = done.stderr.decode(errors="replace")
    assert done.returncode == 2, (done.returncode, err)
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert message in err, err
    assert "Traceback" not in err
    assert done.stdout == b""
    assert _listing(folder) == before, "an output (or temporary) file was left behind"


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name, run_cli, tmp_path):
    case = CASES[name]
    _write(tmp_path, case.files)
    before = _listing(tmp_path)
    done = run_cli(*case.args, "--quiet", stdin=case.stdin) if case.args[0] != "info" else run_cli(*case.args)
    _assert_clean_failure(done, case.message, tmp_path, before)


def test_the_columns_the_string_ids_message_names_read_the_file(run_cli, tmp_path):
    # what the message above tells the user to do works: the same file, read as a table
    (tmp_path / "e.csv").write_bytes(b"src,dst\nalice,bob\nbob,carol\ncarol,alice\n")
    done = run_cli("pagerank", "e.csv", "--src", "0", "--dst", "1", "-o", "r.tsv", "--quiet")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in (tmp_path / "r.tsv").read_text().splitlines()]
    assert [name for name, _ in rows] == ["alice", "bob", "carol"]
    assert [float(rank) for _, rank in rows] == pytest.approx([1 / 3] * 3, rel=1e-12)


def test_there_are_at_least_twenty_cases():
    assert len(CASES) >= 20


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (permissions do not stop root: use sysfs then)."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    for candidate in (Path("/sys"), Path("/proc")):
        try:
            (candidate / ".pregel-probe").write_bytes(b"")
        except OSError:
            return candidate
        (candidate / ".pregel-probe").unlink()
    pytest.skip("no folder here refuses a new file to this user")


def test_an_unwritable_output_folder(run_cli, tmp_path):
    (tmp_path / "e.txt").write_bytes(b"1 2\n")
    folder = _unwritable_folder(tmp_path)
    before = _listing(tmp_path)
    done = run_cli("cc", "e.txt", "-o", folder / "out.tsv")
    _assert_clean_failure(done, f"--output directory {folder} is not writable", tmp_path, before)
    assert not (folder / "out.tsv").exists()


def _run_without(module: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The command in an interpreter where ``module`` cannot be imported (as if it were not installed)."""
    code = f"import sys; sys.modules[{module!r}] = None; from pregel.cli.main import main; sys.exit(main({args!r}))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=cwd, env=env, timeout=120)


@pytest.mark.parametrize(
    ("module", "args", "message"),
    [
        ("matplotlib", ["pagerank", "e.txt", "--plot", "run.png", "-o", "r.tsv"], "--plot needs matplotlib"),
        ("pyarrow", ["pagerank", "e.txt", "-o", "r.parquet"], "--format parquet needs pyarrow"),
    ],
)
def test_a_missing_optional_library(module, args, message, tmp_path):
    (tmp_path / "e.txt").write_bytes(b"1 2\n")
    done = _run_without(module, args, tmp_path)
    _assert_clean_failure(done, message, tmp_path, ["e.txt"])
    assert "pip install 'pregel[" in done.stderr.decode()


def test_a_crash_in_your_own_program_is_status_1_in_one_line(run_cli, tmp_path):
    (tmp_path / "e.txt").write_bytes(b"1 2\n")
    (tmp_path / "mine.py").write_text(
        "from pregel import Vertex\n"
        "class Mine(Vertex):\n"
        "    def compute(self, messages):\n"
        "        raise KeyError('oops')\n"
    )
    done = run_cli("run", "mine.py", "e.txt", "-o", "out.tsv", "--quiet")
    err = done.stderr.decode()
    assert done.returncode == 1 and err.count("\n") == 1, err
    assert "KeyError: 'oops' (set PREGEL_DEBUG=1 for a traceback)" in err
    assert not (tmp_path / "out.tsv").exists()
