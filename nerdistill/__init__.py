"""nerdistill: distil a large language model into a small named-entity recognizer."""

__version__ = "0.1.0"

from nerdistill.core.hookspecs import hookimpl  # noqa: E402  (plugins import it from here)

__all__ = ["__version__", "hookimpl"]
