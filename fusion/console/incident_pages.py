"""Console pages (filled in by their module's work)."""

urlpatterns: list = []
