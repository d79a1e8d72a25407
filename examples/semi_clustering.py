"""Semi-clustering, the Pregel paper's example of a social-graph algorithm (section 5.4).

A semi-cluster is a group of people who interact a lot with one another and little with
the rest; unlike a partition, a person may belong to several. Its score is

    S = (I - f_B * B) / (V * (V - 1) / 2)

for V members, I the weight of the edges inside it, B the weight of the edges leaving
it and f_B (``boundary_factor``) between 0 and 1; dividing by the edges of a clique of V
keeps large groups from scoring high just for their size. A group of one has no one
to interact with: it scores 0.

Each vertex keeps the best ``max_clusters`` semi-clusters it belongs to. In superstep 0
it starts one of its own; afterwards it reads its neighbours' semi-clusters, adds itself
to each that does not hold it and has fewer than ``max_members``, and keeps the best of
those that hold it together with the ones it had. When its list changes it sends it to
its neighbours; when not, it votes to halt. Scores are kept up to date as members join,
from I, B and the weights of the joining vertex's edges alone.

A scalar program (``Vertex``) with Python values (tuples), as the paper writes it; run it
on an undirected graph (both directions of every edge), weights being how much people
interact:

    pregel run examples/semi_clustering.py interactions.txt --undirected --param max_members=4
"""

from __future__ import annotations

from typing import Any

import pregel
from pregel import Vertex

# a semi-cluster: (score, members (sorted ids), weight inside, weight on the boundary)
Cluster = tuple[float, tuple[int, ...], float, float]


def score(members: int, inside: float, boundary: float, boundary_factor: float) -> float:
    """The paper's score of a semi-cluster; 0 for a group of one.

    Examples
    --------
    >>> score(3, inside=3.0, boundary=2.0, boundary_factor=0.5)
    0.6666666666666666
    """
    if members == 1:
        return 0.0
    return (inside - boundary_factor * boundary) / (members * (members - 1) / 2)


class SemiClustering(Vertex):
    """Each vertex's best semi-clusters, best first: ``(score, members, inside, boundary)``.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]).to_undirected()
    >>> best = pregel.run(g, SemiClustering(max_members=3)).to_dict()
    >>> best[1][0][:2]
    (0.8333333333333334, (1, 2, 3))
    """

    value_dtype = object
    initial_value = ()
    max_clusters = 3
    max_members = 4
    boundary_factor = 0.5

    def compute(self, messages: list[tuple[Cluster, ...]] | None) -> None:
        targets, weights = self.out_edges
        weight_of = dict(zip(targets.tolist(), weights.tolist()))
        total = sum(weight_of.values())
        if self.superstep == 0:
            candidates = [(0.0, (self.id,), 0.0, total)]
        else:
            candidates = list(self.value)
            for clusters in messages or ():
                for cluster in clusters:
                    candidates.append(cluster)
                    if self.id not in cluster[1] and len(cluster[1]) < self.max_members:
                        candidates.append(joined(cluster, self.id, weight_of, total, self.boundary_factor))
        # one entry per group of members (the same group may come by several paths)
        mine = {}
        for cluster in sorted(candidates, key=lambda c: (-c[0], c[1], c[2], c[3])):
            if self.id in cluster[1]:
                mine.setdefault(cluster[1], cluster)
        best = tuple(sorted(mine.values(), key=lambda c: (-c[0], c[1]))[: self.max_clusters])
        if best != self.value:
            self.value = best
            self.send_message_to_all_neighbors(best)
        else:
            self.vote_to_halt()


def joined(cluster: Cluster, vertex: int, weight_of: dict[int, float], total: float, boundary_factor: float) -> Cluster:
    """``cluster`` with ``vertex`` added: its edges to the members move from the boundary inside.

    ``weight_of`` maps the vertex's neighbours to the weights of its edges to them, which
    add up to ``total``.

    Examples
    --------
    >>> joined((0.0, (1,), 0.0, 2.0), 2, {1: 1.0, 3: 1.0}, 2.0, boundary_factor=0.5)
    (0.0, (1, 2), 1.0, 2.0)
    """
    _, members, inside, boundary = cluster
    towards = sum(weight_of.get(member, 0.0) for member in members)
    inside, boundary = inside + towards, boundary - towards + (total - towards)
    members = tuple(sorted((*members, vertex)))
    return (score(len(members), inside, boundary, boundary_factor), members, inside, boundary)


def semi_clusters(graph: pregel.Graph, **params: Any) -> dict[int, tuple[Cluster, ...]]:
    """Each vertex's best semi-clusters on the undirected view of ``graph``.

    Examples
    --------
    >>> semi_clusters(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]), max_members=3)[4][0]
    (0.3333333333333333, (1, 3, 4), 2.0, 2.0)
    """
    return pregel.run(graph.to_undirected(), SemiClustering(**params), max_supersteps=50).to_dict()
