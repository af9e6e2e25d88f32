"""Lab 01: the shop API's database engine."""
