"""Sign-up, log-in, log-out and the language profile, through the pages as a browser uses them."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.db import get_session
from tests.conftest import csrf_token, post_form


def signup_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "email": "Amina@Example.org",
        "display_name": "Amina",
        "password": "a long enough password",
        "ui_locale": "ar",
        "languages-0-language": "ar",
        "languages-0-level": "native",
        "languages-1-language": "fr",
        "languages-1-level": "C1",
        "languages-2-language": "",
        "languages-2-level": "native",
    }
    data.update(overrides)
    return data


def fetch_user(app: Flask, email: str) -> User | None:
    with app.app_context():
        user = get_session().scalar(select(User).where(User.email == email))
        if user is not None:
            _ = (user.roles, user.language_skills)
        return user


def test_signup_creates_annotator_with_language_profile(app: Flask, client: FlaskClient) -> None:
    response = post_form(client, "/signup", signup_data())
    assert response.status_code == 302
    user = fetch_user(app, "amina@example.org")
    assert user is not None
    assert user.role_names == ["annotator"]
    assert user.ui_locale == "ar"
    assert user.password_hash.startswith("$argon2id$")
    skills = {(s.language, s.is_native, s.cefr_level) for s in user.language_skills}
    assert skills == {("ar", True, None), ("fr", False, "C1")}
    profile = client.get("/account")
    assert profile.status_code == 200
    html = profile.get_data(as_text=True)
    assert 'dir="rtl"' in html and 'lang="ar"' in html


def test_signup_refuses_bad_profiles_and_keeps_nothing(app: Flask, client: FlaskClient) -> None:
    no_native = post_form(
        client, "/signup", signup_data(**{"languages-0-level": "B2", "languages-1-level": "C1"})
    )
    assert no_native.status_code == 400
    assert "Add at least one native language." in no_native.get_data(as_text=True)
    bad_code = post_form(client, "/signup", signup_data(**{"languages-1-language": "xx"}))
    assert bad_code.status_code == 400
    assert "is not a known language code" in bad_code.get_data(as_text=True)
    short = post_form(client, "/signup", signup_data(password="short"))
    assert short.status_code == 400
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    assert fetch_user(app, "amina@example.org") is None


def test_signup_twice_with_same_email_is_refused(client: FlaskClient) -> None:
    assert post_form(client, "/signup", signup_data()).status_code == 302
    post_form(client, "/logout", {})
    again = post_form(client, "/signup", signup_data(email="amina@example.org"))
    assert again.status_code == 400
    assert "already exists" in again.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client: FlaskClient) -> None:
    response = client.post("/signup", data=signup_data())
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    response = client.post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400


def test_login_and_logout(client: FlaskClient, make_user: Any) -> None:
    make_user("worker@example.org")
    wrong = post_form(client, "/login", {"email": "worker@example.org", "password": "wrong password"})
    assert wrong.status_code == 400
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    ok = post_form(
        client, "/login?next=/account", {"email": "Worker@Example.org", "password": "correct horse battery"}
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    # A GET cannot log anyone out, and a POST needs the CSRF token.
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200
    # The log-out button is a form on every page, with the page's CSRF token.
    out = client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert out.status_code == 302
    assert client.get("/account").status_code == 302


def test_open_redirect_after_login_is_ignored(client: FlaskClient, make_user: Any) -> None:
    make_user("worker@example.org")
    response = post_form(
        client,
        "/login?next=https://evil.example/",
        {"email": "worker@example.org", "password": "correct horse battery"},
    )
    assert response.headers["Location"] == "/"


def test_language_profile_page_edits_the_profile(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    make_user("worker@example.org", native=("es",))
    login("worker@example.org")
    page = client.get("/account/languages")
    assert page.status_code == 200
    response = post_form(
        client,
        "/account/languages",
        {
            "languages-0-language": "es",
            "languages-0-level": "native",
            "languages-1-language": "pt",
            "languages-1-level": "native",
            "languages-2-language": "de",
            "languages-2-level": "A2",
            "languages-3-language": "",
            "languages-3-level": "native",
        },
    )
    assert response.status_code == 302
    user = fetch_user(app, "worker@example.org")
    assert user is not None
    assert {(s.language, s.is_native, s.cefr_level) for s in user.language_skills} == {
        ("es", True, None),
        ("pt", True, None),
        ("de", False, "A2"),
    }
    refused = post_form(
        client,
        "/account/languages",
        {
            "languages-0-language": "de",
            "languages-0-level": "Z9",
        },
    )
    assert refused.status_code == 400
    assert "Choose a level from A1 to C2" in refused.get_data(as_text=True)


def test_lang_parameter_is_remembered_on_profile_and_cookie(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    make_user("worker@example.org")
    login("worker@example.org")
    page = client.get("/account?lang=hi")
    assert 'lang="hi"' in page.get_data(as_text=True)
    assert "marketplace_lang=hi" in page.headers.get("Set-Cookie", "")
    user = fetch_user(app, "worker@example.org")
    assert user is not None and user.ui_locale == "hi"
    # Later requests without ?lang= keep speaking Hindi, whatever the browser asks for.
    again = client.get("/account", headers={"Accept-Language": "es"})
    assert 'lang="hi"' in again.get_data(as_text=True)


def test_a_client_creates_and_revokes_a_token_through_the_page(
    app: Flask, client: FlaskClient, client_org: dict[str, Any], login: Any
) -> None:
    """Plain HTML forms carry their CSRF token in the form, not in the API's header: the page
    must accept them (a regression: it used to answer 400 "the form expired")."""
    login("owner@client.example")
    created = post_form(client, "/organisation/tokens", {"name": "CI uploader"})
    assert created.status_code == 200, created.get_data(as_text=True)[:500]
    html = created.get_data(as_text=True)
    assert "CI uploader" in html
    with app.app_context():
        from marketplace.accounts import service as accounts

        token = next(
            t for t in accounts.list_api_tokens(client_org["organisation_id"]) if t.name == "CI uploader"
        )
    revoked = post_form(client, f"/organisation/tokens/{token.id}/revoke", {})
    assert revoked.status_code == 302
    with app.app_context():
        from marketplace.accounts import service as accounts

        again = next(t for t in accounts.list_api_tokens(client_org["organisation_id"]) if t.id == token.id)
        assert not again.is_active
