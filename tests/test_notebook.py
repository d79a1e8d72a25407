"""Pregel in Jupyter: results and graphs show themselves, runs show their progress, replays play inline.

The HTML views are read back as tables and checked against scipy and networkx. The
example notebook examples/pagerank.ipynb is executed headless in a real kernel (nbclient)
and its outputs checked: the graph's and the result's tables, the progress widget, the
convergence plot and the replay frame. Its HTML export (nbconvert, as ``jupyter
nbconvert --to html`` writes it) is opened in headless Chromium, where the replay inside
the frame steps through the run and shows the engine's values.
"""

from __future__ import annotations

import html
import io
import math
import re
from html.parser import HTMLParser

import networkx as nx
import numpy as np
import pytest

import pregel
import pregel.viz
from pregel.algorithms import reference
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from pregel.algorithms.sssp import ShortestPaths
from pregel.io.edges import read_edges
from pregel.viz.page import page_html
from tests.browser import assert_shows, chromium, needs_chromium, severe
from tests.conftest import ROOT, SHIPPED

EXAMPLE = ROOT / "examples" / "pagerank.ipynb"
WEB = ROOT / "docs" / "web-graph.txt"


class Tables(HTMLParser):
    """Every ``<table>`` of some HTML: its caption and its rows of cell texts (markup inside a cell kept aside)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False
        self._header = False
        self.svgs: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
            self._header = True
        elif tag in ("td", "th"):
            self._cell = []
            self._header = tag == "th" and self._header
        elif tag == "caption":
            self._in_caption = True
        elif tag == "polyline":
            self.svgs.append(dict(attrs)["points"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._header:
            self.tables[-1]["rows"].pop()  # a row of headers names the columns: not a row of data
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)

    def named(self, caption: str) -> dict[str, str]:
        """The table with this caption (its start) as ``{first cell: second cell}``."""
        table = next(t for t in self.tables if t["caption"].startswith(caption))
        return {row[0]: row[1] for row in table["rows"] if len(row) == 2}


def number(text: str) -> float:
    return float(text.replace(",", "").replace("∞", "inf"))


# ---------------------------------------------------------------------- the HTML views, in-process
@pytest.fixture(scope="module")
def wiki():
    return read_edges(SHIPPED)


def test_a_pagerank_result_shows_the_run_the_top_ten_and_the_convergence(wiki):
    result = pregel.run(wiki, PageRank())
    tables = Tables(result._repr_html_())
    summary = tables.named("pregel result")
    assert number(summary["vertices"]) == 7115 and number(summary["edges"]) == 103689
    assert int(summary["supersteps"]) == result.supersteps == len(result.stats)
    assert summary["stopped by"].startswith("master")
    assert summary["time"].endswith(("ms", " s"))
    top = tables.named("top 10 values")
    expected = reference.pagerank(wiki, 0.85, 1e-10).values
    order = np.argsort(-expected, kind="stable")[:10]
    assert [int(v) for v in top] == wiki.ids[order].tolist()
    np.testing.assert_allclose([float(v) for v in top.values()], expected[order], rtol=1e-5)
    # the sparkline: one point per superstep whose L1 change is above 0, falling on a log scale
    assert "log scale" in summary["delta per superstep"]
    (points,) = tables.svgs
    ys = [float(p.split(",")[1]) for p in points.split()]
    assert len(ys) == sum(s.aggregated["delta"] > 0 for s in result.stats)
    assert ys[-1] > ys[0], "the line ends lower on the drawing (a larger y) than it starts"


def test_a_shortest_path_result_counts_the_unreachable_and_lists_the_farthest():
    graph = pregel.Graph.from_edges([1, 1, 2, 3, 4, 9], [2, 3, 4, 4, 5, 10], weights=[1.0, 4.0, 2.0, 0.5, 1.0, 1.0])
    result = pregel.run(graph, ShortestPaths(source=1))
    tables = Tables(result._repr_html_())
    distances = nx.single_source_dijkstra_path_length(graph.to_networkx(), 1)
    assert tables.named("pregel result")["not finite"].startswith(f"{graph.num_vertices - len(distances)} ∞")
    farthest = sorted(distances.items(), key=lambda kv: (-kv[1], kv[0]))
    top = tables.named("top 5 values")
    assert [(int(k), number(v)) for k, v in top.items()] == farthest
    assert tables.named("pregel result")["active vertices"]  # no "delta": the active vertices per superstep


def test_a_components_result_counts_the_components():
    graph = pregel.Graph.from_edges([1, 2, 5, 6, 9], [2, 3, 6, 7, 9]).to_undirected()
    summary = Tables(pregel.run(graph, ConnectedComponents)._repr_html_()).named("pregel result")
    assert int(summary["distinct values"]) == nx.number_connected_components(graph.to_networkx().to_undirected())


def test_a_graph_shows_its_size_and_degrees(wiki):
    rows = Tables(wiki._repr_html_()).named("pregel graph")
    matrix = wiki.to_scipy()
    out_degree = np.diff(matrix.indptr)
    assert number(rows["vertices"]) == matrix.shape[0] and number(rows["edges"]) == matrix.nnz
    assert rows["out-degree"] == f"mean {matrix.nnz / matrix.shape[0]:.3g}, max {out_degree.max():,}"
    assert rows["in-degree"] == f"max {np.asarray(matrix.sum(axis=0)).max():,.0f}"
    assert number(rows["dangling (no out-edge)"]) == (out_degree == 0).sum()
    assert number(rows["self-loops"]) == matrix.diagonal().astype(bool).sum()


def test_text_is_escaped_in_the_views():
    class Labelled(pregel.Vertex):
        value_dtype = object

        def initial_value(self):
            return "<b>x</b>"

        def compute(self, messages):
            self.vote_to_halt()

    page = pregel.run(pregel.Graph.from_edges([1], [2]), Labelled)._repr_html_()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_the_replay_frame_holds_the_whole_page_sandboxed():
    result = pregel.run(read_edges(WEB), PageRank(), trace=True)
    frame = pregel.viz.replay_frame(result, height=500)
    (srcdoc,) = re.findall(r'srcdoc="([^"]*)"', frame)
    assert html.unescape(srcdoc) == page_html(result)
    (sandbox,) = re.findall(r'sandbox="([^"]*)"', frame)
    assert sandbox == "allow-scripts", "scripts run, but with an origin of their own: no same-origin access"
    with pytest.raises(pregel.InputError, match="trace=True"):
        pregel.viz.replay_frame(pregel.run(read_edges(WEB), PageRank()))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_outside_jupyter_is_one_line_rewritten_on_a_terminal_and_written_once_elsewhere():
    graph = read_edges(WEB)
    for stream in (io.StringIO(), Terminal()):
        shown = pregel.viz.progress("pagerank", {"delta": "L1 change"}, stream=stream)
        result = pregel.run(graph, PageRank(), on_superstep=shown)
        shown.finish(result)
        shown.finish(result)
        last = result.stats[-1]
        line = (
            f"pagerank: superstep {result.supersteps - 1} | L1 change {last.aggregated['delta']:.6g} | "
            f"8 active | 14 messages → {last.messages_combined} combined | stopped by master"
        )
        text = stream.getvalue()
        assert text.endswith(line + "\n") and text.count("\n") == 1
        assert (text.count("\r") > 1) == isinstance(stream, Terminal)


# ---------------------------------------------------------------------- the example notebook, in a kernel
# Cells run after the example's own: progress without ipywidgets is a line of text, updated in place.
WITHOUT_WIDGETS = """\
import sys
sys.modules["ipywidgets"] = None  # as if it were not installed
shown = pregel.viz.progress("pagerank", {"delta": "L1 change"})
again = pregel.run(small, PageRank(), on_superstep=shown)
shown.finish(again)
"""


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    """The example notebook executed in a fresh kernel, from its folder, with the extra cells above."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(EXAMPLE, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), "commit it without outputs"
    nb.cells.append(nbformat.v4.new_code_cell(WITHOUT_WIDGETS))
    # a kernel on Unix sockets in a folder of the test: no TCP port is opened
    sockets = tmp_path_factory.mktemp("kernel") / "ipc"
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets))
    folder = {"metadata": {"path": str(EXAMPLE.parent)}}
    nbclient.NotebookClient(nb, km=manager, timeout=180, resources=folder).execute()
    return nb


def outputs(nb, index: int) -> list[dict]:
    return [cell for cell in nb.cells if cell.cell_type == "code"][index].outputs


def test_the_notebook_shows_the_graph_and_the_result(notebook, wiki):
    (graph_view,) = outputs(notebook, 0)
    assert number(Tables(graph_view["data"]["text/html"]).named("pregel graph")["vertices"]) == 7115
    progress, result_view = outputs(notebook, 1)
    tables = Tables(result_view["data"]["text/html"])
    ranks = reference.pagerank(wiki, 0.85, 1e-10).values
    assert [int(v) for v in tables.named("top 10 values")] == wiki.ids[np.argsort(-ranks, kind="stable")[:10]].tolist()
    assert tables.svgs, "the convergence sparkline"
    # ipywidgets is in the test extra: the progress is a widget, its last state kept in the notebook
    model = progress["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    children = [state[ref.removeprefix("IPY_MODEL_")]["state"] for ref in state[model]["state"]["children"]]
    bar, text = children
    assert bar["max"] == 1000 and bar["value"] == int(tables.named("pregel result")["supersteps"])
    assert bar["bar_style"] == "success"
    shown = Tables(text["value"]).named("pagerank")
    assert shown["stopped by"] == "master"
    last = pregel.run(wiki, PageRank()).stats[-1]
    assert math.isclose(number(shown["L1 change"]), last.aggregated["delta"], rel_tol=1e-5)
    assert number(shown["active"]) == last.active == 7115


def test_the_notebook_lists_the_top_pages_and_plots_the_convergence(notebook, wiki):
    # the printed lines, however many stream messages the kernel cut them into (a loaded machine flushes more often)
    printed = [out for out in outputs(notebook, 2) if out["output_type"] == "stream"]
    assert len(printed) == len(outputs(notebook, 2)) and {out["name"] for out in printed} == {"stdout"}
    rows = [line.split() for line in "".join(out["text"] for out in printed).splitlines()[1:]]
    ranks = reference.pagerank(wiki, 0.85, 1e-10).values
    order = np.argsort(-ranks, kind="stable")[:10]
    in_degree = np.asarray(wiki.to_scipy().sum(axis=0)).ravel()
    assert [(int(u), int(votes)) for u, _, votes in rows] == list(zip(wiki.ids[order].tolist(), in_degree[order]))
    np.testing.assert_allclose([float(r) for _, r, _ in rows], ranks[order], atol=5e-7)
    (plot,) = outputs(notebook, 3)
    from PIL import Image

    image = Image.open(io.BytesIO(__import__("base64").b64decode(plot["data"]["image/png"])))
    assert image.size[0] > 300 and image.size[1] > 150


def test_the_notebook_replays_the_small_graph_in_a_sandboxed_frame(notebook):
    (replay,) = outputs(notebook, 4)
    frame = replay["data"]["text/html"]
    assert frame.startswith('<div class="pregel-replay"><iframe sandbox="allow-scripts" srcdoc="')
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert page.startswith("<!DOCTYPE html>") and 'id="trace-data"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing from the network"


def test_without_ipywidgets_the_progress_is_a_line_of_text(notebook):
    (line,) = outputs(notebook, 5)
    text = line["data"]["text/plain"]
    counts = r"8 active \| 14 messages → 8 combined"
    assert re.fullmatch(rf"pagerank: superstep \d+ \| L1 change \S+ \| {counts} \| stopped by master", text)


@needs_chromium
def test_the_replay_plays_inside_the_notebooks_html_export(notebook, tmp_path):
    nbconvert = pytest.importorskip("nbconvert")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    export = tmp_path / "pagerank.html"
    export.write_text(body, encoding="utf-8")
    small = read_edges(WEB)
    with chromium() as driver:
        driver.get(export.as_uri())
        driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, ".pregel-replay iframe"))
        ids = small.ids.tolist()

        def shown() -> list[str]:
            # the text the replay wrote (textContent: .text is empty until the frame is laid out and visible)
            return [
                driver.find_element(By.CSS_SELECTOR, f"#v-{v} text.value").get_attribute("textContent") for v in ids
            ]

        # the frame's scripts run after the export's own ones (those from the web fail offline, slowly under load)
        WebDriverWait(driver, timeout=90, poll_frequency=0.2).until(lambda _: all(shown()))
        assert_shows(shown(), pregel.run(small, PageRank(), max_supersteps=0).values)
        for k in (1, 2, 3):
            driver.find_element(By.ID, "step").click()
            assert int(driver.find_element(By.ID, "superstep").text) == k
            assert_shows(shown(), pregel.run(small, PageRank(), max_supersteps=k).values)
        driver.switch_to.default_content()
        # offline, only the export template's own scripts from the web fail to load: nothing of ours
        theirs = ("require.js", "mathjax", "@jupyter-widgets/html-manager")
        errors = severe(driver)
        assert [e for e in errors if not (e["source"] == "network" and any(t in e["message"] for t in theirs))] == []


def test_the_summary_names_vertices_and_id_values_as_the_input_did():
    from pregel.algorithms.components import connected_components

    graph = pregel.Graph.from_edges(["a", "b", "x"], ["b", "c", "y"]).to_undirected()
    page = connected_components(graph)._repr_html_()
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    # components are labelled by their smallest original id, as networkx would name them
    assert sorted(rows) == [("a", "a"), ("b", "a"), ("c", "a"), ("x", "x"), ("y", "x")]
