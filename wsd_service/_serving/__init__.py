"""The gRPC server over the engine: batcher, async engine, servicer, interceptors, lifecycle, metrics."""
