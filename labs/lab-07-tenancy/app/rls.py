"""Row-level security on the shared tables (Task 4).

The lifespan runs these statements at startup, as the role of DATABASE_URL, which owns the tables.
"""


def row_level_security() -> list[str]:
    """The statements that confine every reader and writer of `public.orders` to one tenant."""
    return []  # Task 4: enable, force and write the policy (see README.md)
