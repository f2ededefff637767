"""Signals that let the layers above the tree act inside a tree write without orgtree importing them."""

from django.dispatch import Signal

# Sent inside merge_unit's transaction, after the children moved and before `source` is archived,
# with source=, target= and actor=. A receiver returns how many rows it moved (members: posts).
unit_merging = Signal()

# Sent inside archive_unit's transaction, before `unit` is archived, with unit=, actor=, reason= and
# confirmed=. A receiver raises ValidationError to refuse (members: open posts and no confirmation)
# or returns how many rows it closed (members: posts ended).
unit_archiving = Signal()
