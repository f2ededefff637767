"""Idle session expiry without a session write on every request; the CSP header on every page."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from http import HTTPStatus

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.http import HttpRequest
from django.http.response import HttpResponseBase

REFRESH_KEY = "_fedorg_seen"
REFRESH_EVERY_SECONDS = 60


class IdleSessionRefreshMiddleware:
    """Renews the session's expiry (SESSION_COOKIE_AGE, 30 minutes idle by default) at most once a minute.

    Django's SESSION_SAVE_EVERY_REQUEST would do the same with a database write on every page and every
    tree-navigator API call; touching the session once a minute keeps the idle limit accurate to a minute.
    Sits after SessionMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get(REFRESH_KEY, 0) >= REFRESH_EVERY_SECONDS:
                session[REFRESH_KEY] = now  # modified -> saved with a fresh expiry and cookie
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, without its exemption of 404 pages under DEBUG (issue 25: a developer's
    404 page carried no policy). Django's debug 500 page keeps the exemption: it needs inline styles to
    be read, and never reaches a user (DEBUG is off in production)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        if response.status_code == HTTPStatus.NOT_FOUND and HEADER not in response:
            policy = build_policy(**asdict(self.get_policy_parts(request=request, response=response)))
            if policy and not getattr(response, "_csp_exempt", False):
                response[HEADER] = policy
        return response
