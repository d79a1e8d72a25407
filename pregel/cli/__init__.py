"""The ``pregel`` command line: commands, progress, run statistics and ``info``.

The top room: it may import everything else; nothing imports it.
"""
