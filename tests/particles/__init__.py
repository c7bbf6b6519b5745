"""Tests of limitdyn.particles (a package, so test modules may share basenames across folders)."""
