"""The server over the engine, gRPC and HTTP/JSON: data plane, calls, transports, lifecycle, metrics."""
