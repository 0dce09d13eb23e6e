"""marshmallow's own messages in Vietnamese, as every other message the API gives.

The schemas mostly leave a field's type and length errors to marshmallow, whose
messages are English. marshmallow reads them from class attributes, and its
documentation names overriding those as the way to change them everywhere;
importing this module does that once, before any schema is used.
"""

from marshmallow import Schema, fields, validate

_FIELD_MESSAGES = {
    fields.Field: {
        "required": "Thiếu trường bắt buộc.",
        "null": "Không được để trống.",
        "validator_failed": "Giá trị không hợp lệ.",
    },
    fields.String: {"invalid": "Phải là một chuỗi ký tự.", "invalid_utf8": "Chuỗi không phải UTF-8 hợp lệ."},
    fields.Number: {"invalid": "Phải là một số.", "too_large": "Số quá lớn."},
    fields.Integer: {"invalid": "Phải là một số nguyên."},
    fields.Float: {"special": "Không nhận NaN hay vô cực."},
    fields.Boolean: {"invalid": "Phải là true hoặc false."},
    fields.Date: {"invalid": "Phải là một ngày (YYYY-MM-DD).", "format": 'Không viết được "{input}" thành ngày.'},
    fields.DateTime: {
        "invalid": "Phải là một thời điểm (ISO 8601).",
        "invalid_awareness": "Thời điểm phải có múi giờ.",
        "format": 'Không viết được "{input}" thành thời điểm.',
    },
    fields.UUID: {"invalid_uuid": "Phải là một UUID."},
    fields.List: {"invalid": "Phải là một danh sách."},
    fields.Mapping: {"invalid": "Phải là một đối tượng."},
    fields.Nested: {"type": "Phải là một đối tượng."},
}

# Each class gets a dict of its own: marshmallow merges them along the class's MRO, and
# updating an inherited dict in place would change the parent's messages too.
for field_class, messages in _FIELD_MESSAGES.items():
    field_class.default_error_messages = {**field_class.__dict__.get("default_error_messages", {}), **messages}

Schema._default_error_messages = {"type": "Dữ liệu phải là một đối tượng.", "unknown": "Trường không được nhận."}

validate.Length.message_min = "Ngắn hơn tối thiểu {min} ký tự."
validate.Length.message_max = "Dài hơn tối đa {max} ký tự."
validate.Length.message_all = "Độ dài phải từ {min} đến {max}."
validate.Length.message_equal = "Độ dài phải là {equal}."
validate.Range.message_min = "Phải {min_op} {{min}}."
validate.Range.message_max = "Phải {max_op} {{max}}."
validate.Range.message_all = "Phải {min_op} {{min}} và {max_op} {{max}}."
validate.Range.message_gte = "lớn hơn hoặc bằng"
validate.Range.message_gt = "lớn hơn"
validate.Range.message_lte = "nhỏ hơn hoặc bằng"
validate.Range.message_lt = "nhỏ hơn"
validate.OneOf.default_message = "Phải là một trong: {choices}."
validate.Regexp.default_message = "Không đúng định dạng."
