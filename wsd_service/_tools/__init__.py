"""The command-line commands, one module each (``registration``), their shared options, batch
annotation and sense-space plots, over ``WsdApi``."""
