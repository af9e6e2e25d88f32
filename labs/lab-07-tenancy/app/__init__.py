"""Lab 07: the shop API shared by several tenants."""
