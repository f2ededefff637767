"""The reports app has no models: 附表1–5 are computed from orgtree and members (see docs/forms.md)."""
