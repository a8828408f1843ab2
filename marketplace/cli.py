"""Command-line tasks (``flask --app wsgi <command>``): people, organisations, tokens and the demo.

Migrations are not here on purpose: they are a deploy step (``alembic upgrade head``), never run
implicitly by the app.
"""

from __future__ import annotations

import click
from flask import Flask

from marketplace.accounts import service as accounts
from marketplace.accounts.models import Role
from marketplace.validation import InvalidInput


def _fail(exc: InvalidInput) -> None:
    for error in exc.errors:
        click.echo(f"{error.field}: {error.message}", err=True)
    raise SystemExit(1)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default="", help="Display name (defaults to the email).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    default=["ops"],
    show_default=True,
    help="Role to grant; repeat for several.",
)
@click.option("--native", multiple=True, help="Native language (BCP 47); repeat for several.")
@click.password_option(help="Password (asked for when not given).")
def create_user_command(
    email: str, name: str, roles: tuple[str, ...], native: tuple[str, ...], password: str
) -> None:
    """Create a person with roles; this is how ops users are made (they cannot sign up)."""
    try:
        user = accounts.create_user(email, password, name or email, [Role(r) for r in roles])
        if native:
            accounts.update_language_profile(user.id, [accounts.LanguageEntry(code, True) for code in native])
    except InvalidInput as exc:
        _fail(exc)
        return
    click.echo(f"created user {user.email} with roles {', '.join(user.role_names)}")


@click.command("create-organisation")
@click.option("--name", required=True)
@click.option("--owner-email", required=True, help="An existing user, who becomes a client owner.")
@click.option("--token-name", default="default", show_default=True)
def create_organisation_command(name: str, owner_email: str, token_name: str) -> None:
    """Create a client organisation owned by an existing user, and print a first API token."""
    from marketplace.projects.organisations import create_organisation

    owner = accounts.find_user_by_email(owner_email)
    if owner is None:
        raise click.ClickException(f"no user {owner_email}")
    accounts.grant_role(owner.id, Role.CLIENT)
    org = create_organisation(name, owner_user_id=owner.id)
    _token, raw = accounts.issue_api_token(org.id, token_name, created_by=owner.id)
    click.echo(f"organisation {org.public_id} created; API token (shown once): {raw}")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create (or leave as is) the demo: a client with a token, a multilingual project, ops, annotators."""
    from marketplace.demo import seed_demo

    for line in seed_demo():
        click.echo(line)


def init_app(app: Flask) -> None:
    for command in (create_user_command, create_organisation_command, seed_demo_command):
        app.cli.add_command(command)
