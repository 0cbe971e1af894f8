"""Who receives the edition: subscriber lists, imports, suppressions, unsubscribes."""
