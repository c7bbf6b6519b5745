"""Tests of limitdyn.numeric (a package, so test modules may share basenames across folders)."""
