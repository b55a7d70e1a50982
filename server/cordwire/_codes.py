"""Status codes and the code <-> HTTP status table: shared with the client distribution, which
owns them so that server, gateway and client read one table (in both directions)."""

from cordwire_client._codes import Code, code_for_http_status, error_type, http_status

__all__ = ["Code", "code_for_http_status", "error_type", "http_status"]
