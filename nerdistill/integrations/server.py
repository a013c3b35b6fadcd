"""``nerdistill serve``: a trained model behind a small HTTP JSON endpoint (the ``serve`` extra: FastAPI, uvicorn).

``POST /tag`` with ``{"texts": ["...", ...], "min_score": 0.5}`` answers ``{"entities": [[{"text", "label",
"start", "end", "score"}, ...], ...]}``, one list per text, each entity with its character offsets into that
text. ``GET /health`` names the model and its labels. A request that is not such a JSON object (a wrong
field, a text too long, not JSON at all) gets a 4xx with FastAPI's account of what is wrong, never a 500.

Requests that arrive together are tagged together: one worker takes every request waiting (up to
``max_batch`` texts, waiting at most ``max_wait`` seconds for more after the first), tags all their
sentences in one call of the model in a worker thread, and answers each. At concurrency 16 this is what
keeps a CPU's matrix units busy; at concurrency 1 it adds at most ``max_wait``.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from nerdistill.core.errors import NerdistillError
from nerdistill.core.training.prediction import Tagger, model_trainer, text_entities
from nerdistill.core.training.trainer import read_model_card

MAX_TEXTS = 256
MAX_CHARACTERS = 100_000


class TagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[Annotated[str, Field(max_length=MAX_CHARACTERS)]] = Field(min_length=1, max_length=MAX_TEXTS)
    min_score: float | None = Field(None, ge=0, le=1, description="leave out entities scoring under this")


class Entity(BaseModel):
    text: str
    label: str
    start: int
    end: int
    score: float


class TagResponse(BaseModel):
    entities: list[list[Entity]]


class Batcher:
    """Tags the texts of concurrent requests in shared calls of the model."""

    def __init__(self, tag: Tagger, *, max_batch: int = 64, max_wait: float = 0.005):
        self.tag, self.max_batch, self.max_wait = tag, max_batch, max_wait
        self.queue: asyncio.Queue[tuple[list[str], asyncio.Future]] = asyncio.Queue()

    async def entities(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, future))
        return await future

    async def serve(self) -> None:
        while True:
            waiting = [await self.queue.get()]
            deadline = asyncio.get_running_loop().time() + self.max_wait
            while sum(len(texts) for texts, _ in waiting) < self.max_batch:
                left = deadline - asyncio.get_running_loop().time()
                try:
                    waiting.append(await asyncio.wait_for(self.queue.get(), timeout=max(left, 0)))
                except TimeoutError:
                    break
            texts = [text for request, _ in waiting for text in request]
            try:
                found = await asyncio.to_thread(text_entities, texts, self.tag)
            except Exception as error:  # the model failed: every waiting request learns it, the server goes on
                for _, future in waiting:
                    future.set_exception(error)
                continue
            for request, future in waiting:
                future.set_result(found[:len(request)])
                found = found[len(request):]


def create_app(model_dir: Path, *, max_batch: int = 64, max_wait: float = 0.005):
    from fastapi import FastAPI

    card = read_model_card(model_dir)
    batcher = Batcher(model_trainer(model_dir).load_tagger(model_dir), max_batch=max_batch, max_wait=max_wait)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        worker = asyncio.create_task(batcher.serve())
        yield
        worker.cancel()

    app = FastAPI(title="nerdistill", description="Named entities in raw text, with character offsets.",
                  lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        labels = card.get("label_set", {}).get("types", [])
        return {"status": "ok", "model": str(model_dir), "format": card.get("format", "pytorch"),
                "labels": [t["name"] for t in labels]}

    @app.post("/tag", response_model=TagResponse)
    async def tag(request: TagRequest) -> dict[str, Any]:
        found = await batcher.entities(request.texts)
        if request.min_score is not None:
            found = [[e for e in entities if e["score"] >= request.min_score] for entities in found]
        return {"entities": found}

    return app


def serve(model_dir: Path, *, host: str, port: int, max_batch: int, max_wait: float) -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise NerdistillError("serving needs the serve extra: pip install 'nerdistill[serve]'") from None
    uvicorn.run(create_app(model_dir, max_batch=max_batch, max_wait=max_wait), host=host, port=port,
                log_level="warning")
