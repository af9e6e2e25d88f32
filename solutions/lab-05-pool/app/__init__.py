"""Lab 05: the shop API under load: its pool sized, its connections released, its timeouts a 503."""
