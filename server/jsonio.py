"""Fast JSON for Flask (orjson), and the one helper views use to answer with a body."""
import orjson
from flask import current_app
from flask.json.provider import JSONProvider


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
