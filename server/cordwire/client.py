"""The Python client, for users of the server distribution: ``cordwire.client`` is
``cordwire_client`` (the ``cordwire-client`` distribution in clients/python)."""

from cordwire_client import *  # noqa: F403
from cordwire_client import __all__ as __all__
