"""The replay page and notebook views: a run's trace as one self-contained HTML page, shown in Jupyter too.

``pregel.viz.show(result)`` shows a traced run's replay page in a notebook and
``pregel.viz.progress()`` is an ``on_superstep`` callback that shows a run as it goes
(:mod:`pregel.viz.notebook`); ``pregel.viz.write_html`` writes the page to a file
(:mod:`pregel.viz.page`, laid out by :mod:`pregel.viz.layout`).

It may import the core, io (atomic writes) and the algorithms it replays.
"""

from pregel.viz.notebook import progress, replay_frame, show
from pregel.viz.page import page_html, write_html

__all__ = ["page_html", "progress", "replay_frame", "show", "write_html"]
