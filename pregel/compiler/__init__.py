"""The compiler: turns a ``Vertex.compute`` into one loop per partition and, where that
is exact, a masked evaluation over arrays.

It may import the core's types and ``pregel.errors``; it reads a ``Vertex`` subclass
only through the class object it is given (never by importing the API).
"""
