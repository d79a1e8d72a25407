"""Builds the optional compiled kernels; without a C compiler pregel installs and uses scipy instead."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("pregel._kernels", ["pregel/_kernels.c"], optional=True)])
