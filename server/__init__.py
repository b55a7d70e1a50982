"""The gRPC side of cordwire: servicers built from descriptors, health, reflection."""
