"""Campaigns, returns, review, verification and certificates."""

urlpatterns = []
