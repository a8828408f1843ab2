"""Background jobs. Job functions take ids (never objects) and are idempotent."""
