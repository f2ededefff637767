"""Signals that let the layers above the tree act inside a tree write without orgtree importing them."""

from django.dispatch import Signal

# Sent inside merge_unit's transaction, after the children moved and before `source` is archived,
# with source=, target= and actor=. A receiver returns how many rows it moved (members: posts).
unit_merging = Signal()
