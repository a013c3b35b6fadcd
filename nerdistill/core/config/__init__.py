"""Configuration: TOML files validated by Pydantic (``loading``: errors naming the key and file, paths
relative to the file, the options of the plugins a config names) and the run config (``run``). Imports
``data`` and core's first layer."""
