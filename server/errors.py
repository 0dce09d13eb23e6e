"""The one JSON error envelope, and the catalogue of named problems.

Every error leaves the server as
``{"error": {"code": ..., "message": ..., "fields"?: {...}}}``; code raises
``ApiError`` (or a named constructor below) and the handlers render it.
"""

import logging
import sqlite3

import marshmallow as ma
from flask import current_app, jsonify, request
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={
            "description": "validation errors only: messages by field, a nested field or list item named by "
            "its dotted path (keys.auth, village_ids.0, mutations.3.mutation_id)"
        },
    )


class ErrorEnvelopeSchema(ma.Schema):
    """The body of every error response (documents the envelope in OpenAPI)."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


class ApiError(Exception):
    def __init__(self, code, status, message, fields=None, headers=None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.fields = None if fields is None else flat_fields(fields)
        self.headers = headers or {}

    def body(self):
        error = {"code": self.code, "message": self.message}
        if self.fields is not None:
            error["fields"] = self.fields
        return {"error": error}


def flat_fields(messages, path=""):
    """marshmallow nests the messages of a nested object or a list's items ({"keys": {"auth": [...]}},
    {"ids": {"0": [...]}}); the envelope names each by its dotted path ({"keys.auth": [...]}), so
    every value is a list of messages a client can show under the field. A nested object's own
    problem (its "_schema", say "not an object") is named by the object's path."""
    if isinstance(messages, dict):
        fields = {}
        for name, inner in messages.items():
            inner_path = path if name == "_schema" and path else f"{path}.{name}" if path else str(name)
            for field, texts in flat_fields(inner, inner_path).items():
                fields.setdefault(field, []).extend(texts)
        return fields
    if isinstance(messages, list):
        return {path or "_schema": [m if isinstance(m, str) else str(m) for m in messages]}
    return {path or "_schema": [str(messages)]}


def validation_failed(fields, message="Dữ liệu không hợp lệ"):
    return ApiError("validation_failed", 422, message, fields=fields)


def not_found(what="Không tìm thấy"):
    return ApiError("not_found", 404, what)


def forbidden(message="Bạn không có quyền thực hiện thao tác này"):
    return ApiError("forbidden", 403, message)


def stale_version(current_version):
    return ApiError(
        "stale_version",
        409,
        f"Bản ghi đã thay đổi (phiên bản hiện tại {current_version}); hãy tải lại rồi thử lại",
    )


# HTTP statuses that werkzeug raises on its own, mapped to stable codes.
_HTTP_CODES = {
    400: ("bad_request", "Yêu cầu không hợp lệ"),
    401: ("unauthorized", "Cần đăng nhập"),
    403: ("forbidden", "Không có quyền"),
    404: ("not_found", "Không tìm thấy"),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ"),
    409: ("conflict", "Xung đột"),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn"),
    415: ("unsupported_media_type", "Kiểu dữ liệu không được hỗ trợ"),
    422: ("validation_failed", "Dữ liệu không hợp lệ"),
    429: ("rate_limited", "Quá nhiều yêu cầu, hãy thử lại sau"),
}


def _flatten_webargs(messages):
    """webargs nests errors by location ({"json": {...}, "query": {...}}); we answer per field."""
    if not isinstance(messages, dict):
        return {"_schema": messages if isinstance(messages, list) else [str(messages)]}
    fields = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            fields.update(errors)
        else:
            fields[location] = errors
    return fields


def _render(err):
    response = jsonify(err.body())
    response.status_code = err.status
    for name, value in err.headers.items():
        response.headers[name] = value
    return response


def handle_api_error(err):
    return _render(err)


def handle_http_exception(exc):
    code, message = _HTTP_CODES.get(exc.code, ("http_error", exc.name))
    data = getattr(exc, "data", None) or {}
    fields = None
    if exc.code == 400 and "messages" in data:
        # webargs says 400 only for a body that is not JSON at all
        message = "Dữ liệu gửi lên không đúng định dạng JSON"
    elif "messages" in data:  # webargs/flask-smorest validation
        fields = _flatten_webargs(data["messages"])
    if "message" in data:
        message = data["message"]
    if exc.code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        message = f"Dữ liệu gửi lên quá lớn (tối đa {limit} byte)"
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(exc, "valid_methods", None)
    if valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    status = exc.code if exc.code and exc.code >= 400 else 500
    return _render(ApiError(code, status, message, fields=fields, headers=headers))


def handle_validation_error(exc):
    fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return _render(validation_failed(fields))


def handle_database_unavailable(exc):
    log.warning("database unavailable: %s", exc)
    return _render(
        ApiError(
            "database_unavailable",
            503,
            "Máy chủ tạm thời không kết nối được cơ sở dữ liệu; dữ liệu của bạn vẫn an toàn, hãy thử lại sau",
            headers={"Retry-After": "5"},
        )
    )


def storage_is_full(exc):
    """SQLite's "database or disk is full" or PostgreSQL's disk_full (53100): the database cannot grow."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or getattr(orig, "sqlstate", None) == "53100"


def handle_storage_full(exc):
    # The write was rolled back whole (one transaction per request); the device keeps it in its
    # outbox and sends it again. An operator must free space: the log says so.
    log.error("database storage is full, writes are refused until space is freed: %s", exc)
    return _render(
        ApiError(
            "storage_full",
            503,
            "Máy chủ đã hết dung lượng lưu trữ: thay đổi chưa được lưu, hãy thử lại sau",
            headers={"Retry-After": "60"},
        )
    )


def handle_unexpected(exc):
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    if isinstance(exc, IntegrityError):
        # Two requests raced to create the same thing (a double-tapped login, say); the loser retries.
        log.warning("integrity conflict: %s", exc)
        return _render(ApiError("concurrent_change", 409, "Một thao tác khác vừa thay đổi cùng dữ liệu; hãy thử lại"))
    if isinstance(exc, DataError):
        # A value the database cannot hold that no check caught first: the caller's input, not our fault.
        log.warning("value refused by the database: %s", exc)
        return _render(ApiError("invalid_value", 422, "Giá trị gửi lên không lưu được vào cơ sở dữ liệu"))
    if isinstance(exc, DBAPIError) and storage_is_full(exc):
        return handle_storage_full(exc)
    if isinstance(exc, (OperationalError,)) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return handle_database_unavailable(exc)
    log.exception("unexpected error")
    return _render(ApiError("internal_error", 500, "Lỗi máy chủ; sự cố đã được ghi lại"))


def refuse_nul_in_path():
    """A NUL in the path names nothing (and PostgreSQL could not even look it up)."""
    if "\x00" in request.path:
        raise not_found()


def register_error_handlers(app):
    app.before_request(refuse_nul_in_path)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(Exception, handle_unexpected)
