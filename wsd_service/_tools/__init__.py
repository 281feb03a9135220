"""Command-line commands, batch annotation and sense-space plots, over ``WsdApi``."""
