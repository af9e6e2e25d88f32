"""Lab 08: bulk imports and streaming exports for the shop API."""
