"""Sentences to and from the tools people review labels in: Label Studio, doccano, Hugging Face datasets
(Parquet) and spaCy (DocBin). Each module reads and writes one format; ``formats.py`` picks it by extension
or name. What a tool keeps as character offsets into a text is turned into tokens by :mod:`.offsets`.
"""
