"""API of retention periods, legal holds and retention runs."""
