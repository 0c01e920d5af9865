"""isometry sweep: Monte Carlo campaigns on Dask into a resumable Parquet store (the command
lives with the sweep package, isometry.sweep.command; Dask is imported only when it runs)."""

from isometry.sweep.command import HELP, NAME, add_arguments, run

__all__ = ["HELP", "NAME", "add_arguments", "run"]
