"""The kernel's masking of personal numbers in published free text: what it hides, and what it leaves as written."""

from __future__ import annotations

import pytest

from services.common.masking import mask_personal


@pytest.mark.parametrize(
    ("written", "published"),
    [
        ("电话13812345678", "电话138****5678"),
        ("手机 +86 138 1234 5678。", "手机 138****5678。"),
        ("办公室 010-87654321", "办公室 010-****4321"),
        ("身份证 11010119600101123X", "身份证 110*************3X"),
        ("身份证 110101196001011234 号", "身份证 110*************34 号"),
        ("旧证 110101600101123", "旧证 110**********23"),
        ("卡号 6222020200112233445", "卡号 ***************3445"),
        ("卡号 6222 0202 0011 2233", "卡号 **** **** **** 2233"),
        ("账号 622202020011", "账号 ********0011"),
        ("邮箱 wang.xl@example.com", "邮箱 w***@example.com"),
        ("姓名：王秀兰，联系人: 欧阳娜娜", "姓名：王**，联系人: 欧***"),
        ("2026-03-10 19:00 在活动室，预算 80000 分，12 人参加", "2026-03-10 19:00 在活动室，预算 80000 分，12 人参加"),
        ("", ""),
    ],
)
def test_personal_numbers_and_labelled_names_are_masked_and_the_rest_is_left_as_written(written: str, published: str) -> None:
    assert mask_personal(written) == published


def test_masking_twice_changes_nothing_more() -> None:
    once = mask_personal("王秀兰 13812345678 11010119600101123X zhang@example.com 姓名：张建国")

    assert mask_personal(once) == once
