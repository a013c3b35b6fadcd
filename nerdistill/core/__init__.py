"""The core of nerdistill, by concern, in layers: each subpackage imports only from those before it.

1. ``cpu``, ``errors``, ``paths``, ``progress``, ``tables`` (modules here): what every layer uses; they import nothing
   of nerdistill.
2. :mod:`~nerdistill.core.data`: sentences, tags, label sets, the file formats.
3. :mod:`~nerdistill.core.scoring`: tags scored against gold (seqeval) and entity errors.
4. :mod:`~nerdistill.core.config`: config files and the options of the plugins they name.
5. :mod:`~nerdistill.core.plugins`: the hook specifications, the plugin manager, the registries.
6. :mod:`~nerdistill.core.annotation`: providers, the annotation store and runner, alignment, confidence.
7. :mod:`~nerdistill.core.training`: trainers, training and scoring one model, finished models.
8. :mod:`~nerdistill.core.reporting`: reports and comparisons of run folders.
9. ``engine`` and ``training_plan`` (modules here): a run, annotate -> train -> evaluate -> report, on top.

Nothing in core names a concrete provider, strategy, schedule or trainer: they come through the plugins.
``tests/test_layers.py`` fails on an import against this order.
"""
