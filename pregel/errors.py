"""The errors pregel raises: one hierarchy, messages that name the culprit."""

from __future__ import annotations


class PregelError(Exception):
    """Base class of every error pregel raises on purpose."""


class InputError(PregelError, ValueError):
    """Bad input: a malformed edge list, an unknown vertex, a wrong argument.

    The command line turns it into one line on stderr and exit status 2.

    Examples
    --------
    >>> str(InputError("edges.txt:3: expected 2 or 3 columns, got 1"))
    'edges.txt:3: expected 2 or 3 columns, got 1'
    """


class UnknownVertex(InputError, KeyError):
    """A vertex id that is not in the graph: an :class:`InputError`, and a ``KeyError`` as a mapping raises one.

    ``result[vertex]`` raises it, so code that treats a result as a mapping
    (``try: result[v] except KeyError``) works as with a dict.

    Examples
    --------
    >>> error = UnknownVertex("vertex 7 is not in the graph")
    >>> isinstance(error, KeyError), isinstance(error, InputError), str(error)
    (True, True, 'vertex 7 is not in the graph')
    """

    # a KeyError shows its argument quoted (it is usually the key): this one is a sentence
    __str__ = Exception.__str__


class ProgramError(InputError):
    """A mistake in a vertex program: what its class declares, or what its ``compute`` asked for.

    An undeclared aggregator, a value its ``value_dtype`` cannot hold, a message to a
    vertex that is not in the graph, an array of the wrong length... The message names
    the program and the vertex, aggregator or call; the command line makes it one line
    and exit status 2, as for any other input.

    Examples
    --------
    >>> isinstance(ProgramError("aggregator 'totl' is not declared in Census.aggregators"), InputError)
    True
    """


class NegativeCycleError(InputError):
    """A cycle of negative total weight is reachable from the source vertex."""


class ConvergenceError(PregelError):
    """An iterative computation did not reach its tolerance."""


class CheckpointError(PregelError):
    """A checkpoint is missing, corrupt, or belongs to another run.

    The command line turns it into one line on stderr and exit status 2.
    """


class CheckpointDamaged(CheckpointError):
    """One checkpoint is incomplete or corrupt; an older one may still be good."""


class WorkerLost(PregelError):
    """A worker (a Ray actor or its node) died and could not be recovered."""


class ReplayLost(WorkerLost):
    """The worker replaying a lost partition (confined recovery) died too; the replay may start again."""


class BlocksUnreachable(PregelError):
    """A Ray worker could not fetch a message block from the worker that sent it (named, with its address).

    ``sender`` is the sending partition's index. Raised in the receiving worker; the
    driver turns it into WorkerLost when the sender is dead.

    Examples
    --------
    >>> error = BlocksUnreachable("cannot fetch messages from worker 1 at 10.0.0.5:4242: No route to host", 1)
    >>> error.sender, str(error)
    (1, 'cannot fetch messages from worker 1 at 10.0.0.5:4242: No route to host')
    """

    def __init__(self, message: str, sender: int = -1) -> None:
        super().__init__(message)
        self.sender = sender

    def __reduce__(self) -> tuple:
        return (type(self), (str(self), self.sender))


class ClusterUnreachable(PregelError):
    """The Ray cluster named by ``ray_address`` (or ``RAY_ADDRESS``) could not be reached in time.

    Examples
    --------
    >>> str(ClusterUnreachable("cannot reach the Ray cluster at 127.0.0.1:1: Connection refused"))
    'cannot reach the Ray cluster at 127.0.0.1:1: Connection refused'
    """
