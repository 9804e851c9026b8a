"""Security headers on every response, and rate-limit keys."""

from __future__ import annotations

import hashlib

from flask import Flask, request
from flask_limiter.util import get_remote_address

JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


def caller_key() -> str:
    """Rate limits per token (a phone), falling back to the address for anonymous calls."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    return "address:" + (get_remote_address() or "")


def register(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if response.mimetype == "application/json":
            headers.setdefault("Content-Security-Policy", JSON_CSP)
        if production:
            # Behind TLS in production; browsers then refuse plain HTTP for a year.
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
