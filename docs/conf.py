"""Sphinx configuration for limitdyn (build with `make docs`)."""

import limitdyn

project = "limitdyn"
release = limitdyn.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc", "sphinx.ext.mathjax"]
autosummary_generate = True
numpydoc_show_class_members = False
html_theme = "alabaster"
exclude_patterns = ["_build"]
