"""vol.qt1 gets police.qt's remark as a notification on her phone: the server sends it with
pywebpush to a push service on loopback (tests/push/), which decrypts it with the subscription's
private key (RFC 8291) as the phone's push service would; the message is then delivered to the
phone's service worker through the DevTools protocol, and sw.js shows it in Vietnamese and
brings the change in.

Headless Chromium has no push service of its own to subscribe with (pushManager.subscribe needs
Google's), so the phone's device is bound to the loopback push service's endpoint through the
app's own API call, with a key pair the test holds."""

import json

import pytest
from playwright.sync_api import expect

from server.config import Config
from tests.e2e.steps import REVIEWER, TIMEOUT_MS, eventually, log_in, save_new_record, tag, wait_for_service_worker
from tests.helpers import vneid_data
from tests.push.conftest import Browser as Subscriber
from tests.push.conftest import PushService, verify_vapid

COMMENT = "Ảnh CCCD bị mờ — đề nghị chụp lại mặt trước, ghi rõ ngày cấp."


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


def registration_id(cdp, page):
    """The id DevTools knows the phone's service worker registration by."""
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    found = eventually(
        page,
        lambda: [r for r in registrations if not r["isDeleted"]],
        message="the service worker's registration over DevTools",
    )
    return found[-1]["registrationId"]


def shown_notifications(page):
    return page.evaluate("""async () => (await (await navigator.serviceWorker.ready).getNotifications())
        .map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data, lang: n.lang }))""")


def test_the_volunteer_gets_the_reviewers_remark_as_a_notification(phone, live_app, api, push_service):
    reviewer = api(REVIEWER)
    forms = reviewer.get("/forms")
    mark = tag()
    name = f"Hoàng Thị Ánh Nguyệt {mark}"
    page = log_in(phone, live_app)
    wait_for_service_worker(page)
    phone.context.grant_permissions(["notifications"], origin=live_app.url)

    # Bind this phone's device (its own token, through the app's API client) to the loopback
    # push service, as notifications.js does with what pushManager.subscribe() returns.
    subscriber = Subscriber(push_service)
    bound = page.evaluate(
        """async (subscription) => {
        const { call } = await import("/js/api.js");
        return call("POST", "/push/subscriptions", subscription);
    }""",
        subscriber.subscription(),
    )
    device_id = page.evaluate("""async () => (await import("/js/session.js")).deviceId()""")
    assert bound["device_id"] == device_id

    record_id = save_new_record(page, forms, "vneid_activation", vneid_data(full_name=name, personal_id="036190004455"))
    detail = page.locator(".record-detail")
    expect(detail).to_have_attribute("data-state", "synced")

    # The reviewer asks for changes; the app sends the notification after its response.
    reviewer.review(record_id, "needs_changes", comment=COMMENT)
    [request] = eventually(page, lambda: push_service.to(subscriber.endpoint), message="the push message")
    message = subscriber.decrypt(request)
    assert message == {
        "kind": "record_needs_changes",
        "title": "Bản ghi cần bổ sung",
        "body": f"{name}: {COMMENT}",
        "url": f"/#/record/{record_id}",
        "record_id": record_id,
    }
    public_key = reviewer.get("/push/vapid-public-key")["public_key"]
    verify_vapid(request, public_key, Config.VAPID_SUBJECT, push_service.origin)

    # What the push service would hand the phone's browser, delivered to its service worker.
    page.click("#nav-home")
    pulls = []  # (from the worker?) for each pull from now on
    phone.context.on(
        "request",
        lambda request: (
            pulls.append(request.service_worker is not None) if "/api/v1/sync/pull" in request.url else None
        ),
    )
    cdp = phone.context.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_app.url,
            "registrationId": registration_id(cdp, page),
            "data": json.dumps(message, ensure_ascii=False),
        },
    )

    shown = eventually(
        page,
        lambda: [n for n in shown_notifications(page) if n["title"] == "Bản ghi cần bổ sung"],
        message="the notification on the phone",
    )
    assert shown == [
        {
            "title": "Bản ghi cần bổ sung",
            "body": f"{name}: {COMMENT}",
            "tag": record_id,
            "data": {"url": f"/#/record/{record_id}"},
            "lang": "vi",
        }
    ]

    # The worker synced on the push (the page did not): home already says a record waits for
    # her, and the record what the reviewer asked.
    expect(page.locator("#attention")).to_be_visible(timeout=TIMEOUT_MS)
    assert pulls and all(pulls), pulls
    page.goto(f"/#/record/{record_id}")
    expect(detail).to_have_attribute("data-state", "needs_changes")
    expect(page.locator("#review-comment")).to_contain_text(COMMENT)
