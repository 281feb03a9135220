"""The gRPC server over the engine: batcher, data plane, servicer, interceptors, lifecycle, metrics."""
