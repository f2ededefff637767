"""Form helpers shared by every app's views."""

from django import forms as django_forms
from django.core.exceptions import ValidationError


def add_service_errors(
    forms: django_forms.BaseForm | list[django_forms.BaseForm] | tuple[django_forms.BaseForm, ...],
    error: ValidationError,
) -> None:
    """File a service's ValidationError under the first form that has the field, else as a page error.

    `forms` is one form or a list of them (a page that posts a person and a post together).
    """
    forms = list(forms) if isinstance(forms, (list, tuple)) else [forms]
    if not hasattr(error, "error_dict"):
        forms[0].add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = next((f for f in forms if field in f.fields), None)
        if target is None:
            forms[0].add_error(None, errors)
        else:
            target.add_error(field, errors)


def xlsx_file_input() -> django_forms.ClearableFileInput:
    """The file box of an Excel upload: the picker offers .xlsx files first (the server checks the content)."""
    return django_forms.ClearableFileInput(
        attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    )
