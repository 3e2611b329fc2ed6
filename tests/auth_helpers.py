"""Log a test client in: ``login(client, app)`` returns the CSRF token its JSON writes send."""

from __future__ import annotations

import re
from typing import Any

from geozones.web.auth import user_store

PASSWORD = "correct horse battery"  # noqa: S105  (the test users' password)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(
    client: Any, app: Any, name: str = "ann", role: str = "commissioner", password: str = PASSWORD
) -> str:
    """Log ``client`` in as ``name`` (made in ``app``'s user store with ``role`` if absent).

    Posts the login form as a browser would (its CSRF token from the page) and
    returns the session's CSRF token, for ``headers={"X-CSRF-Token": token}``.
    """
    store = user_store(app)
    user = store.get(name) or store.add(name, password, role)
    assert user.role == role, f"user {name} exists as a {user.role}, not a {role}"
    page = client.get("/login").get_data(as_text=True)
    form = {"name": name, "password": password, "csrf_token": _TOKEN.search(page).group(1)}
    response = client.post("/login", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    token: str = client.get("/api/v1/me").get_json()["csrf_token"]
    return token
