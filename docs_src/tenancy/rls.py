"""Row-level security for a table shared by every tenant, and what the serving role may do.

The owner of the tables runs these statements (a migration, or the app's startup as the owner).
"""

from __future__ import annotations

#: The tenant of the current transaction, NULL when there is none: `missing_ok => true` gives NULL on
#: a connection that never set it, and nullif() turns the '' left by an earlier transaction-local
#: set_config into NULL too. NULL equals nothing, so no tenant means no rows.
CURRENT_TENANT = "nullif(current_setting('app.tenant_id', true), '')::integer"


def row_level_security(table: str = "public.orders", column: str = "tenant_id") -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        # without FORCE the table's owner bypasses the policy
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        (
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING ({column} = {CURRENT_TENANT}) WITH CHECK ({column} = {CURRENT_TENANT})"
        ),
    ]


def serving_role_grants(role: str) -> list[str]:
    """The serving role owns nothing; it gets exactly what the requests need."""
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"GRANT SELECT ON public.tenants TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON public.orders TO {quoted}",
    ]
