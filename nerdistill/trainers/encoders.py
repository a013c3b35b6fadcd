"""Loading an encoder with a fresh token-classification head: the student the trainers fine-tune."""

from __future__ import annotations

from nerdistill.core.training.encoders import not_found_message, quiet_transformers, resolve_encoder
from nerdistill.core.errors import NerdistillError


def load_encoder_for_tagging(encoder: str, labels: tuple[str, ...]):
    from transformers import AutoModelForTokenClassification

    quiet_transformers()
    source = resolve_encoder(encoder)
    try:
        return AutoModelForTokenClassification.from_pretrained(
            source, local_files_only=True, num_labels=len(labels),
            id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)})
    except OSError as error:
        raise NerdistillError(not_found_message(encoder, error)) from None
