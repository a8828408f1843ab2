"""Steps the browser tests share."""

from __future__ import annotations

from typing import Any

#: The password the test fixtures give every account they make.
PASSWORD = "correct horse battery"


def sign_in(page: Any, email: str, password: str = PASSWORD, path: str = "/login") -> None:
    """Log in through the log-in form (``path`` may carry ``?lang=``) and wait for the next page."""
    page.goto(path)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form.stack [type=submit]").click()
