"""The replay page's sizes and layout, by geometry: circles apart, inside the canvas, smaller for larger graphs.

The browser test (test_viz_layout_browser.py) reads the drawn page of one 300-vertex
graph; these check the numbers the page is drawn from, on graphs of many sizes and
shapes, in page units.
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from pregel.viz.layout import CANVAS, COVERAGE, MARGIN, choose_sizes, layout
from pregel.viz.page import page_data
from tests.graphs import hand_made


def random_graph(n: int, edges: int, seed: int) -> pregel.Graph:
    rng = np.random.default_rng(seed)
    return pregel.Graph.from_edges(rng.integers(0, n, edges), rng.integers(0, n, edges))


def drawn(graph: pregel.Graph, program) -> tuple[np.ndarray, np.ndarray]:
    """Centres and radii of the circles at their largest over the run, as the page draws them."""
    trace = pregel.run(graph, program, trace=True).trace
    style = "rank" if program is PageRank else "label"
    data = page_data(trace, style)
    states = np.vstack([trace.initial, *(s.values for s in trace.steps)]).astype(float)
    r = data["radius"]
    if style == "rank":
        radii = r["smallest"] + (r["largest"] - r["smallest"]) * np.sqrt(states.max(axis=0) / r["high"])
    else:
        radii = np.full(graph.num_vertices, r["plain"])
    return np.array(data["xy"]).reshape(-1, 2), radii


GRAPHS = {
    "path of 40": lambda: pregel.Graph.from_edges(list(range(39)), list(range(1, 40))),
    "star of 60": lambda: pregel.Graph.from_edges([0] * 59, list(range(1, 60))),
    "random 30": lambda: random_graph(30, 60, 1),
    "random 150": lambda: random_graph(150, 400, 2),
    "random 300": lambda: random_graph(300, 900, 3),
    "pieces": lambda: pregel.Graph.from_edges([1, 2, 3, 10, 20, 21, 30], [2, 3, 1, 11, 21, 22, 30]),
    **{name: (lambda name=name: hand_made(name)) for name in ("self_loops", "single_vertex", "disconnected")},
}


@pytest.mark.parametrize("program", [PageRank, ConnectedComponents], ids=["rank", "plain"])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_circles_keep_apart_and_inside_the_canvas(name, program):
    graph = GRAPHS[name]()
    if program is ConnectedComponents:
        graph = graph.to_undirected()
    xy, radii = drawn(graph, program)
    assert xy.shape == (graph.num_vertices, 2)
    assert (xy - radii[:, None] >= MARGIN - 0.1).all()
    assert (xy + radii[:, None] <= np.array(CANVAS) - MARGIN + 0.1).all()
    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(distance, np.inf)
    # rounded to 0.1 unit for the page: two circles may come that close, no closer
    assert (distance >= radii[:, None] + radii[None, :] - 0.2).all()
    assert np.pi * (radii**2).sum() <= COVERAGE * CANVAS[0] * CANVAS[1] * 1.01


def test_a_large_graph_fills_the_canvas():
    xy, radii = drawn(random_graph(300, 900, 4), PageRank)
    width, height = np.ptp(xy[:, 0]) + 2 * radii.max(), np.ptp(xy[:, 1]) + 2 * radii.max()
    assert width > 0.85 * CANVAS[0] and height > 0.85 * CANVAS[1]
    # the middle third holds about a ninth of the vertices, not most of them (a blob)
    middle = (abs(xy[:, 0] - CANVAS[0] / 2) < CANVAS[0] / 6) & (abs(xy[:, 1] - CANVAS[1] / 2) < CANVAS[1] / 6)
    assert middle.mean() < 0.2


def test_sizes_shrink_with_the_number_of_vertices():
    sizes = {n: choose_sizes(np.full(n, 1 / n), "rank") for n in (8, 50, 300, 1000)}
    plain = [sizes[n].plain for n in sorted(sizes)]
    largest = [sizes[n].largest for n in sorted(sizes)]
    # 8 and 50 vertices both get the largest plain circle; past that, more vertices, smaller circles
    assert plain[0] == plain[1] == 18 and plain[1] > plain[2] > plain[3] >= 4
    assert largest[0] == 37 and largest[0] > largest[1] > largest[2] > largest[3]


def test_no_graph_and_one_vertex_are_drawn():
    assert layout(pregel.Graph.from_edges([], [])).shape == (0, 2)
    (point,) = layout(hand_made("single_vertex"), np.array([18.0]))
    np.testing.assert_allclose(point, np.array(CANVAS) / 2)


def test_a_mutating_run_is_drawn_on_the_union_of_its_graphs():
    from pregel.viz.page import check_size, unpack
    from tests.programs import SCRIPT

    graph = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])
    # superstep 0: vertex 10 and 1 -> 10 come; superstep 1: vertex 3 goes; superstep 2: 4 -> 2 comes
    script = {0: [("add_vertex", 1, 10, 5.0), ("add_edge", 1, 1, 10, 1.0)], 1: [("remove_vertex", 2, 3)]}
    script[2] = [("add_edge", 4, 4, 2, 1.0)]
    result = pregel.run(graph, SCRIPT(script=script, until=2).pick("batch"), workers=2, trace=True)
    trace = result.trace
    data = page_data(trace, "value", after=result.graph)
    ids = data["ids"]
    assert ids == [1, 2, 3, 4, 10]
    pairs = {(ids[s], ids[t]) for s, t in data["edges"]}
    assert pairs == {(1, 2), (2, 3), (3, 1), (3, 4), (1, 10), (4, 2)}, "every edge the run ever had"
    # position p: the graph superstep p - 1 ran on; the last entry, the graph the run left
    ran_on = [graph, *(step.graph for step in trace.steps), result.graph]
    assert data["graph_at"] == [0, 0, 1, 2, 3]
    for p, g in enumerate(ran_on):
        shape = data["graphs"][data["graph_at"][p]]
        vertices = unpack(shape["vertices"], len(ids))
        edges = unpack(shape["edges"], len(data["edges"]))
        assert [v for v, present in zip(ids, vertices) if present] == g.ids.tolist()
        sources, targets, _ = g.edge_arrays()
        assert {(ids[s], ids[t]) for (s, t), e in zip(data["edges"], edges) if e} == set(zip(sources, targets))
    # values on the union: nan where a vertex is missing
    for k, step in enumerate(data["steps"]):
        own = dict(zip(trace.steps[k].graph.ids.tolist(), trace.steps[k].values.tolist()))
        shown = unpack(step["values"]).tolist()
        assert [own.get(v) for v in ids] == [None if np.isnan(x) else x for x in shown]
    assert unpack(data["steps"][1]["computed"], 5).tolist() == [True, True, True, True, True]
    assert "out_degree" not in data
    check_size(result, max_vertices=5)
    with pytest.raises(pregel.InputError, match="together, 5 vertices, more than the limit of 4"):
        check_size(result, max_vertices=4)


def test_a_run_without_mutations_has_no_union_data():
    graph = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    result = pregel.run(graph, PageRank, trace=True)
    assert page_data(result.trace, "rank", after=result.graph) == page_data(result.trace, "rank")
    assert not {"graphs", "graph_at"} & page_data(result.trace, "rank").keys()


def test_a_louvain_page_shows_the_modularity_of_each_level():
    from pregel.algorithms.louvain import louvain

    two_triangles = pregel.Graph.from_edges([1, 2, 3, 3, 4, 5, 6], [2, 3, 1, 4, 5, 6, 4])
    result = louvain(two_triangles, trace=True)
    data = page_data(result.trace, "label")
    last = data["steps"][-1]["aggregated"]
    assert last["levels"] == str(list(result.aggregated["levels"]))
    assert float(last["modularity"]) == pytest.approx(result.aggregated["levels"][-1], abs=1e-12)
    # master compute's plan shows its plain entries, not the arrays it carries
    assert "level=" in last["plan"] and "array" not in last["plan"]
