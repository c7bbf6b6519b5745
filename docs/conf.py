"""Sphinx configuration for limitdyn (build with ``make docs``).

The build is offline: intersphinx reads the local inventories in ``_inv/`` (see
``_inv/build_inventories.py``), the notebooks are rendered without execution (they are stored
without outputs; ``tests/test_notebooks.py`` executes them), and the gallery is drawn from the
figure registry by the local extension ``_ext/limitdyn_docs.py`` (cached in ``gallery/``).
"""

import sys
from pathlib import Path

import limitdyn

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "limitdyn"
release = limitdyn.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "limitdyn_docs",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "_inv", "_ext", "_templates", "Thumbs.db", ".DS_Store"]
html_theme = "alabaster"

# every cross-reference must resolve (``make docs`` adds -W: warnings are errors)
nitpicky = True
# A reference to a private object (a path with an ``_name`` part, as type hints and some
# docstrings give them) that resolves to no public name renders as code: the reference
# documents public names only (docs/_ext/limitdyn_docs.py maps private paths to public ones).
nitpick_ignore_regex = [(r"py:.*", r"limitdyn(\.\w+)*\._\w+(\.\w+)*")]

autosummary_generate = True
autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "__init__, __new__"}
python_use_unqualified_type_names = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Offline intersphinx: minimal local inventories with the real URLs (docs/_inv/build_inventories.py)
_INV = "_inv"
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", f"{_INV}/python.inv"),
    "numpy": ("https://numpy.org/doc/stable", f"{_INV}/numpy.inv"),
    "scipy": ("https://docs.scipy.org/doc/scipy", f"{_INV}/scipy.inv"),
    "sympy": ("https://docs.sympy.org/latest", f"{_INV}/sympy.inv"),
    "matplotlib": ("https://matplotlib.org/stable", f"{_INV}/matplotlib.inv"),
    "xarray": ("https://docs.xarray.dev/en/stable", f"{_INV}/xarray.inv"),
    "hypothesis": ("https://hypothesis.readthedocs.io/en/latest", f"{_INV}/hypothesis.inv"),
}
intersphinx_timeout = 1

# notebooks: rendered as stored (without outputs); tests/test_notebooks.py runs them
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath"]
