"""Roster import and export pages (kept apart from the roster pages in urls.py)."""

urlpatterns = []
