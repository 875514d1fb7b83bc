"""Names of audit events that other parts read back (the notification feed): written by the
kernel, incidents and agencies, read by oversight, so named here, below all of them."""

REFUSED_READ = "incident.access_refused"
SEARCH_HIT = "persons.search_hit"
LOCKED_OUT = "auth.locked_out"  # agencies.lockout: one entry per agency of the locked user
