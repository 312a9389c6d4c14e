"""Algorithms as plain functions on arrays: no tasks, no configs, no astropy objects."""
