"""digest: weekly newsletter digests, from articles to delivered mail."""

__version__ = "0.1.0"
