"""Fast JSON for Flask (orjson), the one helper views use to answer with a body, and the
blueprint every API module uses."""

from http import HTTPStatus

import flask_smorest
import orjson
from flask import current_app
from flask.json.provider import JSONProvider
from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import UnsupportedMediaType


class OrjsonProvider(JSONProvider):
    # orjson refuses nesting deeper than 1024 and integers beyond 64 bits with a
    # JSONDecodeError (a ValueError), which Flask turns into a 400: no 500 from input.
    def loads(self, s, **kwargs):
        return orjson.loads(s)

    def dumps(self, obj, **kwargs):
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return current_app.response_class(
            orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS), mimetype="application/json"
        )


def json_response(payload, status=200):
    """A JSON response, bypassing marshmallow dumping (the schemas document the shape)."""
    response = current_app.json.response(payload)
    response.status_code = status
    return response


class OrjsonParser(FlaskParser):
    """webargs reading bodies with orjson: it refuses nesting past 1024 levels with a
    JSONDecodeError (a 400), where the standard library would hit the recursion limit."""

    # An unknown query parameter is refused (422 naming it), as an unknown key of a JSON body
    # is: a misspelt filter would otherwise answer the whole list, unfiltered.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE}

    def _raw_load_json(self, req):
        body = req.get_data(cache=True)
        if not is_json_request(req):
            if body:
                raise UnsupportedMediaType("Dữ liệu phải gửi dạng JSON (Content-Type: application/json)")
            return core.missing
        if not body:
            return core.missing
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as err:  # not UTF-8, not JSON, or nested too deep
            self._handle_invalid_json_error(err, req)


class Blueprint(flask_smorest.Blueprint):
    """The blueprint every API module uses: flask-smorest's, with the orjson body parser, and
    the error answers of each operation documented in the envelope (server/errors.py)."""

    ARGUMENTS_PARSER = OrjsonParser()

    def errors(self, *statuses):
        """Document the errors an operation answers besides 503, which any of them can give
        (the database is unreachable, or its disk full)."""

        def decorator(view):
            for status in sorted({*statuses, 503}, reverse=True):
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return view

        return decorator

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's, and for a JSON body the errors reading it can give: 400 (not JSON),
        413 (over MAX_BODY_BYTES), 415 (another Content-Type)."""
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse
        return lambda view: self.errors(400, 413, 415)(parse(view))
