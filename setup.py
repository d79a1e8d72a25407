"""Builds the optional C extensions; without a C compiler pregel installs and uses numpy and scipy instead.

``pregel._kernels``: the message-path kernels (else scipy). ``pregel._edgetext``: the
plain-integer edge-list parser (else numpy).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("pregel._kernels", ["pregel/_kernels.c"], optional=True),
        Extension("pregel._edgetext", ["pregel/_edgetext.c"], optional=True),
    ]
)
