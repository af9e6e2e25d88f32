"""Lab 02: the shop API's database sessions."""
