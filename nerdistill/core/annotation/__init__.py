"""Annotation by an LLM or another provider: the outcome of one sentence (``outcome``), the provider base
class, the LLM client, the store of answers, the runner that asks, retries and caches, alignment of answer
strings to tokens, confidence from log probabilities, estimates, agreement of two annotations, distilled
files. Imports ``data``, ``scoring``, ``config``, ``plugins`` and core's first layer."""
