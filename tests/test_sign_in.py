"""Sign-in fails closed (issue 19, finding 1): a broken sign-in set-up never opens the app.

Local mode (one administrator, no sign-in) only when no secrets file exists at all, and only
on this machine's loopback address; a secrets file that cannot be read, or an incomplete
``[auth]`` section, stops the app with a message; the identity provider must vouch for the
e-mail address (``email_verified``). See docs/sign-in.md.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit import config
from streamlit.runtime.secrets import secrets_singleton
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from ui.context import sign_in_problem

APP = Path(__file__).resolve().parents[1] / "app.py"
AUTH = {
    "redirect_uri": "https://oversight.example.gov.uk/oauth2callback",
    "cookie_secret": "a-long-random-string-for-tests-only",
    "client_id": "client",
    "client_secret": "secret",
    "server_metadata_url": "https://login.example.gov.uk/.well-known/openid-configuration",
}
ADMIN_EMAIL = "first.admin@example.gov.uk"


def without(key: str) -> dict:
    return {name: value for name, value in AUTH.items() if name != key}


@pytest.mark.parametrize(
    "secrets, problem",
    [
        ({}, ""),  # no sign-in configured at all: local mode
        ({"other": {"x": 1}}, ""),  # other secrets, nothing about sign-in
        ({"auth": AUTH}, ""),
        (
            {
                "auth": {
                    **{k: AUTH[k] for k in ("redirect_uri", "cookie_secret")},
                    "default": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")},
                }
            },
            "",
        ),
        ({"auth": without("cookie_secret")}, "[auth] has no cookie_secret"),
        ({"auth": without("server_metadata_url")}, "[auth] has no server_metadata_url"),
        ({"auth": {**AUTH, "client_secret": "  "}}, "[auth] has no client_secret"),
        ({"auth": {}}, "[auth] has no redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url"),
        ({"Auth": AUTH}, "not in an [auth] section"),  # a misspelt section is not "no sign-in"
        ({"client_id": "x", "client_secret": "y"}, "not in an [auth] section"),
        ({"auth": "on"}, "[auth] is not a section"),
    ],
)
def test_sign_in_settings_are_complete_or_absent(secrets, problem):
    found = sign_in_problem(secrets)
    assert (problem in found and found) if problem else found == ""


@contextmanager
def option(name: str, value):
    """A Streamlit config option set for one test, then put back."""
    before = config.get_option(name)
    config.set_option(name, value)
    secrets_singleton._reset()
    try:
        yield
    finally:
        config.set_option(name, before)
        secrets_singleton._reset()


def run_app(url: str, monkeypatch, secrets: dict | None = None, user: dict | None = None) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def closed(at: AppTest) -> str:
    """The app's refusal: an error, and no data, no menu, no local mode."""
    assert not at.dataframe and not at.sidebar.selectbox and not at.sidebar.warning
    assert not [button for button in at.button if button.label == "Sign in"]
    errors = [error.value for error in at.error]
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    "text, says",
    [
        ('[auth]\nredirect_uri = "https://x.example/oauth2callback\ncookie_secret = "s"\n', "cannot be read"),
        ("[auth\n", "cannot be read"),
        ('[auth]\nredirect_uri = "https://x.example/oauth2callback"\n', "[auth] has no cookie_secret"),
        ('[oauth]\nclient_id = "x"\n', "not in an [auth] section"),
    ],
)
def test_a_broken_secrets_file_stops_the_app(demo_sqlite_url, monkeypatch, tmp_path, text, says):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(text)
    with option("secrets.files", [str(secrets)]):
        at = run_app(demo_sqlite_url, monkeypatch)
    message = closed(at)
    assert "The dashboard is closed" in message and says in message.replace("\\", "")


def test_an_empty_secrets_file_is_local_mode(demo_sqlite_url, monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("")
    with option("secrets.files", [str(secrets)]):
        at = run_app(demo_sqlite_url, monkeypatch)
    assert "Local mode" in at.sidebar.warning[0].value and at.dataframe


@pytest.mark.parametrize(
    "address, opens",
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("", False),
        ("10.1.2.3", False),
    ],
)
def test_local_mode_runs_on_this_machine_only(demo_sqlite_url, monkeypatch, address, opens):
    with option("server.address", address or None):
        at = run_app(demo_sqlite_url, monkeypatch)
    if opens:
        assert "Local mode" in at.sidebar.warning[0].value and at.dataframe
    else:
        assert "only runs on this machine" in closed(at)


def test_the_project_serves_local_mode_on_this_machine_only():
    """.streamlit/config.toml binds the server to 127.0.0.1 unless a deployment says otherwise."""
    import tomllib

    settings = tomllib.loads((APP.parent / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["address"] == "127.0.0.1"


@pytest.fixture
def signed_in_db(demo_sqlite_url, tmp_path) -> str:
    """A copy of the demo database with one administrator (sign-in mode looks people up)."""
    from sqlalchemy.orm import Session

    from dashboard.access import ADMIN, Viewer
    from data_access.access import add_user

    target = tmp_path / "signed_in.db"
    shutil.copyfile(demo_sqlite_url.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        add_user(session, Viewer(email="cli:test", role=ADMIN), ADMIN_EMAIL, ADMIN)
    engine.dispose()
    return url


@pytest.mark.parametrize(
    "claims, allowed",
    [
        ({"email_verified": True}, True),
        ({"email_verified": "true"}, True),
        ({"xms_edov": True}, True),  # Microsoft Entra ID: 'e-mail domain owner verified'
        ({"email_verified": False}, False),
        ({"email_verified": "false", "xms_edov": True}, False),
        ({}, False),  # nobody vouches for the address
    ],
)
def test_the_identity_provider_must_vouch_for_the_email(signed_in_db, monkeypatch, claims, allowed):
    user = {"is_logged_in": True, "email": ADMIN_EMAIL, **claims}
    at = run_app(signed_in_db, monkeypatch, secrets={"auth": AUTH}, user=user)
    if allowed:
        assert not at.error and at.dataframe
        assert any(
            ADMIN_EMAIL in caption.value.replace("\u2060", "").replace("\\", "") for caption in at.sidebar.caption
        )
    else:
        assert not at.dataframe
        assert "has not confirmed" in at.error[0].value and [b for b in at.button if b.label == "Sign out"]


def test_incomplete_sign_in_settings_never_serve_local_mode(signed_in_db, monkeypatch):
    at = run_app(
        signed_in_db,
        monkeypatch,
        secrets={"auth": without("client_secret")},
        user={"is_logged_in": True, "email": ADMIN_EMAIL, "email_verified": True},
    )
    assert "[auth] has no client_secret" in closed(at).replace("\\", "")
