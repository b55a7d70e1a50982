"""The HTTP/JSON side of cordwire: google.api.http transcoding onto cords."""
