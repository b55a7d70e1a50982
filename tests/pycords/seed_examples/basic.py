# ruff: noqa
# type: ignore
# The Cords seed's examples, copied verbatim (indentation restored). Changed: only the import line
# `from chutes.chute import Chute` -> `from cordwire import Chute`, and pydantic v1's `regex=` ->
# `pattern=`. Sections: "What is a Cord?", "Basic Cord Definition", "method".
from tests.pycords.seed_examples._fakes import install  # not in the seed: self.model & co.

from cordwire import Chute

chute = Chute(username="myuser", name="my-chute", image="my-image")

install(chute)  # not in the seed


@chute.cord(public_api_path="/predict")
async def predict(self, text: str) -> dict:
    result = await self.model.predict(text)
    return {"prediction": result}


@chute.cord(public_api_path="/hello")
async def say_hello(self, name: str) -> dict:
    return {"message": f"Hello, {name}!"}


from pydantic import BaseModel, Field


class GreetingInput(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)
    language: str = Field("en", pattern="^(en|es|fr|de)$")


@chute.cord(
    public_api_path="/greet",
    input_schema=GreetingInput
)
async def greet(self, data: GreetingInput) -> dict:
    greetings = {
        "en": f"Hello, {data.name}!",
        "es": f"¡Hola, {data.name}!",
        "fr": f"Bonjour, {data.name}!",
        "de": f"Hallo, {data.name}!"
    }
    return {"greeting": greetings[data.language]}


@chute.cord(public_api_path="/status", method="GET")
async def get_status(self) -> dict:
    return {"status": "healthy"}


@chute.cord(public_api_path="/update", method="PUT")
async def update_config(self, config: dict) -> dict:
    return {"updated": True}
