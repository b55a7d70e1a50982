"""The HTTP/JSON side of cordwire: google.api.http transcoding onto cords."""

from ._app import Gateway, create_app
from ._dispatch import Dispatcher, InProcessDispatcher, RemoteDispatcher
from ._endpoints import ChuteEndpoint

__all__ = ["ChuteEndpoint", "Dispatcher", "Gateway", "InProcessDispatcher", "RemoteDispatcher", "create_app"]
