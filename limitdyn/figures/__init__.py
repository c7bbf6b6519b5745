"""Reproduced figures: one recipe per figure, each a function over the public API.

Recipes live in modules named ``_fig_*.py`` in this package and register
themselves with :func:`register`; ``limitdyn figures`` writes them all.
"""

from ._registry import (
    FigureRecipe,
    FigureResult,
    available,
    check_formats,
    make_figure,
    manifest,
    recipes,
    register,
    supported_formats,
    write_figures,
    write_manifest,
)

__all__ = [
    "FigureRecipe",
    "FigureResult",
    "available",
    "check_formats",
    "make_figure",
    "manifest",
    "recipes",
    "register",
    "supported_formats",
    "write_figures",
    "write_manifest",
]
