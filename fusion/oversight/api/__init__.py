"""The API of oversight: the audit trail and its verification, notifications for agency admins,
and the public routes (complaints, transparency)."""
