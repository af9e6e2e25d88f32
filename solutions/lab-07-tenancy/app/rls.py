"""Row-level security on the shared tables (Task 4).

The lifespan runs these statements at startup, as the role of DATABASE_URL, which owns the tables.
"""


def row_level_security() -> list[str]:
    """The statements that confine every reader and writer of `public.orders` to one tenant."""
    # BEGIN SOLUTION task=4
    # nullif: once a transaction-local set_config has been used on a connection, the setting
    # exists there as '' in later transactions, and ''::integer is an error, not "no tenant".
    # missing_ok => true: on a connection that never set it, NULL rather than an error.
    # NULL matches no row: a query run without a tenant sees nothing.
    current_tenant = "nullif(current_setting('app.tenant_id', true), '')::integer"
    return [
        "ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY",
        # without FORCE, the table's owner (this very role, and every migration or script run
        # with it) is exempt from the policies
        "ALTER TABLE public.orders FORCE ROW LEVEL SECURITY",
        # CREATE POLICY has no IF NOT EXISTS; both run in the startup transaction, so no request
        # ever sees the table without its policy
        "DROP POLICY IF EXISTS tenant_isolation ON public.orders",
        f"""CREATE POLICY tenant_isolation ON public.orders
            USING (tenant_id = {current_tenant})
            WITH CHECK (tenant_id = {current_tenant})""",
    ]
    # END SOLUTION
    # BEGIN STUB
    # return []  # Task 4: enable, force and write the policy (see README.md)
    # END STUB
