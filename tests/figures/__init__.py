"""Tests of limitdyn.figures (a package, so test modules may share basenames across folders)."""
