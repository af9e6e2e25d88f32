"""Lab 06: the shop API's product listing, one keyset page at a time."""
