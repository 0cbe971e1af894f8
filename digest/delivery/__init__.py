"""Sending an edition: use cases, the connection pool, SMTP, the ledger, DKIM."""
