"""Password rules for accounts, with plain Chinese messages.

Django's own validators do the checking; these subclasses only replace messages that read badly
in Chinese ("确保该变量至少包含 8 字符") and add one rule Django lacks: the password may not contain
the username, so "daoli123" or "daoli-2016x" for the user daoli is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短：至少需要 {self.min_length} 个字符（现在 {len(password)} 个）。",
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return f"至少 {self.min_length} 个字符。"


def _letters_and_digits(value: str | None) -> str:
    return re.sub(r"[^0-9a-z]", "", (value or "").lower())


class UsernameInPasswordValidator:
    """Refuses a password that contains the username (or is contained in it), ignoring case and punctuation."""

    def __init__(self, min_username_length: int = 3) -> None:
        self.min_username_length = min_username_length

    def validate(self, password: str, user: Any = None) -> None:
        username = _letters_and_digits(getattr(user, "username", ""))
        candidate = _letters_and_digits(password)
        if len(username) < self.min_username_length or not candidate:
            return
        if username in candidate or candidate in username:
            raise ValidationError("密码不能包含用户名，也不能和用户名相同。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含用户名。"


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def __init__(
        self,
        user_attributes: Sequence[str] = ("username", "full_name", "phone", "email"),
        max_similarity: float = 0.7,
    ) -> None:
        super().__init__(user_attributes=user_attributes, max_similarity=max_similarity)

    def get_error_message(self) -> str:
        return "密码和%(verbose_name)s太相似。"

    def get_help_text(self) -> str:
        return "不能和用户名、姓名或电话相似。"


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def validate(self, password: str, user: Any = None) -> None:
        if password.lower().strip() in self.passwords:
            raise ValidationError("这个密码太常见，容易被猜中。", code="password_too_common")

    def get_help_text(self) -> str:
        return "不能是常见密码。"


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def validate(self, password: str, user: Any = None) -> None:
        if password.isdigit():
            raise ValidationError("密码不能全都是数字。", code="password_entirely_numeric")

    def get_help_text(self) -> str:
        return "不能全是数字。"
