"""A mistake in a user's vertex program is one ProgramError naming the program, never numpy's words.

Mistakes in what a class declares (a combiner that is not one, a ``compute`` that takes
the wrong arguments) are refused when the program is made; mistakes made while it runs
(a value of the wrong type, an array of the wrong length) stop the run, naming the
vertex or the call. The command line's side (exit status 2, one line) is in
test_cli_errors.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import pregel
from pregel import BatchProgram, ProgramError, Sum, Vertex
from pregel.compiler import fallback_reason
from pregel.core.combiners import Combiner

TRIANGLE = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])


# ------------------------------------------------------------ what a class declares
def test_a_compute_without_the_messages_argument_is_refused():
    class Forgetful(Vertex):
        def compute(self):
            self.vote_to_halt()

    with pytest.raises(ProgramError, match=r"^Forgetful.compute must be defined as compute\(self, messages\)"):
        Forgetful()


def test_a_batch_compute_with_two_arguments_is_refused():
    class Greedy(BatchProgram):
        def compute(self, v, extra):
            v.vote_to_halt()

    with pytest.raises(ProgramError, match=r"^Greedy.compute must be defined as compute\(self, v\)"):
        pregel.run(TRIANGLE, Greedy)


def test_a_master_compute_without_the_master_argument_is_refused():
    class Boss(Vertex):
        def compute(self, messages):
            self.vote_to_halt()

        def master_compute(self):
            pass

    with pytest.raises(ProgramError, match=r"^Boss.master_compute must be defined as master_compute\(self, master\)"):
        Boss()


def test_a_compute_with_a_default_or_star_arguments_is_accepted():
    class Lenient(Vertex):
        def compute(self, messages=None, *rest):
            self.value = 1.0
            self.vote_to_halt()

    assert pregel.run(TRIANGLE, Lenient).to_dict() == {1: 1.0, 2: 1.0, 3: 1.0}


@pytest.mark.parametrize(
    ("combiner", "shown"), [("sum", "'sum'"), (max, "<built-in function max>"), (pregel.Count, "Count")]
)
def test_a_combiner_that_is_not_one_is_refused(combiner, shown):
    class Adds(Vertex):
        def compute(self, messages):
            self.vote_to_halt()

    Adds.combiner = combiner
    with pytest.raises(ProgramError, match=rf"^Adds.combiner is {shown}, not a Combiner \(pregel.Sum, "):
        Adds()


def test_an_aggregator_that_is_not_one_is_refused():
    class Counts(Vertex):
        aggregators = {"total": "sum"}

    with pytest.raises(ProgramError, match=r"^Counts.aggregators\['total'\] is 'sum', not an Aggregator"):
        Counts()


def test_aggregators_that_are_not_a_dict_are_refused():
    class Counts(Vertex):
        aggregators = ["total"]

    with pytest.raises(ProgramError, match=r"^Counts.aggregators must be a dict of name: Aggregator, got \['total'\]"):
        Counts()


# ------------------------------------------------------------ what a run makes
class Odd(Vertex):
    """Vertex 2 takes a value of the kind ``kind`` names in superstep 1."""

    combiner = Sum
    kind = "text"

    def compute(self, messages):
        if self.superstep == 0:
            self.send_message_to_all_neighbors(1.0)
        elif self.id == 2:
            if self.kind == "text":
                self.value = "abc"
            elif self.kind == "none":
                self.value = None
            else:
                self.value = (messages, 1.0)
        self.vote_to_halt()


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(("kind", "shown"), [("text", "'abc'"), ("none", "None"), ("pair", r"\(1.0, 1.0\)")])
@pytest.mark.parametrize("compiled", [True, False])
def test_a_value_that_is_not_the_value_dtype_names_the_vertex(workers, kind, shown, compiled):
    assert fallback_reason(Odd) is None
    message = rf"^Odd set the value of vertex 2 to {shown}, which value_dtype float64 cannot hold \(declare value_dtype"
    with pytest.raises(ProgramError, match=message):
        pregel.run(TRIANGLE, Odd(kind=kind, compiled=compiled), workers=workers)


def test_a_value_that_is_nan_is_kept():
    class NotANumber(Vertex):
        def compute(self, messages):
            self.value = float("nan") if self.id == 1 else 2.0
            self.vote_to_halt()

    values = pregel.run(TRIANGLE, NotANumber).values
    assert np.isnan(values[0]) and values[1:].tolist() == [2.0, 2.0]


def test_an_initial_value_or_an_added_vertex_that_is_not_the_value_dtype_names_the_vertex():
    class Named(Vertex):
        value_dtype = np.int64

        def initial_value(self):
            return "zero" if self.id == 3 else 0

    with pytest.raises(ProgramError, match=r"^Named set the value of vertex 3 to 'zero', which value_dtype int64"):
        pregel.run(TRIANGLE, Named)

    class Adds(Vertex):
        def compute(self, messages):
            self.add_vertex(7, "seven")
            self.vote_to_halt()

    with pytest.raises(ProgramError, match=r"^Adds set the value of vertex 7 to 'seven', which value_dtype float64"):
        pregel.run(TRIANGLE, Adds)


class Misfit(BatchProgram):
    """One array of the wrong length, handed to the call ``call`` names."""

    combiner = Sum
    call = "values"

    def compute(self, v):
        longer = np.ones(v.size + 1)
        if self.call == "values":
            v.values = longer
        elif self.call == "send_to_all_neighbors":
            v.send_to_all_neighbors(longer)
        elif self.call == "where":
            v.send_to_all_neighbors(v.values, where=longer > 0)
        elif self.call == "send_along":
            v.send_along(v.out_edges(), np.ones(v.size + 5))
        elif self.call == "send":
            v.send(v.ids, longer)
        elif self.call == "update_values":
            v.update_values([0], [1.0, 2.0])
        v.vote_to_halt(longer > 0 if self.call == "vote_to_halt" else None)


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(
    ("call", "shown"),
    [
        ("values", r"v.values = an array of shape \(4,\), not one per vertex of the batch \(3\)"),
        ("send_to_all_neighbors", r"send_to_all_neighbors: values of shape \(4,\), not one per vertex of the batch"),
        ("where", r"where= of shape \(4,\), not one per vertex of the batch \(3\)"),
        ("send_along", r"send_along: values of shape \(8,\), not one per edge \(3\)"),
        ("send", r"send: values of shape \(4,\), not one per target \(3\)"),
        ("update_values", r"update_values: values of shape \(2,\), not one per position \(1\)"),
        ("vote_to_halt", r"where= of shape \(4,\), not one per vertex of the batch \(3\)"),
    ],
)
def test_a_batch_array_of_the_wrong_length_is_named(workers, call, shown):
    if workers == 3:
        # the partitions' batches are smaller: the shapes are theirs
        shown = re.sub(r"\d+", r"\\d+", shown)
    with pytest.raises(ProgramError, match=rf"^Misfit: {shown}"):
        pregel.run(TRIANGLE, Misfit(call=call), workers=workers)


@pytest.mark.parametrize("workers", [1, 3])
def test_a_combiner_that_returns_nothing_is_named(workers):
    class Forgets(Combiner):
        def combine(self, a, b):
            a + b  # noqa: B018 (the return forgotten)

    class Gather(Vertex):
        combiner = Forgets

        def compute(self, messages):
            if self.superstep == 0 and self.id > 1:
                self.send_message(1, float(self.id))
            elif self.superstep == 1:
                self.value = -1.0 if messages is None else messages
            self.vote_to_halt()

    # vertex 1 gets 2.0 and 3.0, which were combined into no message at all (-1.0)
    with pytest.raises(ProgramError, match=r"^Forgets.combine returned None \(it must return the combined message\)"):
        pregel.run(TRIANGLE, Gather, workers=workers)


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("action", ["send", "halt", "aggregate", "remove"])
def test_an_action_in_initial_value_is_named(workers, action):
    class Eager(Vertex):
        aggregators = {"total": Sum}

        def initial_value(self):
            if action == "send":
                self.send_message(1, 1.0)
            elif action == "halt":
                self.vote_to_halt()
            elif action == "aggregate":
                self.aggregate("total", 1.0)
            else:
                self.remove_vertex(self.id)
            return 0.0

        def compute(self, messages):
            self.vote_to_halt()

    class EagerBatch(BatchProgram):
        aggregators = {"total": Sum}

        def initial_value(self, v):
            if action == "send":
                v.send(v.ids, 1.0)
            elif action == "halt":
                v.vote_to_halt()
            elif action == "aggregate":
                v.aggregate("total", v.ids)
            else:
                v.remove_vertices(v.ids)
            return 0.0

        def compute(self, v):
            v.vote_to_halt()

    for program in (Eager, EagerBatch):
        name = program.__name__
        with pytest.raises(ProgramError, match=rf"^{name}.initial_value may only give the values: sending, halting"):
            pregel.run(TRIANGLE, program, workers=workers)


@pytest.mark.parametrize("api", [Vertex, BatchProgram])
def test_a_program_without_compute_is_named(api):
    Empty = type("Empty", (api,), {})
    argument = "messages" if api is Vertex else "v"
    with pytest.raises(ProgramError, match=rf"^Empty must define compute\(self, {argument}\)"):
        pregel.run(TRIANGLE, Empty)


def test_a_combiner_or_aggregator_without_its_method_is_refused():
    class Merges(Combiner):
        identity = 0.0

    class Counts(pregel.Aggregator):
        identity = 0

    class Uses(Vertex):
        combiner = Merges

    with pytest.raises(ProgramError, match=r"^Uses.combiner is Merges, which does not define combine\(a, b\)"):
        Uses()
    Uses.combiner, Uses.aggregators = None, {"n": Counts}
    with pytest.raises(ProgramError, match=r"^Uses.aggregators\['n'\] is Counts, which does not define merge\(a, b\)"):
        Uses()


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(("target", "shown"), [(2.5, "2.5"), ("two", "'two'")])
def test_a_message_to_a_target_that_is_not_an_id_is_named(workers, target, shown):
    class Halves(Vertex):
        def compute(self, messages):
            if self.superstep == 0 and self.id == 1:
                self.send_message(target, 1.0)
            self.vote_to_halt()

    class HalvesBatch(BatchProgram):
        def compute(self, v):
            if v.superstep == 0:
                targets = v.ids.astype(object)
                targets[v.ids == 1] = target
                v.send(targets, 1.0)
            v.vote_to_halt()

    for program in (Halves, HalvesBatch):
        message = rf"^{program.__name__} sent a message to vertex {shown}, which is not an id \(an integer"
        with pytest.raises(ProgramError, match=message):
            pregel.run(TRIANGLE, program, workers=workers)


def test_a_message_to_a_whole_float_id_arrives():
    # a target computed with true division (a parent id in a binary heap) is a whole float: it is that vertex
    class ToParent(Vertex):
        combiner = Sum

        def compute(self, messages):
            if self.superstep == 0 and self.id > 1:
                self.send_message((self.id - self.id % 2) / 2, 1.0)
            elif messages is not None:
                self.value = messages
            self.vote_to_halt()

    heap = pregel.Graph.from_edges([1, 1, 2, 2], [2, 3, 4, 5])
    assert pregel.run(heap, ToParent).to_dict() == {1: 2.0, 2: 2.0, 3: 0.0, 4: 0.0, 5: 0.0}


@pytest.mark.parametrize("workers", [1, 3])
def test_text_sent_to_a_sum_or_aggregated_by_one_is_named(workers):
    class Labels(Vertex):
        combiner = Sum

        def compute(self, messages):
            if self.superstep == 0:
                self.send_message_to_all_neighbors("a")
            self.vote_to_halt()

    class Tally(BatchProgram):
        aggregators = {"total": pregel.Max}

        def compute(self, v):
            v.aggregate("total", v.ids.astype(str))
            v.vote_to_halt()

    with pytest.raises(ProgramError, match=r"^Labels sent text \('a'\), which Sum cannot combine \(numbers only\)"):
        pregel.run(TRIANGLE, Labels, workers=workers)
    with pytest.raises(ProgramError, match=r"^Tally aggregated text \('\d'\) into 'total', which Max cannot combine"):
        pregel.run(TRIANGLE, Tally, workers=workers)
