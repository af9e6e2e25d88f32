"""Lab 03: the shop API, with every database load made explicit."""
