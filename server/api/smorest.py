"""Project subclasses of flask-smorest's Api, Blueprint and Schema: cross-cutting behaviour once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy

import flask_smorest
import marshmallow as ma
from flask import g, request
from flask_smorest.pagination import Page, PaginationMetadataSchema
from flask_smorest.utils import unpack_tuple_response
from sqlalchemy import func, select
from webargs.flaskparser import FlaskParser

from server.extensions import db
from server.models import Role, User
from server.services import auth
from server.services.errors import AuthenticationFailed, Forbidden


class Api(flask_smorest.Api):
    def handle_http_exception(self, error):
        payload, code, headers = super().handle_http_exception(error)
        payload.setdefault("message", error.description)
        # Keep headers set on the exception itself (Retry-After, WWW-Authenticate, Allow).
        response = error.get_response()
        for name in ("Retry-After", "WWW-Authenticate", "Allow"):
            if name in response.headers and name not in headers:
                headers[name] = response.headers[name]
        return payload, code, headers

    def _register_pagination_header(self):
        # The header carries JSON text; a bare object `schema` would mean OpenAPI's "simple"
        # style (total,7,page,1), so document it as JSON content instead.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, as JSON",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )


class Schema(ma.Schema):
    class Meta:
        ordered = True


class QueryArgsSchema(Schema):
    """Query arguments of a paginated list: unknown parameters are refused, paging ones left to
    flask-smorest's pagination (which reads the same query string)."""

    PAGING = ("page", "page_size")

    @ma.pre_load
    def drop_paging(self, data, **kwargs):
        return {key: data[key] for key in data if key not in self.PAGING}


class SelectPage(Page):
    """Pages through a SQLAlchemy select in the database, not in Python."""

    @property
    def items(self):
        params = self.page_params
        return db.session.scalars(
            self.collection.limit(params.page_size).offset(params.first_item)
        ).all()

    @property
    def item_count(self):
        counted = self.collection.order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(counted))


def current_user() -> User:
    return g.current_user


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> None:
    """Set g.current_user and g.current_token from the bearer token, or refuse with 401."""
    raw = _bearer_token()
    token = auth.token_for(raw) if raw else None
    if token is None:
        raise AuthenticationFailed("A valid bearer token is required.")
    g.current_token = token
    g.current_user = token.user


class Blueprint(flask_smorest.Blueprint):
    # Unknown query parameters are refused like unknown body fields (webargs would drop them).
    ARGUMENTS_PARSER = FlaskParser(unknown=None)
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 50, "max_page_size": 500}

    def login_required(self, *roles: Role) -> Callable:
        """Require a bearer token and, when roles are given, one of them (403 otherwise).

        The route's OpenAPI entry gets the security requirement and the 401/403 responses.
        `roles` is also kept on the view for the route inventory.
        """
        allowed = frozenset(roles)

        def decorator(view: Callable) -> Callable:
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                authenticate()
                if allowed and g.current_user.role not in allowed:
                    raise Forbidden("Your role may not do this.")
                return view(*args, **kwargs)

            wrapper._apidoc = deepcopy(getattr(view, "_apidoc", {}))
            wrapper.allowed_roles = allowed or frozenset(Role)
            wrapper = self.doc(security=[{"bearerAuth": []}])(wrapper)
            wrapper = self.alt_response(401, response="UNAUTHORIZED")(wrapper)
            if allowed:
                wrapper = self.alt_response(403, response="FORBIDDEN")(wrapper)
            return wrapper

        return decorator

    def response_by_role(
        self, status: int, schemas: dict[frozenset[Role], type[ma.Schema]], *, many=False
    ) -> Callable:
        """Dump the result with the schema for the caller's role (first matching entry).

        For data some roles must never see: their schema simply has no such fields. The first
        schema is documented as the response; the others are described as subsets of it.
        """
        documented = next(iter(schemas.values()))

        def decorator(view: Callable) -> Callable:
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                result, code, headers = unpack_tuple_response(view(*args, **kwargs))
                role = g.current_user.role
                schema = next(schema for roles, schema in schemas.items() if role in roles)
                return schema(many=many).dump(result), code or status, headers

            wrapper._apidoc = deepcopy(getattr(view, "_apidoc", {}))
            others = ", ".join(
                f"{schema.__name__} for {'/'.join(sorted(r.value for r in roles))}"
                for roles, schema in list(schemas.items())[1:]
            )
            return self.alt_response(
                status,
                schema=documented(many=many),
                success=True,
                description=f"Shape by role: {others}" if others else None,
            )(wrapper)

        return decorator

    def public(self, view: Callable) -> Callable:
        """Mark a route as open to anyone (for the route inventory)."""
        view.allowed_roles = None
        return view
