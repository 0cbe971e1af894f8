"""Reading what comes back: bounces, complaints and unsubscribe requests by mail."""
