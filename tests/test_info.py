"""`pregel info`: every number checked against networkx (or counted by hand for the small file)."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from tests.conftest import SHIPPED

# 1→2 twice (one duplicate), a self-loop on 3, 5 dangling, 7-8 apart from the rest
SMALL = "# a small graph\n1 2 2.5\n1 2 1\n2 3 1\n3 3 4\n3 1 -1\n3 5 1\n7 8 0.5\n"


def _info(run_cli, *args):
    done = run_cli("info", *args, "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    return json.loads(done.stdout)


def test_small_graph_by_hand(run_cli, write_edges):
    info = _info(run_cli, write_edges(SMALL))
    assert info["vertices"] == 6
    assert info["edges"] == 6
    assert info["duplicates_merged"] == 1
    assert info["self_loops"] == 1
    assert info["dangling"] == 2  # 5 and 8
    assert info["no_in_edges"] == 1  # 7
    assert info["weights"] == {"min": -1.0, "max": 4.0, "negative": 1}
    assert info["weak_components"] == {"count": 2, "largest": 4}
    assert info["strong_components"] == {"count": 4, "largest": 3}
    assert info["out_degree"]["max"] == 3 and info["in_degree"]["max"] == 2


def test_shipped_graph_against_networkx(run_cli):
    info = _info(run_cli, SHIPPED)
    g = nx.read_edgelist(SHIPPED, create_using=nx.DiGraph, nodetype=int)  # networkx's own reader
    assert info["vertices"] == g.number_of_nodes() == 7115
    assert info["edges"] == g.number_of_edges() == 103689
    assert info["self_loops"] == nx.number_of_selfloops(g)
    assert info["dangling"] == sum(1 for _, d in g.out_degree() if d == 0)
    assert info["no_in_edges"] == sum(1 for _, d in g.in_degree() if d == 0)
    weak = list(nx.weakly_connected_components(g))
    strong = list(nx.strongly_connected_components(g))
    assert info["weak_components"] == {"count": len(weak), "largest": max(map(len, weak))}
    assert info["strong_components"] == {"count": len(strong), "largest": max(map(len, strong))}
    for kind, degrees in (("out", g.out_degree()), ("in", g.in_degree())):
        d = np.array([x for _, x in degrees])
        summary = info[f"{kind}_degree"]
        assert (summary["min"], summary["max"]) == (d.min(), d.max())
        assert summary["mean"] == pytest.approx(d.mean())
        for p in (50, 90, 99):
            assert summary[f"p{p}"] == pytest.approx(np.percentile(d, p))


def test_undirected_counts_both_directions(run_cli, write_edges):
    info = _info(run_cli, write_edges("1 2\n2 3\n"), "--undirected")
    assert info["edges"] == 4 and info["dangling"] == 0 and info["strong_components"]["count"] == 1


def test_text_output_reads_like_a_report(run_cli):
    done = run_cli("info", SHIPPED)
    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert lines[0] == str(SHIPPED)
    facts = {line[:32].strip(): line[32:].split() for line in lines[1:10]}
    assert facts["vertices"] == ["7,115"]
    assert facts["edges"] == ["103,689"]
    assert facts["dangling vertices"][0] == "1,005"
    assert facts["weakly connected components"][:3] == ["24", "largest", "7,066"]
    assert lines[-3].split() == ["degree", "min", "median", "mean", "p90", "p99", "max"]
    assert lines[-2].split()[0] == "out" and lines[-1].split()[0] == "in"
