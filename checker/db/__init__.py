"""Database provisioning: which PostgreSQL to use (`provision`), throwaway databases and roles on
it (`sandbox`), and URL spellings (`urls`). Import the submodules; this package imports nothing,
so that asking for an admin URL stays cheap."""
