"""Python client for cordwire chutes."""
