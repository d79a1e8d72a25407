"""The scalar API's vocabulary behaves as documented (hand-computed answers on small graphs).

What every backend must do alike (waking, combiners, aggregators) is in test_halting.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from pregel import PregelError, Sum, Vertex


def test_id_value_and_out_degree_are_the_current_vertexs():
    class Describe(Vertex):
        value_dtype = object
        initial_value = None

        def compute(self, messages):
            self.value = (self.id, self.out_degree)
            # reading back what was just set
            self.value = (*self.value, self.superstep)
            self.vote_to_halt()

    g = pregel.Graph.from_edges([10, 10, 20], [20, 30, 30])
    assert pregel.run(g, Describe).to_dict() == {10: (10, 2, 0), 20: (20, 1, 0), 30: (30, 0, 0)}


def test_initial_value_method_sees_id_and_out_degree():
    class Start(Vertex):
        def initial_value(self):
            return float(self.id * 10 + self.out_degree)

        def compute(self, messages):
            self.vote_to_halt()

    g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3])
    assert pregel.run(g, Start).to_dict() == {1: 12.0, 2: 21.0, 3: 30.0}


def test_two_broadcasts_from_one_vertex_are_two_messages():
    class Twice(Vertex):
        value_dtype = object
        initial_value = None

        def compute(self, messages):
            if self.superstep == 0 and self.out_degree:
                self.send_message_to_all_neighbors(1)
                self.send_message_to_all_neighbors(2)
            elif messages:
                self.value = tuple(sorted(messages))
            self.vote_to_halt()

    g = pregel.Graph.from_edges([1, 2], [3, 3])
    assert pregel.run(g, Twice).to_dict() == {1: None, 2: None, 3: (1, 1, 2, 2)}


@pytest.mark.parametrize("method", ["aggregate", "aggregated"])
def test_an_undeclared_aggregator_is_named_in_the_error(method):
    class Wrong(Vertex):
        aggregators = {"total": Sum}

        def compute(self, messages):
            if method == "aggregate":
                self.aggregate("totl", 1)
            else:
                self.aggregated("totl")

    with pytest.raises(PregelError, match="'totl' is not declared in Wrong.aggregators"):
        pregel.run(pregel.Graph.from_edges([1], [2]), Wrong)


def test_values_of_vertices_that_do_not_compute_are_kept():
    class Keep(Vertex):
        combiner = Sum

        def initial_value(self):
            return float(self.id)

        def compute(self, messages):
            if self.superstep == 0 and self.id == 1:
                self.send_message_to_all_neighbors(5.0)
            elif messages is not None:
                self.value += messages
            self.vote_to_halt()

    g = pregel.Graph.from_edges([1, 3], [2, 4])
    result = pregel.run(g, Keep)
    assert result.to_dict() == {1: 1.0, 2: 7.0, 3: 3.0, 4: 4.0}
    assert [s.active for s in result.stats] == [4, 1]
    assert np.array_equal(result.ids, [1, 2, 3, 4])
