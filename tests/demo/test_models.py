"""The model list, through the official SDK."""

from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.triton


async def test_list_models(aclient: openai.AsyncOpenAI) -> None:
    models = [m async for m in aclient.models.list()]
    assert [m.id for m in models] == ["tiny-lm", "minilm-embed", "tiny-image"]
    assert all(m.object == "model" and m.owned_by == "cordwire" and m.created > 0 for m in models)


async def test_retrieve_model(aclient: openai.AsyncOpenAI) -> None:
    model = await aclient.models.retrieve("minilm-embed")
    assert (model.id, model.object) == ("minilm-embed", "model")
