"""Testing helpers: public hypothesis strategies in :mod:`limitdyn.testing.strategies`.

That module needs hypothesis; this package imports nothing until it is asked for.
"""

__all__ = ["strategies"]
