"""Retention: periods per category, legal holds, and the runs that anonymise expired persons."""
