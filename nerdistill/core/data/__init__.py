"""The data model and its files: sentences, spans and IOB2 tags, label sets, CoNLL and JSONL readers and
writers, raw text and articles, sampling and statistics. Imports only the modules of core's first layer."""
