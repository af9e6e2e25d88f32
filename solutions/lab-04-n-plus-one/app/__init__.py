"""Lab 04: the shop API's list endpoints, without N+1 queries."""
