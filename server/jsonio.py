"""Fast JSON for Flask (orjson), and the one helper views use to answer with a body."""
import flask_smorest
import orjson
from flask import current_app
from flask.json.provider import JSONProvider
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
            orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS), mimetype="application/json")


def json_response(payload, status=200):
    """A JSON response, bypassing marshmallow dumping (the schemas document the shape)."""
    response = current_app.json.response(payload)
    response.status_code = status
    return response


class OrjsonParser(FlaskParser):
    """webargs reading bodies with orjson: it refuses nesting past 1024 levels with a
    JSONDecodeError (a 400), where the standard library would hit the recursion limit."""

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
    """The blueprint every API module uses: flask-smorest's, with the orjson body parser."""
    ARGUMENTS_PARSER = OrjsonParser()
