# ruff: noqa
# type: ignore
# The Cords seed's passthrough example, verbatim (`from chutes.chute import Chute` ->
# `from cordwire import Chute`). Its port is 8000; the test moves the relay to a free port.
from cordwire import Chute

chute = Chute(username="myuser", name="my-chute-passthrough", image="my-image")  # not in the seed


@chute.cord(
    public_api_path="/v1/chat/completions",
    passthrough=True,
    passthrough_path="/v1/chat/completions",
    passthrough_port=8000
)
async def chat_completions(self, data):
    # Automatically forwards to localhost:8000/v1/chat/completions
    return data
