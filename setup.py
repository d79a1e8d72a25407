"""The optional compiled parser: without a C compiler the build goes on, and pregel reads text with numpy alone."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("pregel._edgetext", ["pregel/_edgetext.c"], optional=True)])
