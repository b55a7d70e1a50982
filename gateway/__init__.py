"""The HTTP/JSON side of cordwire: google.api.http transcoding onto cords."""

from ._app import create_app

__all__ = ["create_app"]
