"""Sending stored or rendered files: PDFs with ETags, so an unchanged one is a 304."""

from __future__ import annotations

from typing import IO

from flask import Response, request, stream_with_context

from server.storage import content_disposition

CHUNK = 64 * 1024


def file_response(
    content: bytes | IO[bytes],
    filename: str,
    mimetype: str,
    etag: str | None,
    *,
    attachment: bool = False,
) -> Response:
    if etag is not None and etag in request.if_none_match:
        if not isinstance(content, bytes):
            content.close()
        response = Response(status=304)
    elif isinstance(content, bytes):
        response = Response(content, mimetype=mimetype)
    else:

        def chunks():
            with content:
                while block := content.read(CHUNK):
                    yield block

        response = Response(stream_with_context(chunks()), mimetype=mimetype)
    if etag is not None:
        response.set_etag(etag)
    response.headers["Content-Disposition"] = content_disposition(filename, attachment=attachment)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
