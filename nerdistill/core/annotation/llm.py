"""The one way nerdistill talks to an LLM: instructor over ``litellm.completion``.

litellm reaches hosted APIs, OpenAI-compatible servers on loopback and in-process models registered as
``CustomLLM`` handlers alike. ``LITELLM_LOCAL_MODEL_COST_MAP`` is set before litellm is imported, so
importing it never touches the network (it would otherwise fetch a price table).
"""

from __future__ import annotations

import logging
import os
from typing import Any, Literal

from pydantic import BaseModel

InstructorMode = Literal["md_json", "json", "tools", "json_schema"]
INSTRUCTOR_MODES: tuple[str, ...] = ("md_json", "json", "tools", "json_schema")


def import_litellm():
    """litellm, imported offline."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    logging.getLogger("LiteLLM").setLevel(logging.ERROR)  # its warnings are for litellm's own users
    litellm.telemetry = False
    litellm.suppress_debug_info = True
    return litellm


class LiteLLMAsker:
    """Sends one structured request through instructor and litellm with fixed completion options."""

    def __init__(self, options: dict[str, Any], mode: InstructorMode = "md_json"):
        self.options, self.mode = options, mode
        self._client = None

    def client(self):
        if self._client is None:
            litellm = import_litellm()
            import instructor

            self._client = instructor.from_litellm(litellm.completion, mode=instructor.Mode[self.mode.upper()])
        return self._client

    def __call__(self, *, messages: list[dict[str, str]], response_model: type[BaseModel],
                 context: dict[str, Any], max_retries: int) -> tuple[BaseModel, Any]:
        return self.client().chat.completions.create_with_completion(
            messages=messages, response_model=response_model, context=context, max_retries=max_retries,
            **self.options)
