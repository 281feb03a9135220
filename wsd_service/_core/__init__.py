"""Types, errors, configuration, manifest and message conversion: stdlib, protobuf and numpy only."""
