"""Security headers on every response, and the Content-Security-Policy's per-request nonce.

Every response says:

* ``Content-Security-Policy``: scripts only from the app itself or inline
  scripts carrying this response's nonce (the map's folium script and its
  start-up call, :func:`nonced`); no plugins, no ``<base>`` elsewhere, forms
  only back to the app, data only from the app (and images from the
  configured tile server, when there is one), and no framing
  (``frame-ancestors 'none'``). Inline styles stay allowed: Leaflet and the
  vector layers position and colour elements with them.
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (for browsers
  without ``frame-ancestors``), ``Referrer-Policy: same-origin``, and over
  HTTPS ``Strict-Transport-Security`` for a year.

Templates call ``csp_nonce()`` for an inline ``<script>`` and pass HTML they
did not write (folium's head elements) through the ``nonced`` filter.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from markupsafe import Markup

__all__ = ["csp_nonce", "init_app", "nonced", "policy"]

#: An inline script tag without a nonce or a source.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src|nonce)=)([^>]*)>", re.IGNORECASE)


def csp_nonce() -> str:
    """The nonce of the response being made (on first use): inline scripts carrying it run."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def nonced(html: str) -> Markup:
    """``html`` with this response's nonce on each inline ``<script>`` (HTML the app trusts)."""
    marked = _INLINE_SCRIPT.sub(lambda m: f'<script nonce="{csp_nonce()}"{m.group(1)}>', html)
    return Markup(marked)  # noqa: S704  (folium's own head elements, rendered by the app)


def policy(nonce: str, tiles: str | None = None) -> str:
    """The Content-Security-Policy of a response with ``nonce`` (images also from ``tiles``)."""
    images = "'self' data:"
    server = urlsplit(tiles or "")
    if server.netloc:  # a tile template's {s} subdomains are any subdomain
        images += f" {server.scheme or 'https'}://{server.netloc.replace('{s}', '*')}"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    """Set the security headers on every response of ``app``; give templates the nonce."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonced"] = nonced

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = policy(csp_nonce(), current_app.config.get("TILES"))
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response
