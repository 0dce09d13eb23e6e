"""Test helpers: an API caller that works over Flask's test client or real HTTP, and valid record data."""

import itertools
import uuid

PASSWORD = "mat-khau-demo-06"
API = "/api/v1"


class Caller:
    """A logged-in device speaking the wire protocol. `transport` is a Flask test client or a
    requests.Session with `base_url`."""

    def __init__(self, transport, username, password=PASSWORD, device_id=None, base_url=""):
        self.transport = transport
        self.base_url = base_url
        self.username = username
        self.device_id = device_id or str(uuid.uuid4())
        self._mutation_ids = itertools.count(1)
        response = self.request(
            "POST",
            "/auth/login",
            json={"username": username, "password": password, "device_id": self.device_id},
            auth=False,
        )
        assert response.status_code == 200, (response.status_code, body_of(response))
        body = body_of(response)
        self.access_token = body["access_token"]
        self.refresh_token = body["refresh_token"]
        self.user = body["user"]

    def request(self, method, path, json=None, auth=True, token=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if auth:
            headers["Authorization"] = f"Bearer {token or self.access_token}"
        url = (self.base_url + API + path) if not path.startswith("/healthz") else self.base_url + path
        if hasattr(self.transport, "open"):  # Flask test client
            return self.transport.open(url, method=method, json=json, headers=headers, **kwargs)
        return self.transport.request(method, url, json=json, headers=headers, timeout=60, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def next_mutation_id(self):
        return next(self._mutation_ids)

    def push(self, mutations):
        """Push, numbering mutations that have no id; returns the response."""
        for mutation in mutations:
            mutation.setdefault("mutation_id", self.next_mutation_id())
        return self.post("/sync/push", json={"device_id": self.device_id, "mutations": mutations})

    def push_ok(self, mutations):
        response = self.push(mutations)
        assert response.status_code == 200, (response.status_code, body_of(response))
        return body_of(response)["results"]

    def pull(self, cursor=None, limit=None):
        params = {"device_id": self.device_id}
        if cursor:
            params["cursor"] = cursor
        if limit:
            params["limit"] = limit
        response = (
            self.get("/sync/pull", query_string=params)
            if hasattr(self.transport, "open")
            else self.get("/sync/pull", params=params)
        )
        assert response.status_code == 200, (response.status_code, body_of(response))
        return body_of(response)

    def pull_all(self, cursor=None, limit=None):
        """Page until has_more is false; returns ({record id: record}, cursor, pages)."""
        records, pages = {}, 0
        while True:
            page = self.pull(cursor, limit)
            pages += 1
            for change in page["changes"]:
                records[change["record"]["id"]] = change["record"]
            cursor = page["cursor"]
            if not page["has_more"]:
                return records, cursor, pages

    def create(self, record_type, village_id, data, record_id=None):
        """A create mutation (not yet sent)."""
        return {
            "op": "create",
            "record_id": record_id or str(uuid.uuid4()),
            "type": record_type,
            "village_id": village_id,
            "data": data,
            "client_time": "2026-11-20T08:00:00Z",
        }


def body_of(response):
    return response.get_json() if hasattr(response, "get_json") else response.json()


def update(record_id, base_version, data):
    return {"op": "update", "record_id": record_id, "base_version": base_version, "data": data}


def delete(record_id, base_version):
    return {"op": "delete", "record_id": record_id, "base_version": base_version}


def vneid_data(**overrides):
    data = {
        "full_name": "Nguyễn Thị Lan",
        "personal_id": "038190012345",
        "date_of_birth": "1990-05-01",
        "gender": "nữ",
        "phone": "0912345678",
        "phone_is_own": True,
        "level": 2,
        "step_reached": "activated",
        "place": "police_office",
        "activity_date": "2026-11-20",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def death_data(**overrides):
    data = {
        "deceased_name": "Trần Văn Cường",
        "birth_year": 1940,
        "gender": "nam",
        "date_of_death": "2023-04",
        "informant_name": "Trần Thị Mai",
        "informant_relation": "con gái",
        "source": "family",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def propaganda_data(**overrides):
    data = {
        "activity_date": "2026-11-18",
        "start_time": "19:30",
        "form": "meeting",
        "topics": ["vneid", "online_public_services"],
        "organizers": ["youth_union"],
        "location": "Nhà văn hóa Thôn 1",
        "people_reached": 45,
        "materials_count": 30,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def all_pages(caller, path, **query):
    """Every item of a paged list (docs/api.md, paging), asked for 200 at a time."""
    items, page = [], 1
    while True:
        response = caller.get(path, query_string={**query, "page": page, "per_page": 200})
        assert response.status_code == 200, body_of(response)
        body = body_of(response)
        items += body["items"]
        if page * body["per_page"] >= body["total"]:
            return items
        page += 1


# A public address standing for a push service in tests that register subscriptions but send
# nothing (no VAPID keys); tests that send use the loopback push service of tests/push.
PUBLIC_STAND_IN = "93.184.215.14"


def resolve_names(monkeypatch, addresses):
    """Make socket.getaddrinfo answer {name: [address, ...]} (a callable value is asked each
    time, for a name that resolves differently later); other names resolve as usual."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        known = addresses.get((name or "").lower())
        if known is None:
            return real(host, port, *args, **kwargs)
        answers = known() if callable(known) else known
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in answers
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def one_stop_data(**overrides):
    """A citizen guided at the one-stop desk through VNeID and an online birth registration."""
    data = {
        "site": "one_stop_desk",
        "citizen_name": "Lê Thị Thu",
        "personal_id": "038190012345",
        "services": ["vneid", "online_procedure"],
        "procedure": "Đăng ký khai sinh",
        "dvc_account_created": True,
        "logged_in_with_vneid": True,
        "submitted_online": True,
        "result": "done",
        "helper_unit": "commune_police",
        "activity_date": "2026-11-20",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def correction_data(**overrides):
    """A wrong date of birth in the population data, found in the field."""
    data = {
        "citizen_name": "Phạm Văn Đông",
        "personal_id": "038185012345",
        "issue": "wrong",
        "field_concerned": "date_of_birth",
        "recorded_value": "01/01/1985",
        "observed_value": "15/03/1985",
        "evidence_note": "Giấy khai sinh bản chính của ông Đông",
        "activity_date": "2026-11-18",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def difficulty_data(**overrides):
    """No 4G in a village: the people it keeps from activating VNeID, and what is asked for."""
    return {
        "topic": "signal",
        "description": "Thôn 1 không có sóng 4G, người dân phải ra nhà văn hóa mới kích hoạt được VNeID",
        "proposal": "Đề nghị nhà mạng lắp thêm trạm phát sóng",
        "activity_date": "2026-11-12",
        **overrides,
    }


def level2_data(**overrides):
    """A level 2 file with its appointment at the police office."""
    data = {
        "full_name": "Đinh Thị Ngọc",
        "personal_id": "038195012345",
        "date_of_birth": "1995-08-14",
        "gender": "nữ",
        "phone": "0912345678",
        "place": "police_office",
        "appointment_date": "2026-11-24",
        "papers": ["health_insurance", "driving_licence"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
