"""The library's own exceptions.

Caller mistakes (a wrong image, a bad option) raise the built-in ``ValueError`` or
``TypeError``. Problems with the models or their weight files raise ``ModelError`` or one of
its subclasses, so a server can tell "my input was wrong" from "the installation is broken".
"""

from __future__ import annotations

__all__ = ["ModelError", "PalmliteError", "WeightsCorruptedError", "WeightsNotFoundError"]


class PalmliteError(Exception):
    """Base class of every exception palmlite raises on its own."""


class ModelError(PalmliteError):
    """A model could not be loaded or does not have the expected inputs and outputs."""


class WeightsNotFoundError(ModelError, FileNotFoundError):
    """No weight file was found in any of the places palmlite looks."""


class WeightsCorruptedError(ModelError):
    """A weight file exists but its sha256 does not match the manifest."""
