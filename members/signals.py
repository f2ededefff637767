"""Signals that let the layers above members act inside a members write without members importing them."""

from django.dispatch import Signal

# Sent by the roster import while it checks a file, with entries= [(post or None, typed 证书编号), ...].
# A receiver returns {index into entries: message} for the numbers it refuses (selection: the
# certificate register, where a number belongs to one post).
roster_certificates_checking = Signal()

# Sent inside the roster import's transaction, after the posts were written, with entries= [(post,
# typed 证书编号), ...] (checked before) and actor=. A receiver records them and returns [(post, audit
# changes)] for the import to audit (selection: the certificate register).
roster_certificates_recording = Signal()
