"""Fake LLM back ends for tests: a scripted litellm ``CustomLLM`` that replays given replies."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from nerdistill.core.annotation.llm import import_litellm

litellm = import_litellm()


class ScriptedLLM(litellm.CustomLLM):
    """Answers each call with the next reply of its script (a string, or an exception to raise)."""

    def __init__(self, replies: Iterable[object]):
        super().__init__()
        self.replies = iter(replies)
        self.calls: list[list[dict]] = []

    def completion(self, *args, **kwargs):
        self.calls.append(kwargs.get("messages"))
        reply = next(self.replies)
        if isinstance(reply, BaseException):
            raise reply
        return litellm.completion(model="openai/scripted", messages=kwargs.get("messages"), mock_response=reply)


_names = itertools.count()


def scripted(replies: Iterable[object]) -> tuple[ScriptedLLM, str]:
    """Register a scripted back end; returns it and the litellm model string that reaches it."""
    handler = ScriptedLLM(replies)
    provider = f"scripted{next(_names)}"
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": provider, "custom_handler": handler}]
    from litellm.utils import custom_llm_setup

    custom_llm_setup()
    return handler, f"{provider}/model"
