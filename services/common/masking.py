"""Masking personal numbers in free text that is published to anyone (公示): phones, ID numbers, cards, e-mail, labelled names.

Staff write minutes and titles as they speak: "王秀兰（13812345678）反映……", "身份证号 110101196001011234".
Before such text is shown to anyone without signing in, :func:`mask_personal` hides what a pattern
can find, the way Chinese public notices print them:

* mainland mobile numbers (11 digits, ``1[3-9]…``, with or without ``+86`` and spaces or hyphens):
  ``138****5678``;
* landlines with an area code (``010-12345678``): ``010-****5678``;
* resident ID numbers, 18 characters (the last may be ``X``) or the old 15 digits: the first three
  and the last two kept, ``110*************34``;
* any other run of 12 or more digits (bank cards, passport-like numbers), or a card number written
  in groups of four: the last four kept;
* e-mail addresses: the first character of the local part kept, ``w***@example.com``;
* a name after a label and a colon (``姓名：王秀兰``, ``联系人: 张伟``): the surname kept, ``王**``.

A name written without a label cannot be told from other words by a pattern; that is what the
separate public version of a text is for (staff write it; it is masked too). Pure code.
"""

from __future__ import annotations

import re

__all__ = ["mask_personal"]

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ \-]?)?(1[3-9]\d)[ \-]?(\d{4})[ \-]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[ \-](\d{3,4})[ \-]?(\d{4})(?!\d)")
_GROUPED_CARD = re.compile(r"(?<!\d)\d{4}(?:[ \-]\d{4}){3}(?:[ \-]?\d{1,3})?(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d{12,}(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_LABELLED_NAME = re.compile(r"((?:姓名|联系人|申请人|反映人|当事人|负责人|监护人)\s*[:：]\s*)([\u4e00-\u9fff])([\u4e00-\u9fff·]{1,3})")


def mask_personal(text: str) -> str:
    """``text`` with every phone number, ID number, long number, e-mail address and labelled name masked."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: m[1][:3] + "*" * (len(m[1]) - 5) + m[1][-2:], text)
    text = _GROUPED_CARD.sub(lambda m: re.sub(r"\d", "*", m[0][:-4]) + m[0][-4:], text)
    text = _MOBILE.sub(lambda m: f"{m[1]}****{m[3]}", text)
    text = _LANDLINE.sub(lambda m: f"{m[1]}-****{m[3]}", text)
    text = _LONG_NUMBER.sub(lambda m: "*" * (len(m[0]) - 4) + m[0][-4:], text)
    text = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", text)
    return _LABELLED_NAME.sub(lambda m: m[1] + m[2] + "*" * len(m[3]), text)
