# ruff: noqa
# type: ignore
# The Cords seed's examples, verbatim (indentation restored; `from chutes.chute import Chute` ->
# `from cordwire import Chute`). Sections: "Function Signatures", "Return Types", "Testing Cords"
# (the unit test, in test_seed_examples.py, calls this chute's /predict; "Local Testing" is below).
from pydantic import BaseModel  # not in the seed: the document never defines MyInput

from tests.pycords.seed_examples._fakes import install  # not in the seed: self.model & co.

from cordwire import Chute

chute = Chute(username="myuser", name="my-chute-signatures", image="my-image")  # not in the seed

install(chute)  # not in the seed


class MyInput(BaseModel):  # not in the seed
    text: str


@chute.cord(public_api_path="/predict")
async def predict(self, text: str) -> dict:
    # Access chute instance data
    result = await self.model.predict(text)
    self.request_count += 1
    return {"result": result, "count": self.request_count}


@chute.cord(public_api_path="/simple")
async def simple_endpoint(self, text: str, temperature: float = 0.7) -> dict:
    return {"text": text, "temperature": temperature}


@chute.cord(public_api_path="/validated", input_schema=MyInput)
async def validated_endpoint(self, data: MyInput) -> dict:
    return {"processed": data.text}


@chute.cord(public_api_path="/json")
async def json_response(self, text: str) -> dict:
    return {"result": "processed"}  # Automatically serialized to JSON


from fastapi import Response


@chute.cord(public_api_path="/custom")
async def custom_response(self, data: str) -> Response:
    return Response(
        content="Custom content",
        media_type="text/plain",
        headers={"X-Custom-Header": "value"}
    )


@chute.cord(public_api_path="/stream", stream=True)
async def streaming_response(self, prompt: str):
    for i in range(10):
        yield {"chunk": i, "data": f"Generated text {i}"}


if __name__ == "__main__":
    # Test locally before deployment
    import uvicorn
    uvicorn.run(chute, host="0.0.0.0", port=8000)
