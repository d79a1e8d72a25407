"""Backends decide where partitions live and how message blocks travel; nothing else."""
