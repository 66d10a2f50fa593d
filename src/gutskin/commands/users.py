"""``gutskin users create|set-password|remove``: accounts from the command line (admins create clinicians here)."""

from __future__ import annotations

import sys

import typer

from gutskin.commands._common import database_url, ensure_schema, fail

users_app = typer.Typer(help="Accounts.", no_args_is_help=True)


def _password_or_prompt(password: str | None, command: str, prompt: str) -> str:
    """The given password, else asked for twice at a terminal; a script or a pipe (nobody can
    answer the prompt) gets one line saying how to pass it."""
    if password is not None:
        return password
    if sys.stdin is None or not sys.stdin.isatty():  # None: started with standard input closed
        fail(f"{command}: no password given; pass --password or set GUTSKIN_NEW_PASSWORD")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@users_app.command("create")
def create(
    email: str = typer.Option(..., "--email", help="Login email."),
    role: str = typer.Option("clinician", "--role", help="patient | clinician | admin"),
    password: str = typer.Option(
        None, "--password", envvar="GUTSKIN_NEW_PASSWORD", help="Password (or GUTSKIN_NEW_PASSWORD); prompted if omitted."
    ),
    name: str = typer.Option("", "--name", help="The name others see instead of the email, e.g. 'Dr Ana Ruiz' (a clinician's "
                             "patients on Sharing and Appointments); the person can change it on their Account page."),
) -> None:
    """Create an account."""
    from gutskin.clinic.accounts import create_user, prehash_password
    from gutskin.clinic.errors import ClinicError
    from gutskin.store.db import get_engine, transaction

    password = _password_or_prompt(password, "users create", "Password")
    url = database_url()
    ensure_schema(url)
    hashed = prehash_password(password)  # argon2 before the transaction (its write lock), not in it
    try:
        with transaction(get_engine(url)) as s:
            # the operator knows this password: the person is asked for their own at sign-in
            user = create_user(s, email, password, role, name, password_hash=hashed, by_operator=True)
            uid, uemail = user.id, user.email
    except ClinicError as exc:
        fail(str(exc))
    typer.echo(f"created {role} {uemail} (id {uid})")
    if not name.strip() and role != "admin":
        # without a name a clinician's patients saw only the address (clinic walk on a fresh server, 2026-12-07)
        typer.echo(f"no name given: {'patients' if role == 'clinician' else 'others'} see this account as {uemail}; "
                   f"the person can give one on their Account page after signing in (or make the account with --name)")


@users_app.command("set-password")
def set_password(
    email: str = typer.Option(..., "--email", help="Login email of the account."),
    password: str = typer.Option(
        None, "--password", envvar="GUTSKIN_NEW_PASSWORD", help="New password (or GUTSKIN_NEW_PASSWORD); prompted if omitted."
    ),
) -> None:
    """Set a new password for someone who forgot theirs; every session and API token of the account ends."""
    from gutskin.clinic.accounts import prehash_password, set_password_by_operator
    from gutskin.clinic.errors import ClinicError
    from gutskin.store.db import get_engine, transaction

    password = _password_or_prompt(password, "users set-password", "New password")
    url = database_url()
    ensure_schema(url)
    hashed = prehash_password(password)  # argon2 before the transaction (its write lock), not in it
    try:
        with transaction(get_engine(url)) as s:
            user = set_password_by_operator(s, email, password, password_hash=hashed)
            uemail = user.email
    except ClinicError as exc:
        fail(str(exc))
    typer.echo(f"new password set for {uemail}; their sessions and API tokens have ended")


@users_app.command("remove")
def remove(email: str = typer.Option(..., "--email", help="Login email of the clinician or admin account.")) -> None:
    """Remove a clinician or admin account (someone who left the clinic). A clinician's patients
    are told as by a revocation: each sharing ends, the food challenges they supervised stop and
    their bookings are cancelled. A patient's account is refused (people delete their own)."""
    from gutskin.clinic.accounts import remove_by_operator
    from gutskin.clinic.errors import ClinicError
    from gutskin.store.db import get_engine, transaction

    url = database_url()
    ensure_schema(url)
    try:
        with transaction(get_engine(url)) as s:
            user, ended = remove_by_operator(s, email)
            role, uemail = user.role, user.email
    except ClinicError as exc:
        fail(str(exc))
    typer.echo(f"removed {role} {uemail}; its sessions and API tokens have ended"
               + (f"; {ended} sharing{'' if ended == 1 else 's'} ended (running food challenges stopped, "
                  f"bookings cancelled, each patient's access log says so)" if role == "clinician" else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
