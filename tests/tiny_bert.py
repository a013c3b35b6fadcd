"""A tiny randomly initialised BERT and its WordPiece vocabulary, built offline for tests."""

from __future__ import annotations

from pathlib import Path

WORDS = """eu rejects german call to boycott british lamb . peter blackburn brussels the european commission said
on thursday it disagreed with advice consumers shun until scientists determine whether mad cow disease can be
transmitted sheep alice visited york paris rome bob met in and of a to""".split()
PIECES = ["##s", "##ed", "##ing", "1996", "-", "08", "22", "##08", "##22"]


def build_tiny_bert(folder: Path) -> Path:
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(WORDS), *PIECES]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=True)  # vocab_file (4.x), vocab (5.x)
    tokenizer.save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder)
    return folder
