"""Database connections of workers after an error."""

from django.db import connection


def fresh_connection() -> None:
    """Close this thread's connection so the next query opens a new one: after a dropped
    connection or a statement interrupted mid-way (a soft time limit raised during a query)
    the old one cannot record what happened. Inside an atomic block it is left to the block's
    owner, who rolls it back."""
    if not connection.in_atomic_block:
        connection.close()
