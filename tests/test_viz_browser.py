"""The replay page in a real browser: what it shows is what the engine computed.

Headless Chromium (Debian's ``chromium`` and ``chromium-driver``) opens the page from
disk, the tests click through it like a person would and read the superstep number and
every vertex's displayed value from the DOM, then compare them with the engine stopped
at that superstep (``max_supersteps=k``).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

import pregel
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from pregel.algorithms.sssp import ShortestPaths
from pregel.io.edges import read_edges
from pregel.viz.page import write_html
from tests.browser import assert_shows, chromium, needs_chromium, severe
from tests.programs import SCRIPT, PeelLeaves

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    with chromium() as driver:
        yield driver


class Page:
    """The replay page open in the browser, read and driven through its DOM."""

    def __init__(self, driver, path: Path, graph: pregel.Graph) -> None:
        self.driver = driver
        self.ids = graph.ids.tolist()
        driver.get(path.resolve().as_uri())
        driver.get_log("browser")  # start each page with an empty console log

    def click(self, button: str, times: int = 1) -> None:
        element = self.driver.find_element(By.ID, button)
        for _ in range(times):
            element.click()

    def text(self, element_id: str) -> str:
        return self.driver.find_element(By.ID, element_id).text

    @property
    def superstep(self) -> int:
        return int(self.text("superstep"))

    def vertex(self, vertex_id: int):
        return self.driver.find_element(By.ID, f"v-{vertex_id}")

    def shown_values(self) -> list[str]:
        return [self.vertex(v).find_element(By.CSS_SELECTOR, "text.value").text for v in self.ids]

    def errors(self) -> list[dict]:
        return severe(self.driver)


def web_graph() -> pregel.Graph:
    return read_edges(DOCS / "web-graph.txt")


@pytest.fixture
def pagerank_page(browser, tmp_path):
    graph = web_graph()
    program = PageRank(tol=1e-4)
    result = pregel.run(graph, program, trace=True)
    write_html(result, tmp_path / "pagerank.html")
    page = Page(browser, tmp_path / "pagerank.html", graph)
    page.result = result
    page.engine = lambda k: pregel.run(graph, PageRank(tol=1e-4), max_supersteps=k)
    yield page
    assert page.errors() == []


def test_step_shows_the_engine_values_at_each_superstep(pagerank_page):
    page = pagerank_page
    assert page.superstep == 0
    assert_shows(page.shown_values(), page.engine(0).values)
    done = 0
    for k in (1, 2, 3, 7, page.result.supersteps):
        page.click("step", k - done)
        done = k
        assert page.superstep == k
        engine = page.engine(k)
        assert_shows(page.shown_values(), engine.values)
        stats = engine.stats[-1]
        assert int(page.text("active")) == stats.active == 8
        assert int(page.text("sent")) == stats.messages_sent == 14
        assert int(page.text("combined")) == stats.messages_combined
        assert_shows([page.text("agg-delta")], np.array([stats.aggregated["delta"]]))
    page.click("step")
    assert page.superstep == page.result.supersteps, "Step stops at the end of the run"


def test_back_returns_to_the_previous_state(pagerank_page):
    page = pagerank_page
    page.click("step", 4)
    at_four = page.shown_values()
    page.click("step")
    assert page.shown_values() != at_four
    page.click("back")
    assert page.superstep == 4
    assert page.shown_values() == at_four
    assert_shows(at_four, page.engine(4).values)
    page.click("back", 10)
    assert page.superstep == 0


def test_play_reaches_the_last_superstep_and_stops(pagerank_page):
    page = pagerank_page
    last = page.result.supersteps
    page.driver.find_element(By.CSS_SELECTOR, "#speed option[value='4']").click()
    page.click("play")
    WebDriverWait(page.driver, timeout=30, poll_frequency=0.1).until(lambda _: page.superstep == last)
    WebDriverWait(page.driver, timeout=5).until(lambda _: "Play" in page.text("play"))
    assert page.superstep == last
    assert_shows(page.shown_values(), page.result.values)
    page.click("reset")
    assert page.superstep == 0


def test_the_keyboard_steps_back_and_plays(pagerank_page):
    page = pagerank_page
    body = page.driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_LEFT)
    assert page.superstep == 2
    assert_shows(page.shown_values(), page.engine(2).values)
    body.send_keys(Keys.SPACE)
    WebDriverWait(page.driver, timeout=5).until(lambda _: page.superstep > 2)
    body.send_keys(Keys.SPACE)
    paused_at = page.superstep
    assert "Play" in page.text("play")
    assert page.superstep == paused_at


def test_the_slider_jumps(pagerank_page):
    page = pagerank_page
    slider = page.driver.find_element(By.ID, "slider")
    ActionChains(page.driver).move_to_element(slider).click().perform()  # the middle of the run
    k = page.superstep
    assert 0 < k < page.result.supersteps
    assert int(slider.get_attribute("value")) == k
    assert_shows(page.shown_values(), page.engine(k).values)
    slider.send_keys(Keys.END)
    assert page.superstep == page.result.supersteps
    assert_shows(page.shown_values(), page.result.values)


def test_messages_in_flight_carry_their_values(pagerank_page):
    page = pagerank_page
    page.click("step", 3)
    step = page.result.trace.steps[2]
    ids = page.ids
    titles = [
        dot.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        for dot in page.driver.find_elements(By.CSS_SELECTOR, "circle.message")
    ]
    expected = [
        f"message {ids[s]} → {ids[t]}: {v!r}"
        for s, t, v in zip(step.senders.tolist(), step.targets.tolist(), step.messages.tolist())
    ]
    assert sorted(titles) == sorted(expected)


def test_hovering_a_vertex_shows_its_id_value_and_degrees(pagerank_page):
    page = pagerank_page
    page.click("step", 2)
    ActionChains(page.driver).move_to_element(page.vertex(4).find_element(By.TAG_NAME, "circle")).perform()
    info = page.text("info")
    assert "vertex 4" in info
    assert "in-degree 2, out-degree 3" in info
    assert repr(page.engine(2)[4]) in info


def test_dragging_a_vertex_moves_it_and_its_edges(pagerank_page):
    page = pagerank_page
    vertex = page.vertex(8)
    edges = [e.get_attribute("d") for e in page.driver.find_elements(By.CSS_SELECTOR, "path.edge")]
    before = vertex.get_attribute("transform")
    circle = vertex.find_element(By.TAG_NAME, "circle")
    ActionChains(page.driver).click_and_hold(circle).move_by_offset(40, 10).move_by_offset(40, 20).release().perform()
    after = vertex.get_attribute("transform")
    (x0, y0), (x1, y1) = (_translation(t) for t in (before, after))
    assert math.hypot(x1 - x0, y1 - y0) > 40
    assert [e.get_attribute("d") for e in page.driver.find_elements(By.CSS_SELECTOR, "path.edge")] != edges
    assert "vertex 8" in page.text("info")


def test_a_screenshot_is_not_blank(pagerank_page, tmp_path):
    from PIL import Image

    page = pagerank_page
    page.click("step", 3)
    png = page.driver.get_screenshot_as_png()
    (tmp_path / "pagerank.png").write_bytes(png)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert pixels.shape[0] > 400 and pixels.shape[1] > 800
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 50
    # the vertices are drawn in blue: a clear share of the picture
    blue = (pixels[..., 2] > 180) & (pixels[..., 0] < 120)
    assert blue.mean() > 0.01


def test_sssp_shows_unreachable_vertices_as_infinity(browser, tmp_path):
    # 9 -> 10 cannot be reached from 1
    graph = pregel.Graph.from_edges([1, 1, 2, 3, 4, 9], [2, 3, 4, 4, 5, 10], weights=[1.0, 4.0, 2.0, 0.5, 1.0, 1.0])
    result = pregel.run(graph, ShortestPaths(source=1), trace=True)
    write_html(result, tmp_path / "sssp.html")
    page = Page(browser, tmp_path / "sssp.html", graph)
    assert page.shown_values() == ["∞"] * 7
    for k in range(1, result.supersteps + 1):
        page.click("step")
        assert page.superstep == k
        assert_shows(page.shown_values(), pregel.run(graph, ShortestPaths(source=1), max_supersteps=k).values)
    assert page.shown_values() == ["0", "1", "4", "3", "4", "∞", "∞"]
    for v in (9, 10):
        assert "unreachable" in page.vertex(v).get_attribute("class")
    assert "unreachable" not in page.vertex(5).get_attribute("class")
    assert all("halted" in page.vertex(v).get_attribute("class") for v in page.ids)
    assert page.errors() == []


def test_components_get_one_colour_each(browser, tmp_path):
    graph = pregel.Graph.from_edges([1, 2, 3, 5, 6, 8, 9, 10], [2, 3, 1, 6, 7, 9, 10, 11]).to_undirected()
    result = pregel.run(graph, ConnectedComponents, trace=True)
    write_html(result, tmp_path / "cc.html")
    page = Page(browser, tmp_path / "cc.html", graph)
    for k in range(1, result.supersteps + 1):
        page.click("step")
        assert page.superstep == k
        assert_shows(page.shown_values(), pregel.run(graph, ConnectedComponents, max_supersteps=k).values)
    assert page.shown_values() == ["1", "1", "1", "5", "5", "5", "8", "8", "8", "8"]
    fills = {v: page.vertex(v).find_element(By.TAG_NAME, "circle").get_attribute("fill") for v in page.ids}
    assert len({fills[v] for v in (1, 2, 3)}) == len({fills[v] for v in (5, 6, 7)}) == 1
    assert len({fills[1], fills[5], fills[8]}) == 3
    assert page.driver.find_elements(By.CSS_SELECTOR, "path.edge[marker-end='url(#arrow)']") == []
    assert page.errors() == []


def test_labelled_vertices_and_text_values_are_named_and_coloured(browser, tmp_path):
    from pregel.algorithms.matching import maximal_matching
    from pregel.algorithms.scc import strongly_connected_components

    graph = pregel.Graph.from_edges(["a", "b", "c", "c", "d", "e"], ["b", "c", "a", "d", "e", "d"])
    write_html(strongly_connected_components(graph, trace=True), tmp_path / "scc.html")
    page = Page(browser, tmp_path / "scc.html", graph)
    page.ids = graph.labels.tolist()
    page.click("step", len(strongly_connected_components(graph).stats))
    # the components' labels are the user's names, not the numbers the program ran on
    assert page.shown_values() == ["a", "a", "a", "d", "d"]
    fills = {v: page.vertex(v).find_element(By.TAG_NAME, "circle").get_attribute("fill") for v in page.ids}
    assert len({fills[v] for v in "abc"}) == len({fills[v] for v in "de"}) == 1 and fills["a"] != fills["d"]
    assert "the colour, then the component label" in page.text("legend")
    assert page.errors() == []
    undirected = graph.to_undirected()
    result = maximal_matching(undirected, seed=1, trace=True)
    write_html(result, tmp_path / "matching.html")
    page = Page(browser, tmp_path / "matching.html", undirected)
    page.ids = graph.labels.tolist()
    assert page.shown_values() == ["–"] * 5  # nobody has decided yet
    page.click("step", result.supersteps)
    partner = result.values.tolist()  # indices: the ids of a graph with string ids
    expected = ["unmatched" if p < 0 else "–".join(sorted([v, page.ids[p]])) for v, p in zip(page.ids, partner)]
    assert page.shown_values() == expected
    assert page.errors() == []


def test_a_users_own_program_replays_too(browser, tmp_path):
    class Countdown(pregel.Vertex):
        """Each vertex counts down from its id, telling its neighbours every step (no combiner)."""

        def initial_value(self):
            return self.id

        value_dtype = np.int64

        def compute(self, messages):
            if self.value > 0:
                self.value -= 1
                self.send_message_to_all_neighbors(self.value)
            else:
                self.vote_to_halt()

    graph = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    result = pregel.run(graph, Countdown, trace=True)
    write_html(result, tmp_path / "countdown.html")
    page = Page(browser, tmp_path / "countdown.html", graph)
    page.click("step", 2)
    assert page.shown_values() == ["0", "0", "1"]
    assert "halted" in page.vertex(1).get_attribute("class")
    assert "halted" not in page.vertex(3).get_attribute("class")
    assert page.errors() == []


def test_a_mutating_run_shows_vertices_and_edges_come_and_go(browser, tmp_path):
    # superstep 0 adds vertex 10 and the edge 1 -> 10, superstep 1 removes vertex 3 (and its 3 edges)
    graph = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])
    script = {0: [("add_vertex", 1, 10, 5.0), ("add_edge", 1, 1, 10, 1.0)], 1: [("remove_vertex", 2, 3)]}
    result = pregel.run(graph, SCRIPT(script=script, until=2).pick("scalar"), trace=True)
    graphs = [graph] + [step.graph for step in result.trace.steps]  # the graph at each position
    assert [g.num_vertices for g in graphs] == [4, 4, 5, 4] and [g.num_edges for g in graphs] == [4, 4, 5, 2]
    write_html(result, tmp_path / "script.html")
    page = Page(browser, tmp_path / "script.html", graph)
    drawn = page.driver.find_elements(By.CSS_SELECTOR, "path.edge")
    assert len(drawn) == 5, "the page has every edge the run ever had"

    def shown(vertex_id: int) -> bool:
        return page.vertex(vertex_id).is_displayed()

    def marks(vertex_id: int) -> set[str]:
        return set(page.vertex(vertex_id).get_attribute("class").split()) & {"added", "removed"}

    for k, g in enumerate(graphs):
        page.click("step", k > 0)
        assert page.superstep == k
        assert [v for v in (1, 2, 3, 4, 10) if shown(v)] == g.ids.tolist()
        assert int(page.text("vertex-count")) == g.num_vertices
        assert int(page.text("edge-count")) == g.num_edges == sum(e.is_displayed() for e in drawn)
        values = result.trace.values_after(k)
        assert_shows([page.vertex(v).find_element(By.CSS_SELECTOR, "text.value").text for v in g.ids], values)
    # position 2: superstep 1 ran on the graph with vertex 10 (new), and its barrier removes vertex 3
    page.click("back")
    assert page.superstep == 2
    assert marks(10) == {"added"} and marks(3) == {"removed"} and marks(1) == set()
    assert page.driver.find_element(By.CSS_SELECTOR, "#v-10 circle").is_displayed()
    assert len(page.driver.find_elements(By.CSS_SELECTOR, "path.edge.added")) == 1
    assert len(page.driver.find_elements(By.CSS_SELECTOR, "path.edge.removed")) == 3
    mutations = page.text("mutations")
    assert "added 1 vertex, 1 edge" in mutations and "removed 1 vertex, 3 edges" in mutations
    page.click("back")
    assert not shown(10) and shown(3) and marks(3) == set()
    assert page.text("mutations") == "the graph does not change here"
    page.click("step", 2)
    assert not shown(3) and shown(10) and marks(10) == set()
    ActionChains(page.driver).move_to_element(page.vertex(10).find_element(By.TAG_NAME, "circle")).perform()
    assert "in-degree 1, out-degree 0" in page.text("info")
    assert page.errors() == []


def test_peeling_leaves_hides_each_round_of_them(browser, tmp_path):
    # a path 1 -> 2 -> 3 -> 4 hanging off the cycle 5 -> 6 -> 7 -> 5: one vertex of the path goes per round
    graph = pregel.Graph.from_edges([1, 2, 3, 5, 6, 7], [2, 3, 4, 6, 7, 5]).reverse()
    result = pregel.run(graph, PeelLeaves, trace=True)
    write_html(result, tmp_path / "peel.html")
    page = Page(browser, tmp_path / "peel.html", graph)
    for k in range(result.supersteps + 1):
        ran_on = graph if k == 0 else result.trace.steps[k - 1].graph
        assert [v for v in page.ids if page.vertex(v).is_displayed()] == ran_on.ids.tolist()
        assert int(page.text("edge-count")) == ran_on.num_edges
        page.click("step")
    assert sorted(result.to_dict()) == [5, 6, 7]
    assert page.errors() == []


def _translation(transform: str) -> tuple[float, float]:
    inside = transform[transform.index("(") + 1 : transform.index(")")]
    x, y = inside.replace(",", " ").split()
    return float(x), float(y)
