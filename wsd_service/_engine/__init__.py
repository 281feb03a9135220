"""The engine: lexicon, encoder and backends, sense index, builder, disambiguation, evaluation."""
