"""Klaviyo system webhooks: subscriptions made through the official SDK against a live sandbox, the
account's events delivered on the virtual clock to a real loopback HTTP receiver, signed with the
secret key (the test checks the HMAC), retried after a failure; and the rules about URLs and topics."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from simulator import Sandbox
from simulator.server import LiveServer
from tests.conftest import START
from tests.klaviyo_bodies import account, errors, pointers  # noqa: F401 (fixture)

klaviyo_api = pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")
from openapi_client.exceptions import ApiException  # noqa: E402  (klaviyo-api's generated client)
SECRET = "a-secret-of-sixteen-plus"
RECEIVED_EMAIL = "event:klaviyo.received_email"


class Receiver:
    """An HTTP server on loopback that keeps every request it gets and answers with the statuses it
    was given, in turn (the last one again once they run out)."""

    def __init__(self, *statuses: int):
        self.statuses, self.requests = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/klaviyo-hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def webhook_body(url: str, topics=(RECEIVED_EMAIL,), secret: str = SECRET, **attributes) -> dict:
    return {"data": {"type": "webhook",
                     "attributes": {"name": "Mail events", "endpoint_url": url, "secret_key": secret, **attributes},
                     "relationships": {"webhook-topics": {"data": [{"type": "webhook-topic", "id": t}
                                                                   for t in topics]}}}}


def mail_flow(metric_id: str) -> dict:
    """An email at once on the metric: its send is Klaviyo's own "Received Email" event."""
    return {"triggers": [{"type": "metric", "id": metric_id}], "entry_action_id": "mail",
            "actions": [{"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                         "data": {"message": {"subject_line": "Come back", "smart_sending_enabled": False}}}]}


def verified(headers: dict, body: bytes) -> dict:
    """The request's JSON once its signature holds: hex HMAC-SHA256 of body + timestamp, keyed by the secret."""
    expected = hmac.new(SECRET.encode(), body + headers["Klaviyo-Timestamp"].encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, headers["Klaviyo-Signature"])
    return json.loads(body)


@pytest.fixture
def server():
    running = LiveServer(Sandbox(seed=7, start=START)).start()
    running.sandbox.settings.klaviyo_rate_limits = False  # the webhook endpoints allow one call a second
    yield running
    running.stop()


def test_an_event_reaches_the_subscriber_signed_and_is_retried_after_a_failure(server):
    receiver = Receiver(500, 200)
    sandbox = server.sandbox
    k = klaviyo_api.KlaviyoAPI(sandbox.test_keys()["klaviyo"], max_delay=0.2, max_retries=0,
                               test_host=f"{server.url}/klaviyo")
    try:
        assert RECEIVED_EMAIL in [t.id for t in k.Webhooks.get_webhook_topics().data]
        with pytest.raises(ApiException) as refused:  # https, as Klaviyo requires
            k.Webhooks.create_webhook(webhook_body("http://hooks.example.com/in"))
        assert refused.value.status == 400 and "https" in refused.value.body
        hook = k.Webhooks.create_webhook(webhook_body(receiver.url)).data  # http, but to loopback
        assert hook.attributes.enabled and hook.attributes.endpoint_url == receiver.url.rsplit("/", 1)[0]

        k.Events.create_event({"data": {"type": "event", "attributes": {
            "properties": {}, "metric": {"data": {"type": "metric", "attributes": {"name": "Started Checkout"}}},
            "profile": {"data": {"type": "profile", "attributes": {"email": "ann@example.com"}}}}}})
        sandbox.clock.advance(seconds=1)
        (metric,) = k.Metrics.get_metrics().data
        flow = k.Flows.create_flow({"data": {"type": "flow", "attributes": {"name": "Mail",
                                                                            "definition": mail_flow(metric.id)}}})
        k.Flows.update_flow(flow.data.id, {"data": {"type": "flow", "id": flow.data.id,
                                                    "attributes": {"status": "live"}}})
        k.Events.create_event({"data": {"type": "event", "attributes": {
            "properties": {}, "metric": {"data": {"type": "metric", "attributes": {"name": "Started Checkout"}}},
            "profile": {"data": {"type": "profile", "attributes": {"email": "ann@example.com"}}}}}})
        sandbox.clock.advance(seconds=1)  # processed: the flow mails Ann, Klaviyo records "Received Email"
        assert sandbox.engine.webhooks.drain(timeout=10)
        control = httpx.Client(base_url=f"{server.url}/_sim")
        [delivery] = control.get("/klaviyo/webhook-deliveries").json()["deliveries"]
        assert (delivery["state"], [a["status"] for a in delivery["attempts"]]) == ("retrying", [500])
        assert delivery["next_attempt_at"] == "2026-11-02T10:01:02Z"  # 60 s later on the virtual clock

        sandbox.clock.advance(seconds=60)
        assert sandbox.engine.webhooks.drain(timeout=10)
        [delivery] = control.get("/klaviyo/webhook-deliveries", params={"webhook_id": hook.id}).json()["deliveries"]
        assert (delivery["state"], [a["status"] for a in delivery["attempts"]]) == ("delivered", [500, 200])

        (first_headers, first_body), (headers, body) = receiver.requests
        sent, retried = verified(first_headers, first_body), verified(headers, body)
        assert headers["Klaviyo-Webhook-Id"] == retried["meta"]["klaviyo_webhook_id"] == hook.id
        assert retried["meta"]["klaviyo_account_id"] == sandbox.company_id()
        assert (first_headers["Klaviyo-Timestamp"], headers["Klaviyo-Timestamp"]) == ("2026-11-02T10:00:02Z",
                                                                                      "2026-11-02T10:01:02Z")
        [item] = retried["data"]
        assert item["topic"] == RECEIVED_EMAIL and item == {**sent["data"][0]}
        received = k.Events.get_event(item["external_id"], include=["metric"])
        assert received.included[0]["attributes"]["name"] == "Received Email"
        assert item["payload"]["data"]["relationships"]["profile"]["data"]["id"] == received.data.relationships.profile.data.id
    finally:
        receiver.stop()


# -- in process: the rules ---------------------------------------------------------------------------

@pytest.fixture
def kl(sb):
    return sb.client("klaviyo-api", event_hooks={"request": [lambda request: sb.clock.advance(seconds=1)]})


def test_endpoint_urls_must_be_https_except_to_loopback(kl):
    for url in ("http://hooks.example.com/in", "ftp://hooks.example.com/in", "not a url", "https://", "http://[::1"):
        assert pointers(kl.post("/webhooks", json=webhook_body(url))) == ["/data/attributes/endpoint_url"]
    for url in ("https://hooks.example.com/in?k=1", "http://localhost:9/in", "http://[::1]:9/in", "http://127.0.0.2/x"):
        assert kl.post("/webhooks", json=webhook_body(url)).status_code == 201, url
    made = kl.post("/webhooks", json=webhook_body("https://hooks.example.com/a/b")).json()["data"]
    assert made["attributes"]["endpoint_url"] == "https://hooks.example.com"  # served truncated
    assert "secret_key" not in made["attributes"]
    patched = kl.patch(f"/webhooks/{made['id']}", json={"data": {"type": "webhook", "id": made["id"],
                                                                 "attributes": {"endpoint_url": "http://evil.example/"}}})
    assert pointers(patched) == ["/data/attributes/endpoint_url"]


def test_an_unknown_topic_is_refused_and_topics_can_be_included(kl):
    refused = kl.post("/webhooks", json=webhook_body("https://hooks.example.com/in", topics=("event:klaviyo.nope",)))
    assert pointers(refused) == ["/data/relationships/webhook-topics/data/0/id"]
    made = kl.post("/webhooks", json=webhook_body("https://hooks.example.com/in")).json()["data"]
    got = kl.get(f"/webhooks/{made['id']}", params={"include": "webhook-topics"}).json()
    assert [t["id"] for t in got["included"]] == [RECEIVED_EMAIL]
    assert kl.get(f"/webhook-topics/{RECEIVED_EMAIL}").status_code == 200


def _flow_mailing(sb, kl, account) -> None:
    """A live flow that emails on "Started Checkout", and one such event for Ann."""
    from simulator.klaviyo.metrics import metrics_of
    metric = metrics_of(account).named("Started Checkout", sb.clock.now()).id
    flow = kl.post("/flows", json={"data": {"type": "flow", "attributes": {"name": "F", "definition": mail_flow(metric)}}})
    flow_id = flow.json()["data"]["id"]
    kl.patch(f"/flows/{flow_id}", json={"data": {"type": "flow", "id": flow_id, "attributes": {"status": "live"}}})


def _checkout(kl) -> None:
    from tests.klaviyo_bodies import event
    assert kl.post("/events", json=event("ann@example.com", "Started Checkout")).status_code == 202


def test_retries_back_off_and_stop_at_the_limit_and_a_4xx_is_not_retried(sb, kl, account):
    statuses = {"https://down.example/in": 503, "https://gone.example/in": 404}
    seen = []
    sb.engine.webhooks.transport = httpx.MockTransport(
        lambda request: seen.append(str(request.url)) or httpx.Response(statuses[str(request.url)]))
    sb.engine.webhooks.background = False
    down = kl.post("/webhooks", json=webhook_body("https://down.example/in")).json()["data"]["id"]
    gone = kl.post("/webhooks", json=webhook_body("https://gone.example/in")).json()["data"]["id"]
    _flow_mailing(sb, kl, account)
    _checkout(kl)
    sb.clock.advance(seconds=1)
    sb.clock.advance(seconds=60 + 120 + 240 + 480)  # retries at +60, +120, +240, +480 s: five attempts
    deliveries = {d["webhook_id"]: d for d in sb.client("sim").get("/klaviyo/webhook-deliveries").json()["deliveries"]}
    assert [a["status"] for a in deliveries[down]["attempts"]] == [503] * 5 and deliveries[down]["state"] == "failed"
    times = [a["at"][11:19] for a in deliveries[down]["attempts"]]
    assert times == ["10:00:06", "10:01:06", "10:03:06", "10:07:06", "10:15:06"]
    assert [a["status"] for a in deliveries[gone]["attempts"]] == [404] and deliveries[gone]["state"] == "failed"
    assert seen.count("https://gone.example/in") == 1


def test_a_disabled_webhook_gets_nothing_and_custom_metrics_have_no_topic(sb, kl, account):
    sb.engine.webhooks.transport = httpx.MockTransport(lambda request: httpx.Response(200))
    sb.engine.webhooks.background = False
    made = kl.post("/webhooks", json=webhook_body("https://hooks.example.com/in")).json()["data"]["id"]
    kl.patch(f"/webhooks/{made}", json={"data": {"type": "webhook", "id": made, "attributes": {"enabled": False}}})
    _flow_mailing(sb, kl, account)
    _checkout(kl)
    sb.clock.advance(seconds=1)
    assert sb.outbox(vendor="klaviyo")  # the email went; the disabled webhook heard nothing
    assert sb.client("sim").get("/klaviyo/webhook-deliveries").json()["deliveries"] == []
    kl.patch(f"/webhooks/{made}", json={"data": {"type": "webhook", "id": made, "attributes": {"enabled": True}}})
    _checkout(kl)  # "Started Checkout" is the API's metric, not a topic; the flow's email is
    sb.clock.advance(seconds=1)
    [delivery] = sb.client("sim").get("/klaviyo/webhook-deliveries").json()["deliveries"]
    assert (delivery["topic"], delivery["state"]) == (RECEIVED_EMAIL, "delivered")


def test_control_filters_are_checked(sb):
    answer = sb.client("sim").get("/klaviyo/webhook-deliveries", params={"flow": "x"})
    assert answer.status_code == 400
