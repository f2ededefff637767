"""Pinyin initials, the search key a clerk types without switching input method (张秀梅 -> zxm)."""


def pinyin_initials(name: str | None) -> str:
    """张秀梅 -> "zxm", 兆麟街道 -> "zljd".

    Non-Chinese characters (the middle dot in 阿依古丽·买买提, spaces) are dropped.
    pypinyin is imported here, not at the top: loading its dictionaries costs about 235 ms, which
    every process would otherwise pay at start whether or not it ever saves a person or a unit.
    """
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="ignore")
    return "".join(ch for ch in "".join(letters).lower() if "a" <= ch <= "z")[:50]
