"""The HTTP/JSON side of cordwire: google.api.http transcoding onto cords."""

from ._app import Gateway, create_app
from ._dispatch import Dispatcher, InProcessDispatcher, RemoteDispatcher
from ._endpoints import ChuteEndpoint
from ._observe import ObservedGateway
from ._reflection import fetch_services
from ._usage import USAGE_PATH, usage_page

__all__ = [
    "USAGE_PATH",
    "ChuteEndpoint",
    "Dispatcher",
    "Gateway",
    "InProcessDispatcher",
    "ObservedGateway",
    "RemoteDispatcher",
    "create_app",
    "fetch_services",
    "usage_page",
]
