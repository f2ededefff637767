"""Masking of personal data for users who may not see it (pages and exports alike)."""

# The fields of a person that only accounts with the right to see personal data see in full.
PERSONAL_FIELDS = frozenset({"id_number", "mobile"})


def mask_id_number(value):
    """230102199001010026 -> 230102********0026."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value):
    """13812341234 -> 138****1234."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
