"""Where the ledger and the suppression store live: SQLite, or PostgreSQL for many senders."""
