"""wizard.redact: known secrets and token-shaped strings are masked in text and in log records."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from mis_wizard.wizard import redact
from mis_wizard.wizard.redact import MASK, RedactingFilter


@pytest.fixture(autouse=True)
def no_secrets() -> Iterator[None]:
    redact.forget_all()
    yield
    redact.forget_all()


def test_the_longest_secret_is_masked_first_and_short_ones_are_not_registered() -> None:
    redact.register("pass")
    redact.register("  password-of-the-school  ")
    redact.register("abc")  # too short to mask without masking ordinary words
    redact.register(None)
    redact.register("")
    assert redact.redact("user pass, key password-of-the-school, abc") == f"user {MASK}, key {MASK}, abc"
    redact.register("pass")  # already known: nothing changes
    assert redact.redact("password-of-the-school") == MASK


def test_token_shapes_are_masked_even_when_unknown() -> None:
    text = ("Authorization: Bearer eyJhbGciOi.J9x, key {0F8FAD5B-D9CB-469F-A165-70867728950E}, "
            "hex 0123456789abcdef0123456789abcdef, b64 QWxhZGRpbjpvcGVuIHNlc2FtZQ==, method getStudentsByYearLevel")
    out = redact.redact(text)
    assert out == (f"Authorization: Bearer {MASK}, key {MASK}, hex {MASK}, b64 {MASK}, "
                   "method getStudentsByYearLevel")


def test_forget_all_forgets() -> None:
    redact.register("school-secret-1")
    redact.forget_all()
    assert redact.redact("school-secret-1") == "school-secret-1"


def test_a_log_record_is_masked_with_its_arguments_and_traceback() -> None:
    redact.register("s3cr3t-value")
    try:
        raise RuntimeError("the server said s3cr3t-value")
    except RuntimeError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "login %s failed", ("s3cr3t-value",), exc_info)
    assert RedactingFilter().filter(record) is True
    assert record.args is None and record.exc_info is None and record.exc_text is None
    assert "s3cr3t-value" not in record.msg
    assert record.msg.startswith(f"login {MASK} failed\nTraceback") and "RuntimeError: the server said" in record.msg
    plain = logging.LogRecord("t", logging.INFO, __file__, 1, "nothing %d", (7,), None)
    RedactingFilter().filter(plain)
    assert plain.msg == "nothing 7"
