"""Sentence embeddings, for choosing each sentence's few-shot examples by meaning.

The paper's first future work: examples similar to the sentence being annotated. TF-IDF (``similar``)
matches words; an embedding (``embedding``) also matches sentences about the same kind of thing in other
words. The encoder is any the trainer can load, offline; the default ``all-minilm-l6-v2`` was trained
as a sentence embedder, with mean pooling and unit length, which is what this does.
"""

from __future__ import annotations

from typing import Any

BATCH = 32


class SentenceEmbedder:
    def __init__(self, encoder: str, *, max_length: int = 128):
        import torch
        from transformers import AutoModel

        from nerdistill.core.training.encoders import load_tokenizer, quiet_transformers, resolve_encoder

        quiet_transformers()
        self._torch = torch
        self.tokenizer = load_tokenizer(encoder)
        self.model = AutoModel.from_pretrained(resolve_encoder(encoder), local_files_only=True).eval()
        self.max_length = max_length

    def __call__(self, texts: list[str]) -> Any:
        """Unit-length vectors, one row per text (a float32 numpy array)."""
        torch = self._torch
        rows = []
        with torch.inference_mode():
            for start in range(0, len(texts), BATCH):
                batch = self.tokenizer(texts[start:start + BATCH], padding=True, truncation=True,
                                       max_length=self.max_length, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                rows.append(torch.nn.functional.normalize(pooled, dim=-1))
        return torch.cat(rows).numpy()
