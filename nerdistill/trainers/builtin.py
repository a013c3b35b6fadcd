"""The built-in trainers, registered through the same hook as third-party ones."""

from nerdistill.core.plugins.hookspecs import hookimpl
from nerdistill.trainers.token_classification import TokenClassificationTrainer


@hookimpl
def register_trainers(register):
    register("token-classification", TokenClassificationTrainer)
