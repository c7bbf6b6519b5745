"""Tests of limitdyn.symbolic (a package, so test modules may share basenames across folders)."""
