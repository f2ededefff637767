"""Signals that let the layers above the tree act inside a tree write without orgtree importing them."""

from django.dispatch import Signal

# Sent inside merge_unit's transaction, after the children moved and before `source` is archived,
# with source=, target=, actor= and on= (the merge date). A receiver returns how many rows it
# carried over (members: posts end in the source on that day and continue in the target).
unit_merging = Signal()

# Sent inside archive_unit's transaction, before `unit` is archived, with unit=, actor=, reason= and
# confirmed=. A receiver raises ValidationError to refuse (members: open posts and no confirmation)
# or returns how many rows it closed (members: posts ended).
unit_archiving = Signal()

# Sent inside convert_to_federation's transaction (会改联), after the unit became a 妇联, with
# unit=, actor= and on= (the effective date). A receiver returns how many rows it changed
# (members: open 主任/副主任/委员 posts end that day and 主席/副主席/执委 posts begin).
unit_converting = Signal()

# Sent by the 会改联 page before it asks for confirmation, with unit= and on= (the effective date).
# A receiver returns a dict for the page (members: the posts that will end and begin, and the
# quota the unit will be judged against), or None.
unit_conversion_preview = Signal()

# Sent inside set_seal's transaction after a unit's seal image was stored, with unit=, actor=, old_sha256=
# and new_sha256=. returns connects to it to tell the reviewing unit (the parent's reviewers).
seal_replaced = Signal()

# Sent inside bulk_load_units' transaction after the units were written in bulk (no post_save is sent for them),
# with units= (the new units). members connects to it to change the data version of their cities.
units_bulk_loaded = Signal()
