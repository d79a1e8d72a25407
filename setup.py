"""Builds the optional C extensions; without a C compiler pregel installs and uses numpy and scipy instead.

``pregel.core._kernels``: the message-path kernels (else scipy). ``pregel.io._edgetext``: the
edge-list parser of ids and decimal weights (else numpy). ``pregel.io._format``: result lines
with floats as ``repr`` writes them (else Python's ``repr``).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("pregel.core._kernels", ["pregel/core/_kernels.c"], optional=True),
        Extension("pregel.io._edgetext", ["pregel/io/_edgetext.c"], optional=True),
        Extension("pregel.io._format", ["pregel/io/_format.c"], depends=["pregel/io/_format_tables.h"], optional=True),
    ]
)
