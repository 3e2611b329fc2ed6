"""The ``geozones users`` commands: the web app's accounts (add, list, disable, API tokens).

The accounts are kept in ``accounts.sqlite`` in the instance folder
(``--instance``, default ``$GEOZONES_INSTANCE`` or ``./instance``), the one the
web app serving that folder reads. Passwords are only ever typed at a hidden
prompt, twice: never an argument or an environment variable, so they stay out
of shell history and process lists. The web modules are imported only when a
command runs, so ``geozones --help`` stays quick. Errors are geozones errors, which
:func:`geozones.cli.main.main` prints as one line with their exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from geozones.cli.options import PATH

if TYPE_CHECKING:
    from geozones.web.accounts import UserStore

_INSTANCE = click.option(
    "--instance",
    type=PATH,
    help="Instance folder holding accounts.sqlite (default $GEOZONES_INSTANCE or ./instance).",
)
_NAME = click.argument("name")


def _store(instance: Path | None) -> UserStore:
    from geozones.web.accounts import ACCOUNTS_FILE, UserStore
    from geozones.zones.store import instance_dir

    return UserStore(instance_dir(instance) / ACCOUNTS_FILE)


@click.group()
def users() -> None:
    """Accounts of the web app's zone editor: add, list, disable, issue and revoke API tokens.

    Roles: viewer (sees plans), commissioner (also edits and saves them), admin
    (also reads the audit log).
    """


@users.command("add")
@_NAME
@click.option(
    "--role",
    default="viewer",
    show_default=True,
    help="Its role: viewer, commissioner or admin (see geozones users --help).",
)
@_INSTANCE
def users_add(name: str, role: str, instance: Path | None) -> None:
    """Add user NAME; its password is asked for twice, hidden (12 characters or more)."""
    from geozones.web.accounts import MIN_PASSWORD, check_role

    store = _store(instance)
    check_role(role)
    store.check_free(name)
    password = click.prompt(
        f"Password for {name} ({MIN_PASSWORD} characters or more)",
        hide_input=True,
        confirmation_prompt=True,
    )
    user = store.add(name, password, role)
    click.echo(f"added {user.name} ({user.role}) to {store.path}")


@users.command("list")
@_INSTANCE
def users_list(instance: Path | None) -> None:
    """List the users: name, role, whether disabled, when added (UTC)."""
    store = _store(instance)
    found = store.list()
    if not found:
        click.echo(f"no users in {store.path}; add one with: geozones users add NAME --role ROLE")
        return
    width = max(len("name"), *(len(u.name) for u in found))
    click.echo(f"{'name':<{width}}  {'role':<12}  {'disabled':<8}  created")
    for user in found:
        disabled = "yes" if user.disabled else "no"
        click.echo(f"{user.name:<{width}}  {user.role:<12}  {disabled:<8}  {user.created}")


@users.command("disable")
@_NAME
@_INSTANCE
def users_disable(name: str, instance: Path | None) -> None:
    """Disable user NAME: it can no longer log in, and its API tokens are refused."""
    user = _store(instance).disable(name)
    click.echo(f"disabled {user.name}: no more logins, its API tokens refused")


@users.command("token")
@_NAME
@click.option("--label", required=True, help="Where the token is used, e.g. 'reporting script'.")
@_INSTANCE
def users_token(name: str, label: str, instance: Path | None) -> None:
    """Issue an API token for user NAME, printed once (send it as 'Authorization: Bearer ...')."""
    token = _store(instance).issue_token(name, label)
    click.echo(token)
    click.echo(
        f"Store this token now, somewhere safe: it is shown only this once (only its digest is "
        f"kept). Revoke it with: geozones users revoke {name} --label {label!r}",
        err=True,
    )


@users.command("revoke")
@_NAME
@click.option("--label", required=True, help="The label the token was issued with.")
@_INSTANCE
def users_revoke(name: str, label: str, instance: Path | None) -> None:
    """Revoke user NAME's API token of that label: it is refused from now on."""
    _store(instance).revoke_token(name, label)
    click.echo(f"revoked {name}'s token {label!r}")
