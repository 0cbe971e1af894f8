"""The edition as an email: Jinja2 + MJML once, per-recipient slots, MIME bytes, previews."""
