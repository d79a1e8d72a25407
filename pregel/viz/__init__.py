"""The replay page: a run's trace as one self-contained HTML file.

It may import the core, io (atomic writes) and the algorithms it replays.
"""
