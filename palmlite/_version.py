"""palmlite's version, from one source of truth: the installed package's metadata.

``pyproject.toml`` sets the version; building or installing palmlite writes it into the
package metadata, which ``palmlite.__version__``, ``palmlite --version`` and the
``palmlite_version`` field of every output record (:mod:`palmlite.records`) all read here.
"""

from __future__ import annotations

from importlib import metadata

__all__ = ["UNKNOWN_VERSION", "__version__"]

#: The version of a source tree imported without being installed (no metadata to read;
#: ``pip install -e .`` gives it one). A valid PEP 440 version that sorts before any release.
UNKNOWN_VERSION = "0+unknown"


def _installed_version() -> str:
    try:
        return metadata.version("palmlite")
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


__version__ = _installed_version()
