"""Tags scored against gold: seqeval at word and subword level, and each entity's kind of error. Imports
``data`` and core's first layer."""
