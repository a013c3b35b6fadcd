"""The built-in providers, registered through the same hook as third-party ones."""

from nerdistill.core.plugins.hookspecs import hookimpl
from nerdistill.providers.imported import ImportedProvider
from nerdistill.providers.litellm_api import LiteLLMProvider
from nerdistill.providers.local import LocalGGUFProvider
from nerdistill.providers.oracle_noise import OracleNoiseProvider


@hookimpl
def register_providers(register):
    register("litellm", LiteLLMProvider)
    register("local", LocalGGUFProvider)
    register("file", ImportedProvider)
    register("oracle-noise", OracleNoiseProvider)
