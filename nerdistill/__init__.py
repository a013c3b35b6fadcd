"""nerdistill: distil a large language model into a small named-entity recognizer.

The Python API (see :mod:`nerdistill.api`): :func:`load_run_config`, :func:`run`, :func:`read_results`,
:func:`tag`.
Importing nerdistill loads no model library; torch, transformers and litellm load when first needed.
"""

__version__ = "0.1.0"

from nerdistill.api import RunResults, entities, load_run_config, read_results, run, tag  # noqa: E402
from nerdistill.core.errors import NerdistillError  # noqa: E402
from nerdistill.core.plugins.hookspecs import hookimpl  # noqa: E402  (plugins import it from here)

__all__ = ["NerdistillError", "RunResults", "__version__", "entities", "hookimpl", "load_run_config", "read_results",
           "run", "tag"]
