"""The client side of the wire: channels, clients, and statuses turned back into engine errors."""
