"""The replay page stays readable up to its limit: 300 vertices drawn apart, inside the canvas, zoomable.

A random 300-vertex graph (the default limit of ``pregel viz``) is run with PageRank,
whose circles grow with the rank, and opened in headless Chromium. The tests read every
circle's place and size on screen from the DOM, at the start, in the middle and at the
end of the run, and check the drawing by geometry: no two circles overlap by more than a
quarter of the smaller one's radius, every circle lies inside the canvas, the names and
values shown fit where they are drawn. They zoom with the wheel, pan by dragging the
background and come back with the "fit" button like a person would.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import pregel
from pregel.algorithms.pagerank import PageRank
from pregel.io.edges import read_edges
from pregel.viz.page import MAX_VERTICES, write_html
from tests.browser import chromium, needs_chromium, severe

pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

pytestmark = needs_chromium

#: The page of the 300-vertex graph may not be larger than this (1.7 MB with every number as JSON text, before packing).
PAGE_BYTES = 450_000

GEOMETRY = """
const box = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
const shown = (e) => getComputedStyle(e).display !== "none";
return {
  canvas: box(document.getElementById("graph")),
  circles: [...document.querySelectorAll("#vertices circle")].map(box),
  names: [...document.querySelectorAll("#vertices text.name")].map((e) => shown(e) ? box(e) : null),
  values: [...document.querySelectorAll("#vertices text.value")].map((e) => shown(e) ? box(e) : null),
  viewBox: document.getElementById("graph").getAttribute("viewBox"),
};
"""


def random_graph(n: int = MAX_VERTICES, extra: int = 550, seed: int = 3) -> pregel.Graph:
    """Every vertex links somewhere (so all ``n`` are in the graph), plus ``extra`` random links."""
    rng = np.random.default_rng(seed)
    sources = np.concatenate([np.arange(n), rng.integers(0, n, extra)])
    targets = np.concatenate([(np.arange(n) + rng.integers(1, n, n)) % n, rng.integers(0, n, extra)])
    return pregel.Graph.from_edges(sources, targets)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The 300-vertex page open in one browser for the module: ``(driver, result, bytes of the page)``."""
    graph = random_graph()
    assert graph.num_vertices == MAX_VERTICES
    result = pregel.run(graph, PageRank(), trace=True)
    path = tmp_path_factory.mktemp("layout") / "random-300.html"
    write_html(result, path)
    with chromium() as driver:
        driver.get(path.resolve().as_uri())
        yield driver, result, path.stat().st_size
        assert severe(driver) == []


def geometry(driver) -> dict:
    return driver.execute_script(GEOMETRY)


def circles(found: dict) -> np.ndarray:
    """Centre x, centre y and radius of every circle, in screen pixels."""
    boxes = np.array(found["circles"])
    return np.column_stack(
        [(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2, (boxes[:, 2] - boxes[:, 0]) / 2]
    )


def go_to(driver, superstep: int) -> None:
    """The whole drawing in view, at ``superstep`` (set on the slider, as a person dragging it would)."""
    driver.find_element(By.ID, "fit").click()
    driver.execute_script(
        "const s = document.getElementById('slider'); s.value = arguments[0]; s.dispatchEvent(new Event('input'));",
        superstep,
    )
    assert int(driver.find_element(By.ID, "superstep").text) == superstep


def test_the_page_of_300_vertices_is_compact(page):
    _, result, size = page
    graph = f"a 300-vertex, {result.graph.num_edges}-edge graph, {result.supersteps} supersteps"
    print(f"replay page of {graph}: {size:,} bytes")
    assert size <= PAGE_BYTES, f"the page is {size:,} bytes"


@pytest.mark.parametrize("when", ["start", "middle", "end"])
def test_no_two_circles_overlap_and_all_are_inside_the_canvas(page, when):
    driver, result, _ = page
    go_to(driver, {"start": 0, "middle": result.supersteps // 2, "end": result.supersteps}[when])
    found = geometry(driver)
    xyr = circles(found)
    assert len(xyr) == MAX_VERTICES
    x, y, r = xyr.T
    left, top, right, bottom = found["canvas"]
    assert (x - r >= left - 0.5).all() and (x + r <= right + 0.5).all()
    assert (y - r >= top - 0.5).all() and (y + r <= bottom + 0.5).all()
    distance = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    overlap = r[:, None] + r[None, :] - distance
    smaller = np.minimum(r[:, None], r[None, :])
    np.fill_diagonal(overlap, -np.inf)
    worst = np.unravel_index(np.argmax(overlap / smaller), overlap.shape)
    assert overlap[worst] <= 0.25 * smaller[worst], f"circles {worst} overlap by {overlap[worst]:.1f} px"
    # the drawing uses the canvas: its circles spread over most of the width and the height
    assert np.ptp(x) > 0.8 * (right - left) and np.ptp(y) > 0.75 * (bottom - top)


def test_circles_are_smaller_than_on_a_small_graph(page, tmp_path):
    driver, result, _ = page
    go_to(driver, result.supersteps)
    many = circles(geometry(driver))[:, 2] / _pixels_per_unit(driver)
    # the 8-page example of docs/, in the same browser
    small = read_edges(Path(__file__).resolve().parent.parent / "docs" / "web-graph.txt")
    write_html(pregel.run(small, PageRank(), trace=True), tmp_path / "small.html")
    driver.get((tmp_path / "small.html").as_uri() + f"#{result.supersteps}")
    few = circles(geometry(driver))[:, 2] / _pixels_per_unit(driver)
    driver.back()
    assert np.median(many) < 0.5 * np.median(few) and many.max() < 0.6 * few.max()


def test_the_labels_shown_fit_and_do_not_collide(page):
    driver, result, _ = page
    go_to(driver, result.supersteps)
    found = geometry(driver)
    xyr = circles(found)
    names = [(i, box) for i, box in enumerate(found["names"]) if box]
    values = [(i, box) for i, box in enumerate(found["values"]) if box]
    assert len(names) > MAX_VERTICES // 2, "most names fit in their circles"
    for i, (left, top, right, bottom) in names:
        x, y, r = xyr[i]
        assert math.hypot(max(abs(left - x), abs(right - x)), (bottom - top) / 2) <= 1.15 * r + 1, f"name {i}"
    for k, (i, a) in enumerate(values):
        for j, b in values[k + 1 :]:
            assert not _meet(a, b), f"the values of vertices {i} and {j} collide"
        for j, (x, y, r) in enumerate(xyr):
            assert j == i or not _circle_meets(x, y, r - 1, a), f"the value of vertex {i} covers vertex {j}"


def test_hovering_shows_a_hidden_name_and_the_exact_value(page):
    driver, result, _ = page
    go_to(driver, result.supersteps)
    found = geometry(driver)
    hidden = [i for i, box in enumerate(found["names"]) if box is None]
    vertex = hidden[0] if hidden else 0
    vertex_id = int(result.graph.ids[vertex])
    circle = driver.find_element(By.CSS_SELECTOR, f"#v-{vertex_id} circle")
    ActionChains(driver).move_to_element(circle).perform()
    label = driver.find_element(By.CSS_SELECTOR, "#hover text").text
    assert label.startswith(f"{vertex_id}: ")
    assert repr(float(result.values[vertex])) in driver.find_element(By.ID, "info").text
    ActionChains(driver).move_by_offset(0, 400).perform()


def test_the_wheel_zooms_dragging_pans_and_fit_comes_back(page):
    driver, _, _ = page
    go_to(driver, 0)
    svg = driver.find_element(By.ID, "graph")
    before = circles(geometry(driver))
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(svg), 0, -500).perform()
    zoomed = circles(geometry(driver))
    grown = np.median(zoomed[:, 2] / before[:, 2])
    assert grown > 1.5, "scrolling up zooms in"
    # zooming keeps the point under the pointer (the canvas's middle) in place
    middle = np.array(svg.rect["x"] + svg.rect["width"] / 2), np.array(svg.rect["y"] + svg.rect["height"] / 2)
    np.testing.assert_allclose(
        zoomed[:, :2] - np.column_stack(middle), (before[:, :2] - np.column_stack(middle)) * grown, atol=2
    )
    # drag the background where no circle is: everything moves with the pointer
    empty = _far_from(zoomed, svg.rect)
    ActionChains(driver).move_to_element_with_offset(svg, *empty).click_and_hold().move_by_offset(60, 0).move_by_offset(
        60, 40
    ).release().perform()
    panned = circles(geometry(driver))
    np.testing.assert_allclose(panned[:, :2] - zoomed[:, :2], np.tile([120, 40], (len(panned), 1)), atol=1.5)
    assert driver.find_element(By.ID, "info").text == "Hover over or click a vertex."
    driver.find_element(By.ID, "fit").click()
    np.testing.assert_allclose(circles(geometry(driver)), before, atol=0.5)


def _far_from(xyr: np.ndarray, rect: dict) -> tuple[float, float]:
    """A point of the canvas's left half far from every circle, as an offset from the canvas's centre."""
    xs = np.linspace(rect["x"] + 10, rect["x"] + rect["width"] / 2, 40)
    ys = np.linspace(rect["y"] + 10, rect["y"] + rect["height"] - 60, 40)
    grid = np.array([(x, y) for x in xs for y in ys])
    gap = (np.hypot(grid[:, None, 0] - xyr[None, :, 0], grid[:, None, 1] - xyr[None, :, 1]) - xyr[None, :, 2]).min(
        axis=1
    )
    x, y = grid[np.argmax(gap)]
    assert gap.max() > 5
    return x - rect["x"] - rect["width"] / 2, y - rect["y"] - rect["height"] / 2


def _pixels_per_unit(driver) -> float:
    found = geometry(driver)
    left, top, right, bottom = found["canvas"]
    _, _, width, height = map(float, found["viewBox"].split())
    return min((right - left) / width, (bottom - top) / height)


def _meet(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _circle_meets(x: float, y: float, r: float, box: list[float]) -> bool:
    dx = x - min(max(x, box[0]), box[2])
    dy = y - min(max(y, box[1]), box[3])
    return dx * dx + dy * dy < r * r
