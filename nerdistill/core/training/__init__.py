"""Training: the trainer base class, one model trained and scored (``one_model``), encoders found offline,
finished models and the run folder's layout, predictions, the claims processes take on models. Imports the
layers before it: ``data``, ``scoring``, ``config``, ``plugins``, ``annotation``."""
