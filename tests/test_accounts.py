import re
import sqlite3
import stat

import pytest
from argon2 import PasswordHasher
from auth_helpers import PASSWORD, login
from click.testing import CliRunner
from flask import jsonify
from openapi_schema_validator import OAS31Validator

from geozones._errors import ConflictError, InputError, NotFoundError
from geozones.cli.errors import exit_code
from geozones.cli.main import cli
from geozones.web import create_app
from geozones.web.accounts import (
    ACCOUNTS_FILE,
    LOGIN_WINDOW_S,
    MAX_FAILED_LOGINS,
    TooManyLoginsError,
    UserStore,
)
from geozones.web.auth import KEY_FILE, current_user, require, user_store
from geozones.zones.builders import district_plan

WRONG = "not the password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(tmp_path, **config):
    app = create_app(
        {
            "BUILD_DIR": str(tmp_path / "build"),
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "REGIONS": [],
            "TESTING": True,
            **config,
        }
    )

    # Test-only routes guarded by a role: one of the API (JSON errors), one page (redirects).
    @app.route("/api/test/edit", methods=["GET", "POST"])
    @require("commissioner")
    def api_edit():
        return jsonify(user=current_user().name)

    @app.route("/test/edit", methods=["GET", "POST"])
    @require("commissioner")
    def page_edit():
        return "edited"

    return app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(tmp_path):
    return UserStore(tmp_path / ACCOUNTS_FILE)


def form_token(client, path="/login"):
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def post_login(client, name="ann", password=PASSWORD, **extra):
    data = {"name": name, "password": password, "csrf_token": form_token(client)}
    return client.post("/login", data=data, **extra)


# The store: hashing, names, tokens.


def test_the_stored_password_is_an_argon2_hash_never_the_password(store):
    store.add("ann", PASSWORD, "commissioner")
    with sqlite3.connect(store.path) as db:
        (stored,) = db.execute("SELECT password FROM users").fetchone()
        dump = "\n".join(db.iterdump())
    assert stored.startswith("$argon2id$") and PASSWORD not in dump
    assert store.verify("ann", PASSWORD).role == "commissioner"
    assert store.verify("ANN", PASSWORD).name == "ann"  # names ignore letter case
    with pytest.raises(InputError, match="wrong user name or password"):
        store.verify("ann", PASSWORD.upper())
    with pytest.raises(InputError, match="wrong user name or password"):
        store.verify("nobody", PASSWORD)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_hash_made_with_other_parameters_is_redone_at_the_next_login(tmp_path):
    path = tmp_path / ACCOUNTS_FILE
    UserStore(path, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)).add(
        "ann", PASSWORD, "viewer"
    )
    read = "SELECT password FROM users WHERE name = 'ann'"
    with sqlite3.connect(path) as db:
        (old,) = db.execute(read).fetchone()
    UserStore(path).verify("ann", PASSWORD)
    with sqlite3.connect(path) as db:
        (new,) = db.execute(read).fetchone()
    assert "m=1024,t=1,p=1" in old and new != old and not PasswordHasher().check_needs_rehash(new)
    assert UserStore(path).verify("ann", PASSWORD).name == "ann"


@pytest.mark.parametrize(
    ("name", "password", "role", "says"),
    [
        ("ann smith", PASSWORD, "viewer", "letters, digits, '.', '_' and '-'"),
        ("", PASSWORD, "viewer", "1-64 characters"),
        ("a" * 65, PASSWORD, "viewer", "1-64 characters"),
        ("ann", "short", "viewer", "give 12 to 1024"),
        ("ann", PASSWORD, "owner", "not one of viewer, commissioner, admin"),
    ],
)
def test_names_passwords_and_roles_that_cannot_be_used_say_what_can(
    store, name, password, role, says
):
    with pytest.raises(InputError, match=re.escape(says)) as caught:
        store.add(name, password, role)
    assert password not in str(caught.value)


def test_a_name_is_taken_in_any_letter_case(store):
    store.add("Ann", PASSWORD, "viewer")
    with pytest.raises(ConflictError, match="user 'Ann' exists"):
        store.add("ann", PASSWORD + "!", "admin")
    assert [u.name for u in store.list()] == ["Ann"]


def test_tokens_are_kept_as_digests_and_can_be_revoked(store):
    store.add("bot", PASSWORD, "commissioner")
    token = store.issue_token("bot", "reporting script")
    assert len(token) >= 43 and store.user_for_token(token).name == "bot"
    with sqlite3.connect(store.path) as db:
        assert token not in "\n".join(db.iterdump())
    with pytest.raises(ConflictError, match="labelled 'reporting script'"):
        store.issue_token("bot", "reporting script")
    with pytest.raises(InputError, match="1-64 printable characters"):
        store.issue_token("bot", " ")
    other = store.issue_token("bot", "laptop")
    store.revoke_token("bot", "reporting script")
    assert store.user_for_token(token) is None and store.user_for_token(other).name == "bot"
    with pytest.raises(NotFoundError, match="its tokens: 'laptop'"):
        store.revoke_token("bot", "reporting script")
    assert store.user_for_token("") is None and store.user_for_token("x" * 1000) is None


def test_a_disabled_user_can_neither_log_in_nor_use_its_tokens(store):
    store.add("bot", PASSWORD, "commissioner")
    token = store.issue_token("bot", "ci")
    assert store.disable("bot").disabled and store.get("bot").disabled
    assert store.user_for_token(token) is None
    with pytest.raises(InputError, match="bot is disabled"):
        store.verify("bot", PASSWORD)
    with pytest.raises(InputError, match="disabled"):
        store.issue_token("bot", "another")
    with pytest.raises(NotFoundError, match="no user 'nobody'; users: bot"):
        store.disable("nobody")


def test_the_login_limit_is_shared_by_every_worker_and_a_success_resets_it(tmp_path):
    now = [1_000_000.0]
    workers = [UserStore(tmp_path / ACCOUNTS_FILE, clock=lambda: now[0]) for _ in range(2)]
    workers[0].add("ann", PASSWORD, "viewer")
    for attempt in range(MAX_FAILED_LOGINS):
        with pytest.raises(InputError, match="wrong user name or password"):
            workers[attempt % 2].login("ann", WRONG, "10.0.0.1")
    with pytest.raises(TooManyLoginsError, match="try again in 15 minute") as caught:
        workers[1].login("ANN", PASSWORD, "10.0.0.1")  # even the right password waits
    assert caught.value.retry_after == LOGIN_WINDOW_S
    assert workers[0].login("ann", PASSWORD, "10.0.0.2").name == "ann"  # another address
    now[0] += LOGIN_WINDOW_S + 1
    assert workers[1].login("ann", PASSWORD, "10.0.0.1").name == "ann"
    with pytest.raises(InputError, match="wrong"):
        workers[0].login("ann", WRONG, "10.0.0.1")  # counting starts again


# The web app: login, logout, sessions.


def test_the_login_page_is_labelled_and_carries_its_csrf_token(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Log in</h1>" in html
    assert '<label for="gz-name"' in html and '<label for="gz-password"' in html
    assert 'autocomplete="current-password"' in html and 'type="password"' in html
    assert CSRF.search(html) and '<meta name="csrf-token"' in html
    assert "vendor/bootstrap/bootstrap.min.css" in html and 'aria-label="geozones"' in html


def test_logging_in_with_the_form_then_out(app, client):
    user_store(app).add("ann", PASSWORD, "commissioner")
    wrong = post_login(client, password=WRONG)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 401 and 'role="alert"' in html and "wrong user name" in html
    assert 'value="ann"' in html and PASSWORD not in html
    assert client.get("/api/v1/me").get_json() == {"user": None, "role": None, "csrf_token": None}
    done = post_login(client)
    assert done.status_code == 303 and done.headers["Location"] == "/"
    me = client.get("/api/v1/me").get_json()
    assert me["user"] == "ann" and me["role"] == "commissioner" and me["csrf_token"]
    nav = client.get("/login").get_data(as_text=True)
    assert "Log out (ann)" in nav and 'action="/logout"' in nav
    out = client.post("/logout", data={"csrf_token": me["csrf_token"]})
    assert out.status_code == 303
    assert client.get("/api/v1/me").get_json()["user"] is None
    assert client.get("/test/edit").status_code == 302


def test_login_goes_on_to_a_local_next_only(app, client):
    user_store(app).add("ann", PASSWORD, "commissioner")
    cases = {
        "/test/edit?x=1": "/test/edit?x=1",
        "https://evil.example/": "/",
        "//evil.example/": "/",
        "/\\evil.example": "/",
        "/\t/evil.example": "/",
        "javascript:alert(1)": "/",
    }
    for target, expected in cases.items():
        token = form_token(client)
        data = {"name": "ann", "password": PASSWORD, "csrf_token": token, "next": target}
        response = client.post("/login", data=data)
        assert response.headers["Location"] == expected, target


def test_a_page_needing_a_login_sends_there_and_back(app, client):
    user_store(app).add("ann", PASSWORD, "commissioner")
    sent = client.get("/test/edit?plan=x")
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/login?next=/test/edit?plan%3Dx"
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/test/edit?plan=x"' in page
    data = {"name": "ann", "password": PASSWORD, "csrf_token": CSRF.search(page).group(1)}
    back = client.post("/login", data={**data, "next": "/test/edit?plan=x"})
    assert back.headers["Location"] == "/test/edit?plan=x"
    assert client.get("/test/edit?plan=x").get_data(as_text=True) == "edited"


def test_logging_in_starts_a_new_session(app, client):
    user_store(app).add("ann", PASSWORD, "commissioner")
    before = form_token(client)
    with client.session_transaction() as planted:
        planted["planted"] = "by someone else"
    token = login(client, app)
    with client.session_transaction() as session:
        assert "planted" not in session and session["user"] == "ann"
    assert token != before


def test_the_session_cookie_is_httponly_lax_and_secure_outside_testing(tmp_path, monkeypatch):
    monkeypatch.delenv("GEOZONES_DEV", raising=False)
    for testing, secure in ((True, False), (False, True)):
        app = make_app(tmp_path, TESTING=testing)
        client = app.test_client()
        cookie = client.get("/login").headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure, cookie
    monkeypatch.setenv("GEOZONES_DEV", "1")
    assert "Secure" not in make_app(tmp_path).test_client().get("/login").headers["Set-Cookie"]


def test_without_a_secret_key_one_is_kept_in_the_instance_for_every_worker(tmp_path, monkeypatch):
    monkeypatch.delenv("GEOZONES_SECRET_KEY", raising=False)
    first, second = make_app(tmp_path), make_app(tmp_path)
    key = tmp_path / "instance" / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text()) >= 32
    assert first.secret_key == second.secret_key == key.read_text()
    client = first.test_client()
    login(client, first)
    other = second.test_client()  # another worker, given the cookie the first one set
    other.set_cookie("session", client.get_cookie("session").value)
    assert other.get("/api/v1/me").get_json()["user"] == "ann"
    monkeypatch.setenv("GEOZONES_SECRET_KEY", "k" * 40)
    assert make_app(tmp_path).secret_key == "k" * 40


# Roles.


def test_anonymous_gets_401_json_for_the_api_and_a_redirect_for_pages(client):
    api = client.post("/api/test/edit", headers={"Accept": "text/html"})
    body = api.get_json()
    assert api.status_code == 401 and body["error"] == "Unauthorized"
    assert "commissioner" in body["detail"] and "Authorization: Bearer" in body["detail"]
    page = client.get("/test/edit")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")


def test_a_viewer_gets_403_naming_the_role_needed(app, client):
    token = login(client, app, "vic", role="viewer")
    refused = client.post("/api/test/edit", headers={"X-CSRF-Token": token})
    detail = refused.get_json()["detail"]
    assert refused.status_code == 403 and "needs the commissioner role" in detail
    assert "vic is a viewer" in detail
    page = client.get("/test/edit", headers={"Accept": "text/html"})
    assert page.status_code == 403 and "needs the commissioner role" in page.get_data(as_text=True)
    assert client.get("/admin/audit").status_code == 403


# CSRF.


def test_a_session_write_needs_the_csrf_token(app, client):
    token = login(client, app)
    refused = client.post("/api/test/edit", json={})
    assert refused.status_code == 403 and "CSRF token" in refused.get_json()["detail"]
    wrong = client.post("/api/test/edit", headers={"X-CSRF-Token": token[:-1] + "x"})
    assert wrong.status_code == 403
    assert client.post("/api/test/edit", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.post("/test/edit", data={"csrf_token": token}).status_code == 200
    for method in (client.put, client.patch, client.delete):
        assert method("/api/test/edit").status_code == 403  # refused before routing
    assert client.post("/logout").status_code == 403
    assert client.get("/api/v1/me").get_json()["user"] == "ann"


def test_a_session_write_from_another_site_is_refused(app, client):
    token = login(client, app)
    headers = {"X-CSRF-Token": token, "Origin": "https://evil.example"}
    refused = client.post("/api/test/edit", headers=headers)
    assert refused.status_code == 403 and "another site" in refused.get_json()["detail"]
    assert client.post("/api/test/edit", headers={**headers, "Origin": "null"}).status_code == 403
    same = {**headers, "Origin": "http://localhost"}
    assert client.post("/api/test/edit", headers=same).status_code == 200


def test_the_login_form_needs_its_token_and_anonymous_writes_none(app, client):
    user_store(app).add("ann", PASSWORD, "commissioner")
    forged = client.post("/login", data={"name": "ann", "password": PASSWORD})
    assert forged.status_code == 403 and client.get("/api/v1/me").get_json()["user"] is None
    # Anonymous: no token needed to reach the view (which then asks for a login).
    assert client.post("/api/test/edit").status_code == 401


# API tokens.


def test_a_bearer_token_works_without_csrf_and_a_bad_one_is_refused(app, client):
    store = user_store(app)
    store.add("bot", PASSWORD, "commissioner")
    token = store.issue_token("bot", "ci")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=auth).get_json() == {
        "user": "bot",
        "role": "commissioner",
        "csrf_token": None,
    }
    done = client.post("/api/test/edit", headers=auth)
    assert done.status_code == 200 and done.get_json() == {"user": "bot"}
    bad = client.post("/api/test/edit", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and "unknown, revoked" in bad.get_json()["detail"]
    store.disable("bot")
    assert client.post("/api/test/edit", headers=auth).status_code == 401
    assert "Set-Cookie" not in done.headers


def test_a_disabled_user_loses_its_session_and_cannot_log_in_again(app, client):
    login(client, app)
    user_store(app).disable("ann")
    assert client.get("/api/v1/me").get_json()["user"] is None
    again = post_login(client)
    assert again.status_code == 401 and "ann is disabled" in again.get_data(as_text=True)


# The login rate limit.


def test_the_sixth_failed_login_waits_and_is_told_when_to_try_again(app, client):
    user_store(app).add("ann", PASSWORD, "commissioner")
    for _ in range(MAX_FAILED_LOGINS):
        assert post_login(client, password=WRONG).status_code == 401
    page = post_login(client)  # the right password, too soon
    html = page.get_data(as_text=True)
    assert page.status_code == 429 and 'role="alert"' in html
    assert "try again in 15 minute(s), at" in html
    assert LOGIN_WINDOW_S - 60 < int(page.headers["Retry-After"]) <= LOGIN_WINDOW_S
    api = post_login(client, headers={"Accept": "application/json"})
    assert api.status_code == 429 and "try again in" in api.get_json()["detail"]
    assert "Retry-After" in api.headers
    elsewhere = post_login(client, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 303


def test_a_json_login_answers_as_me_does(app, client):
    user_store(app).add("ann", PASSWORD, "admin")
    done = post_login(client, headers={"Accept": "application/json"})
    assert done.status_code == 200 and done.get_json()["role"] == "admin"
    assert done.get_json() == client.get("/api/v1/me").get_json()


# The OpenAPI document.


def test_me_answers_as_documented(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schema = doc["paths"]["/me"]["get"]["responses"]["200"]["content"]["application/json"]
    validator = OAS31Validator({**schema["schema"], "components": doc["components"]})
    validator.validate(client.get("/api/v1/me").get_json())
    login(client, app)
    validator.validate(client.get("/api/v1/me").get_json())
    assert {"401", "403"} <= set(doc["paths"]["/audit"]["get"]["responses"])


# The command line.


def run(instance, *args, answers=None):
    result = CliRunner().invoke(
        cli, [*args, "--instance", str(instance)], input=answers, standalone_mode=False
    )
    code = exit_code(result.exception) if result.exception else 0
    return code, result.output


def test_the_cli_adds_lists_disables_and_issues_tokens(tmp_path):
    code, out = run(tmp_path, "users", "add", "ann", "--role", "commissioner",
                    answers=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert code == 0 and "added ann (commissioner)" in out and PASSWORD not in out
    store = UserStore(tmp_path / ACCOUNTS_FILE)
    assert store.verify("ann", PASSWORD).role == "commissioner"
    code, out = run(tmp_path, "users", "add", "bob", answers=f"{PASSWORD}\nother words here\n"
                    f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert code == 0 and "do not match" in out and "other words" not in out
    assert PASSWORD not in out and store.get("bob").role == "viewer"
    code, out = run(tmp_path, "users", "token", "ann", "--label", "reporting script")
    (token,) = re.findall(r"^\S{40,}$", out, re.MULTILINE)
    assert code == 0 and out.count(token) == 1 and "shown only this once" in out
    assert store.user_for_token(token).name == "ann"
    code, out = run(tmp_path, "users", "list")
    assert code == 0 and re.search(r"ann\s+commissioner\s+no\s+\d{4}-", out)
    assert run(tmp_path, "users", "disable", "ann")[0] == 0
    assert re.search(r"ann\s+commissioner\s+yes", run(tmp_path, "users", "list")[1])
    assert store.user_for_token(token) is None
    code, out = run(tmp_path, "users", "revoke", "ann", "--label", "reporting script")
    assert code == 0 and "revoked" in out


def test_the_cli_refuses_bad_input_before_asking_for_a_password(tmp_path):
    assert run(tmp_path, "users", "add", "ann smith")[0] == 3
    assert run(tmp_path, "users", "add", "ann", "--role", "owner")[0] == 3
    run(tmp_path, "users", "add", "ann", answers=f"{PASSWORD}\n{PASSWORD}\n")
    code, out = run(tmp_path, "users", "add", "ANN")
    assert code == 6 and "Password" not in out
    code, out = run(tmp_path, "users", "add", "cy", answers="short\nshort\n")
    assert code == 3 and "short" not in out
    assert run(tmp_path, "users", "disable", "nobody")[0] == 4
    assert "--password" not in run(tmp_path, "users", "add", "--help")[1]


# The audit log (admins only).


@pytest.fixture
def audited(herefordshire, build_root, tmp_path):
    """An app serving Herefordshire whose plan store has two writes of one plan."""
    app = make_app(tmp_path, BUILD_DIR=str(build_root), REGIONS=["herefordshire"])
    store = app.extensions["geozones"].store
    plan = district_plan(herefordshire, name="hfd-audit")
    store.save(plan, actor="ann", note="first draft")
    unit = plan.assignment.index[0]
    store.save(store.get(plan.name).reassign({unit: "Zone =X"}), actor="ann", note="=cmd()")
    return app, unit


def test_an_admin_reads_the_audit_log_on_a_page_and_as_json_and_csv(audited):
    app, unit = audited
    client = app.test_client()
    assert client.get("/admin/audit").status_code == 302
    assert client.get("/api/v1/audit").status_code == 401
    login(client, app, "cat", role="commissioner")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/api/v1/audit").status_code == 403
    client = app.test_client()
    login(client, app, "ada", role="admin")
    page = client.get("/admin/audit?plan=hfd-audit").get_data(as_text=True)
    assert "<h1>Audit log: hfd-audit</h1>" in page and 'scope="col">Base version<' in page
    assert page.index("=cmd()") < page.index("first draft")  # newest first
    assert f"{unit}: " in page and "Zone =X" in page and "Download CSV" in page
    doc = client.get("/api/v1/openapi.json").get_json()
    answer = client.get("/api/v1/audit")
    schema = doc["paths"]["/audit"]["get"]["responses"]["200"]["content"]["application/json"]
    body = answer.get_json()
    OAS31Validator({**schema["schema"], "components": doc["components"]}).validate(body)
    first, second = body["rows"]
    assert (first["action"], first["version"], first["base_version"]) == ("create", 1, None)
    assert (second["action"], second["version"], second["base_version"]) == ("save", 2, 1)
    assert second["actor"] == "ann" and second["moved"] == 1 and second["note"] == "=cmd()"
    download = client.get("/api/v1/audit?format=csv&plan=hfd-audit")
    text = download.get_data(as_text=True)
    assert download.mimetype == "text/csv"
    assert (
        download.headers["Content-Disposition"]
        == 'attachment; filename="geozones-audit-hfd-audit.csv"'
    )
    assert text.lstrip("\ufeff").startswith('"when","actor","action"') and '"\'=cmd()"' in text
    wrong = client.get("/api/v1/audit?format=xml")
    assert wrong.status_code == 422 and "use json or csv" in wrong.get_json()["detail"]
    assert client.get("/api/v1/audit?plan=nope").status_code == 404
