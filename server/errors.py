"""The one JSON error envelope, and the catalogue of named problems.

Every error leaves the server as
``{"error": {"code": ..., "message": ..., "fields"?: {...}}}``; code raises
``ApiError`` (or a named constructor below) and the handlers render it.
"""

import logging
import sqlite3
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Problem:
    """A named problem of the catalogue: a stable code, its HTTP status, what it says by default.

    Calling it makes the error to raise: ``raise RECORD_LOCKED()``, ``raise NOT_FOUND("Không tìm
    thấy thôn")``, ``raise VALIDATION_FAILED(fields={"phone": [...]})``. A push answers a mutation
    `rejected` with the same error's body, so one catalogue serves both.
    """

    code: str
    status: int
    message: str

    def __call__(self, message=None, fields=None, headers=None):
        return ApiError(self, message, fields=fields, headers=headers)


# The catalogue: every code the API answers with, or a push result carries (docs/api.md §1 and
# §6 list them; tests/test_error_catalogue.py holds the code and the document to it).
BAD_REQUEST = Problem("bad_request", 400, "Yêu cầu không hợp lệ")
UNAUTHORIZED = Problem("unauthorized", 401, "Cần đăng nhập")
TOKEN_MISSING = Problem("token_missing", 401, "Cần đăng nhập (thiếu mã xác thực)")
TOKEN_INVALID = Problem("token_invalid", 401, "Phiên đăng nhập không hợp lệ")
TOKEN_EXPIRED = Problem("token_expired", 401, "Phiên đăng nhập đã hết hạn")
TOKEN_REVOKED = Problem("token_revoked", 401, "Phiên đăng nhập đã kết thúc; hãy đăng nhập lại")
TOKEN_REUSED = Problem("token_reused", 401, "Phiên đăng nhập đã bị thu hồi vì lý do an toàn; hãy đăng nhập lại")
DEVICE_REVOKED = Problem("device_revoked", 401, "Thiết bị này đã bị thu hồi quyền truy cập")
ACCOUNT_DISABLED = Problem("account_disabled", 401, "Tài khoản đã bị khóa hoặc không còn tồn tại")
INVALID_CREDENTIALS = Problem("invalid_credentials", 401, "Sai tên đăng nhập hoặc mật khẩu")
FORBIDDEN = Problem("forbidden", 403, "Bạn không có quyền thực hiện thao tác này")
DEVICE_MISMATCH = Problem("device_mismatch", 403, "device_id không khớp với thiết bị đã đăng nhập")
FIELD_NOT_EDITABLE = Problem("field_not_editable", 403, "Có trường bạn không được phép sửa")
VILLAGE_NOT_ALLOWED = Problem("village_not_allowed", 403, "Bạn không được ghi nhận cho thôn này")
RECORD_LOCKED = Problem("record_locked", 403, "Bản ghi đã được duyệt hoặc bị từ chối, không sửa được nữa")
NOT_FOUND = Problem("not_found", 404, "Không tìm thấy")
METHOD_NOT_ALLOWED = Problem("method_not_allowed", 405, "Phương thức không được hỗ trợ")
CONFLICT = Problem("conflict", 409, "Xung đột")
CONCURRENT_CHANGE = Problem("concurrent_change", 409, "Một thao tác khác vừa thay đổi cùng dữ liệu; hãy thử lại")
STALE_VERSION = Problem("stale_version", 409, "Bản ghi đã thay đổi; hãy tải lại rồi thử lại")
INVALID_TRANSITION = Problem("invalid_transition", 409, "Không thể thực hiện thao tác này ở trạng thái hiện tại")
INVALID_CASE_TRANSITION = Problem("invalid_case_transition", 422, "Không thể chuyển tình trạng hồ sơ theo hướng này")
RECORD_HAS_CONFLICT = Problem(
    "record_has_conflict", 409, "Bản ghi đang có xung đột đồng bộ; cần giải quyết xung đột trước khi duyệt"
)
CONFLICT_NOT_OPEN = Problem("conflict_not_open", 409, "Xung đột này đã được giải quyết")
DUPLICATE_RECORD = Problem("duplicate_record", 409, "Bản ghi với mã này đã tồn tại")
MUTATION_MISMATCH = Problem("mutation_mismatch", 409, "Mã thao tác này đã được dùng cho một nội dung khác")
DEVICE_BOUND_TO_OTHER_USER = Problem("device_bound_to_other_user", 409, "Mã thiết bị này đã gắn với một tài khoản khác")
USERNAME_TAKEN = Problem("username_taken", 409, "Tên đăng nhập đã có người dùng")
VILLAGE_EXISTS = Problem("village_exists", 409, "Xã đã có thôn mang tên này")
COMMUNE_OPENED = Problem("commune_opened", 409, "Xã này đã được mở trong ứng dụng")
CANNOT_CHANGE_SELF = Problem("cannot_change_self", 409, "Không thể tự khóa hoặc tự đổi vai trò của mình")
ALREADY_SUBMITTED = Problem(
    "already_submitted", 409, "Báo cáo kỳ này đã được gửi; chỉ gửi lại khi tỉnh trả lại báo cáo"
)
ALREADY_RETURNED = Problem("already_returned", 409, "Báo cáo này đã được trả lại, chờ xã gửi lại")
PAYLOAD_TOO_LARGE = Problem("payload_too_large", 413, "Dữ liệu gửi lên quá lớn")
TOO_MANY_MUTATIONS = Problem("too_many_mutations", 413, "Quá nhiều thao tác trong một lần gửi")
UNSUPPORTED_MEDIA_TYPE = Problem("unsupported_media_type", 415, "Kiểu dữ liệu không được hỗ trợ")
VALIDATION_FAILED = Problem("validation_failed", 422, "Dữ liệu không hợp lệ")
PERIOD_NOT_ENDED = Problem("period_not_ended", 422, "Kỳ báo cáo chưa kết thúc; chỉ gửi báo cáo của kỳ đã qua")
UNKNOWN_OP = Problem("unknown_op", 422, "Thao tác phải là create, update hoặc delete")
UNKNOWN_TYPE = Problem("unknown_type", 422, "Loại bản ghi không tồn tại")
RECORD_DELETED = Problem("record_deleted", 422, "Bản ghi đã bị xóa")
INVALID_VALUE = Problem("invalid_value", 422, "Giá trị gửi lên không lưu được vào cơ sở dữ liệu")
TOO_MANY_LOGIN_ATTEMPTS = Problem("too_many_login_attempts", 429, "Đăng nhập sai quá nhiều lần; hãy thử lại sau")
RATE_LIMITED = Problem("rate_limited", 429, "Quá nhiều yêu cầu, hãy thử lại sau")
INTERNAL_ERROR = Problem("internal_error", 500, "Lỗi máy chủ; sự cố đã được ghi lại")
HTTP_ERROR = Problem("http_error", 500, "Lỗi HTTP")
PUSH_NOT_CONFIGURED = Problem(
    "push_not_configured", 503, "Máy chủ chưa được cấu hình thông báo đẩy (chưa có khóa VAPID)"
)
DATABASE_UNAVAILABLE = Problem(
    "database_unavailable",
    503,
    "Máy chủ tạm thời không kết nối được cơ sở dữ liệu; dữ liệu của bạn vẫn an toàn, hãy thử lại sau",
)
STORAGE_FULL = Problem(
    "storage_full", 503, "Máy chủ đã hết dung lượng lưu trữ: thay đổi chưa được lưu, hãy thử lại sau"
)

CATALOGUE = {problem.code: problem for problem in list(globals().values()) if isinstance(problem, Problem)}


class ApiError(Exception):
    """An error of the catalogue, as raised; the handlers render it in the envelope."""

    def __init__(self, problem, message=None, fields=None, headers=None, status=None):
        if CATALOGUE.get(problem.code) is not problem:
            raise ValueError(f"{problem.code!r} is not in the error catalogue")
        self.code = problem.code
        self.status = status or problem.status
        self.message = message or problem.message
        super().__init__(self.message)
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


def stale_version(current_version):
    return STALE_VERSION(f"Bản ghi đã thay đổi (phiên bản hiện tại {current_version}); hãy tải lại rồi thử lại")


# HTTP statuses that werkzeug raises on its own, as problems of the catalogue.
_HTTP_PROBLEMS = {
    400: BAD_REQUEST,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: CONFLICT,
    413: PAYLOAD_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    422: VALIDATION_FAILED,
    429: RATE_LIMITED,
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
    problem = _HTTP_PROBLEMS.get(exc.code, HTTP_ERROR)
    message = problem.message if problem is not HTTP_ERROR else exc.name
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
    return _render(ApiError(problem, message, fields=fields, headers=headers, status=status))


def handle_validation_error(exc):
    fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return _render(VALIDATION_FAILED(fields=fields))


def handle_database_unavailable(exc):
    log.warning("database unavailable: %s", exc)
    return _render(DATABASE_UNAVAILABLE(headers={"Retry-After": "5"}))


def storage_is_full(exc):
    """SQLite's "database or disk is full" or PostgreSQL's disk_full (53100): the database cannot grow."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or getattr(orig, "sqlstate", None) == "53100"


def handle_storage_full(exc):
    # The write was rolled back whole (one transaction per request); the device keeps it in its
    # outbox and sends it again. An operator must free space: the log says so.
    log.error("database storage is full, writes are refused until space is freed: %s", exc)
    return _render(STORAGE_FULL(headers={"Retry-After": "60"}))


def handle_unexpected(exc):
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    if isinstance(exc, IntegrityError):
        # Two requests raced to create the same thing (a double-tapped login, say); the loser retries.
        log.warning("integrity conflict: %s", exc)
        return _render(CONCURRENT_CHANGE())
    if isinstance(exc, DataError):
        # A value the database cannot hold that no check caught first: the caller's input, not our fault.
        log.warning("value refused by the database: %s", exc)
        return _render(INVALID_VALUE())
    if isinstance(exc, DBAPIError) and storage_is_full(exc):
        return handle_storage_full(exc)
    if isinstance(exc, (OperationalError,)) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return handle_database_unavailable(exc)
    log.exception("unexpected error")
    return _render(INTERNAL_ERROR())


def refuse_nul_in_path():
    """A NUL in the path names nothing (and PostgreSQL could not even look it up)."""
    if "\x00" in request.path:
        raise NOT_FOUND()


def register_error_handlers(app):
    app.before_request(refuse_nul_in_path)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(Exception, handle_unexpected)
