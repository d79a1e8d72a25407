"""Input and output: edge-list parsers, result formats, folder outputs (part files) and graph generators.

It may import the core (``Graph``, atomic writes, the extension loader) and
``pregel.errors``; the core never imports it.
"""
