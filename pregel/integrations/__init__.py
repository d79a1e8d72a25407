"""Integrations with other libraries: the networkx backend (``backend="pregel"``).

They may import the public API, io and the algorithms; nothing below imports them.
"""
