"""Backends decide where partitions live and how message blocks travel; nothing else.

``local`` keeps every partition in this process; ``ray`` (the ``pregel[ray]`` extra)
runs each as a Ray actor. Both implement :class:`pregel.backends.protocol.Backend`.
They may import the core and ``pregel.errors``; the core never imports them (the
engine is handed a backend).
"""
