"""Klaviyo templates end to end: CRUD, clone and render through the official Python SDK; a flow's
abandoned-cart email rendered into the outbox with its items, UTM-tagged links and `_kx`; the `_kx`
identifying the shopper on a later client request; a catalog lookup that finds nothing skipping the
send; the tracking setting choosing the UTM values."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from simulator import Sandbox
from simulator.server import LiveServer
from tests.conftest import START

klaviyo_api = pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")
from openapi_client.exceptions import NotFoundException  # noqa: E402  (the SDK's own exceptions)

CART_HTML = """<html><body>
<h1>Hi {{ first_name|default:'there' }}, you left {{ event.extra.line_items|length }} items behind</h1>
<table>{% for item in event.extra.line_items %}
<tr><td><a href="{{ item.product.url }}">{{ item.product.title|title }}</a></td>
<td>{{ item.quantity|floatformat:0 }} x {{ item.line_price|floatformat:2 }}</td></tr>{% endfor %}</table>
{% if event|lookup:'$value' > 50 %}<p>Free shipping on this one.</p>{% endif %}
<p><a href="{{ event.extra.checkout_url }}">Return to your cart</a></p>
<p>{% unsubscribe %} | {% manage_preferences %}</p>
</body></html>"""
LINE_ITEMS = [{"product": {"title": "ocean blue shirt", "url": "https://shop.example/p/shirt?variant=1"},
               "quantity": 2.0, "line_price": 39.98},
              {"product": {"title": "white mug", "url": "https://shop.example/p/mug"}, "quantity": 1.0, "line_price": 12.5}]


@pytest.fixture
def server():
    running = LiveServer(Sandbox(seed=7, start=START)).start()
    yield running
    running.stop()


def sdk(server: LiveServer):
    return klaviyo_api.KlaviyoAPI(server.sandbox.test_keys()["klaviyo"], max_delay=0.2, max_retries=3,
                                  test_host=f"{server.url}/klaviyo")


def template_body(name: str, html: str, **attributes) -> dict:
    return {"data": {"type": "template", "attributes": {"name": name, "editor_type": "CODE", "html": html, **attributes}}}


def event_body(email: str, metric: str, properties: dict) -> dict:
    return {"data": {"type": "event", "attributes": {
        "properties": properties, "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": email}}}}}}


def live_flow(k, metric_id: str, message: dict, name: str = "Abandoned Cart") -> str:
    definition = {"triggers": [{"type": "metric", "id": metric_id}], "entry_action_id": "mail",
                  "actions": [{"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                               "data": {"status": "live", "message": {"subject_line": "You left something",
                                                                      "smart_sending_enabled": False, **message}}}]}
    flow_id = k.Flows.create_flow({"data": {"type": "flow", "attributes": {"name": name, "definition": definition}}}).data.id
    k.Flows.update_flow(flow_id, {"data": {"type": "flow", "id": flow_id, "attributes": {"status": "live"}}})
    return flow_id


def started_checkout_metric(server, k) -> str:
    """A first event makes the metric (a flow definition names an existing one)."""
    k.Events.create_event(event_body("first@example.com", "Started Checkout", {}))
    server.sandbox.clock.advance(seconds=1)
    return k.Metrics.get_metrics().data[0].id


def hrefs(html: str) -> dict[str, str]:
    """Link text -> URL of every `<a>` in the HTML."""
    return {re.sub(r"<[^>]+>", "", text).strip(): url.replace("&amp;", "&")
            for url, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', html, re.S)}


def test_an_abandoned_cart_email_is_rendered_with_its_items_and_tracked_links(server):
    k = sdk(server)
    metric_id = started_checkout_metric(server, k)
    ann = k.Profiles.create_profile({"data": {"type": "profile", "attributes": {
        "email": "ann@example.com", "first_name": "Ann"}}}).data
    template_id = k.Templates.create_template(template_body("Cart", CART_HTML)).data.id
    flow_id = live_flow(k, metric_id, {"template_id": template_id, "add_tracking_params": True})

    k.Events.create_event(event_body("ann@example.com", "Started Checkout", {
        "$value": 52.48, "extra": {"line_items": LINE_ITEMS, "checkout_url": "https://shop.example/cart/c1"}}))
    server.sandbox.clock.advance(seconds=1)

    (mail,) = server.sandbox.outbox(vendor="klaviyo")
    assert (mail["recipient"], mail["workflow_id"], mail["subject"]) == ("ann@example.com", flow_id, "You left something")
    html, text = mail["html"], mail["text"]
    assert "Hi Ann, you left 2 items behind" in html and "Free shipping on this one." in html
    assert "2 x 39.98" in html and "1 x 12.50" in html
    links = hrefs(html)
    assert set(links) == {"Ocean Blue Shirt", "White Mug", "Return to your cart", "Unsubscribe", "Manage Preferences"}
    expected = {"utm_source": ["Klaviyo"], "utm_medium": ["email"], "utm_campaign": ["Email #1"], "utm_id": [flow_id]}
    for label in ("Ocean Blue Shirt", "White Mug", "Return to your cart"):
        query = parse_qs(urlsplit(links[label]).query)
        assert {name: query[name] for name in expected} == expected, label
        assert len(query["_kx"]) == 1 and query["_kx"][0]
    assert parse_qs(urlsplit(links["Ocean Blue Shirt"]).query)["variant"] == ["1"]  # the link's own parameters stay
    assert urlsplit(links["Return to your cart"]).path == "/cart/c1"
    for label in ("Unsubscribe", "Manage Preferences"):  # Klaviyo's own pages: no UTM, no _kx
        assert links[label].startswith("https://manage.kmail-lists.com/subscriptions/")
        assert "utm_" not in links[label] and "_kx" not in links[label] and f"r={ann.id}" in links[label]
    assert "Ocean Blue Shirt <https://shop.example/p/shirt?variant=1&utm_source=Klaviyo" in text
    assert "2 x 39.98" in text and "Return to your cart <https://shop.example/cart/c1?" in text

    token = parse_qs(urlsplit(links["White Mug"]).query)["_kx"][0]
    inbox = server.sandbox.client("sim").get(f"/messages/{mail['id']}").json()  # the console lists the links as sent
    assert {link["text"]: link["url"] for link in inbox["links"]} == links
    found = k.Profiles.get_profiles(filter=f'equals(_kx,"{token}")').data
    assert [p.id for p in found] == [ann.id]  # the token the links carry is the profile's own

    # The shopper clicks: the shop's onsite script sends the `_kx` it arrived with, and Klaviyo knows who it is.
    company = server.sandbox.company_id()
    answer = httpx.post(f"{server.url}/klaviyo/client/events", params={"company_id": company},
                        headers={"revision": "2026-07-15"},
                        json={"data": {"type": "event", "attributes": {
                            "properties": {"url": links["White Mug"]},
                            "metric": {"data": {"type": "metric", "attributes": {"name": "Active on Site"}}},
                            "profile": {"data": {"type": "profile", "attributes": {"_kx": token}}}}}})
    assert answer.status_code == 202, answer.text
    server.sandbox.clock.advance(seconds=1)
    active = next(m.id for m in k.Metrics.get_metrics().data if m.attributes.name == "Active on Site")
    onsite = [e for e in k.Events.get_events().data if e.relationships.metric.data.id == active]
    assert [e.relationships.profile.data.id for e in onsite] == [ann.id]
    assert len(k.Profiles.get_profiles().data) == 2  # first@ and ann: the click made no stranger


def test_templates_crud_clone_and_render_through_the_sdk(server):
    k = sdk(server)
    made = k.Templates.create_template(template_body(
        "Welcome", "<p>Hi {{ first_name|default:'friend'|title }}{% if vip %}, VIP{% endif %}</p>",
        text="Hi {{ first_name|default:'friend' }}")).data
    assert (made.attributes.name, made.attributes.editor_type) == ("Welcome", "CODE")

    k.Templates.update_template(made.id, {"data": {"type": "template", "id": made.id,
                                                   "attributes": {"name": "Welcome v2"}}})
    assert k.Templates.get_template(made.id).data.attributes.name == "Welcome v2"

    rendered = k.Templates.render_template({"data": {"type": "template", "id": made.id, "attributes": {
        "context": {"first_name": "ada lovelace", "vip": True}}}}).data
    assert rendered.id == made.id
    assert (rendered.attributes.html, rendered.attributes.text) == ("<p>Hi Ada Lovelace, VIP</p>", "Hi ada lovelace")
    blank = k.Templates.render_template({"data": {"type": "template", "id": made.id, "attributes": {"context": {}}}}).data
    assert (blank.attributes.html, blank.attributes.text) == ("<p>Hi Friend</p>", "Hi friend")
    assert k.Templates.get_template(made.id).data.attributes.html.startswith("<p>Hi {{")  # rendering stores nothing

    copy = k.Templates.clone_template({"data": {"type": "template", "id": made.id, "attributes": {"name": "Copy"}}}).data
    unnamed = k.Templates.clone_template({"data": {"type": "template", "id": made.id, "attributes": {}}}).data
    assert copy.id != made.id and copy.attributes.name == "Copy" and unnamed.attributes.name == "Clone of Welcome v2"
    assert copy.attributes.html == made.attributes.html and copy.attributes.text == made.attributes.text
    assert copy.links.var_self.endswith(f"/api/templates/{copy.id}/")
    assert sorted(t.id for t in k.Templates.get_templates().data) == sorted([made.id, copy.id, unnamed.id])

    k.Templates.delete_template(copy.id)
    with pytest.raises(NotFoundException):
        k.Templates.get_template(copy.id)


def test_render_and_clone_answer_the_vendor_errors(server):
    sb = server.sandbox
    kl = sb.client("klaviyo-api")
    broken = kl.post("/templates", json=template_body("Broken", "{% for item in %}x{% endfor %}")).json()["data"]["id"]
    answer = kl.post("/template-render", json={"data": {"type": "template", "id": broken, "attributes": {"context": {}}}})
    assert answer.status_code == 400 and "cannot be rendered" in answer.json()["errors"][0]["detail"]
    assert kl.post("/template-render", json={"data": {"type": "template", "id": "nope",
                                                      "attributes": {"context": {}}}}).status_code == 404
    assert kl.post("/template-render", json={"data": {"type": "template", "id": broken,
                                                      "attributes": {}}}).status_code == 400  # context is required
    assert kl.post("/template-clone", json={"data": {"type": "template", "id": "nope", "attributes": {}}}).status_code == 404
    assert kl.post("/template-clone", json={"data": {"type": "template", "attributes": {}}}).status_code == 400


def test_a_catalog_lookup_that_finds_no_item_skips_the_email(server):
    k, sb = sdk(server), server.sandbox
    kl = sb.client("klaviyo-api")
    metric_id = started_checkout_metric(server, k)
    created = kl.post("/catalog-items", json={"data": {"type": "catalog-item", "attributes": {
        "external_id": "MUG-1", "title": "White Mug", "description": "A mug", "url": "https://shop.example/p/mug",
        "image_full_url": "https://cdn.example/mug.png", "price": 12.5, "catalog_type": "$default",
        "integration_type": "$custom"}}})
    assert created.status_code == 201, created.text
    template_id = k.Templates.create_template(template_body("Browse", (
        "{% catalog event.ProductID %}<a href=\"{{ catalog_item.url }}\">{{ catalog_item.title }}</a> "
        "<img src=\"{{ catalog_item.featured_image.full.src }}\"> {% currency_format catalog_item.price %}"
        "{% endcatalog %}"))).data.id
    flow_id = live_flow(k, metric_id, {"template_id": template_id}, name="Browse")

    k.Events.create_event(event_body("ann@example.com", "Started Checkout", {"ProductID": "GONE-9"}))
    k.Events.create_event(event_body("bob@example.com", "Started Checkout", {"ProductID": "MUG-1"}))
    sb.clock.advance(seconds=1)

    (mail,) = sb.outbox(vendor="klaviyo")
    assert mail["recipient"] == "bob@example.com"
    assert '>White Mug</a> <img src="https://cdn.example/mug.png"> $12.50' in mail["html"]
    (skipped,) = sb.runs(vendor="klaviyo", workflow_id=flow_id, recipient="ann@example.com")
    step = skipped["steps"][-1]
    assert step["outcome"] == "skipped" and step["reason"].startswith("Catalog Item Unavailable")
    assert "GONE-9" in step["reason"]


def test_the_tracking_setting_and_the_message_choose_the_parameters(server):
    k, sb = sdk(server), server.sandbox
    metric_id = started_checkout_metric(server, k)
    (setting,) = k.Tracking_Settings.get_tracking_settings().data
    assert setting.id == sb.company_id() and setting.attributes.auto_add_parameters is False
    k.Tracking_Settings.update_tracking_setting(setting.id, {"data": {"type": "tracking-setting", "id": setting.id,
        "attributes": {"auto_add_parameters": True,
                       "utm_source": {"flow": {"type": "dynamic", "value": "flow_name"},
                                      "campaign": {"type": "static", "value": "Klaviyo"}},
                       "custom_parameters": [{"name": "src", "flow": {"type": "static", "value": "kl"}}]}}})
    template_id = k.Templates.create_template(template_body("Plain", '<a href="https://shop.example/">Shop</a>')).data.id
    account_default = live_flow(k, metric_id, {"template_id": template_id, "add_tracking_params": True},
                                name="Defaults")
    own_list = live_flow(k, metric_id, {"template_id": template_id, "add_tracking_params": True,
                                        "custom_tracking_params": [{"param": "utm_source", "value": "cart"}]},
                         name="Own")
    untagged = live_flow(k, metric_id, {"template_id": template_id}, name="None")  # the spec's default: false

    k.Events.create_event(event_body("ann@example.com", "Started Checkout", {}))
    sb.clock.advance(seconds=1)
    query = {m["workflow_id"]: parse_qs(urlsplit(hrefs(m["html"])["Shop"]).query) for m in sb.outbox(vendor="klaviyo")}
    assert query[account_default]["utm_source"] == ["Defaults"] and query[account_default]["src"] == ["kl"]
    assert query[account_default]["utm_medium"] == ["email"]
    assert query[own_list]["utm_source"] == ["cart"] and "utm_medium" not in query[own_list]
    assert set(query[untagged]) == {"_kx"}
    assert len({q["_kx"][0] for q in query.values()}) == 1  # one token per profile

    sb.settings.update({"klaviyo_kx_links": False})
    k.Events.create_event(event_body("bob@example.com", "Started Checkout", {}))
    sb.clock.advance(seconds=1)
    bobs = [m for m in sb.outbox(vendor="klaviyo") if m["recipient"] == "bob@example.com"]
    assert len(bobs) == 3 and all("_kx" not in m["html"] for m in bobs)


def test_campaign_tracking_options_choose_parameters_as_the_campaigns_spec_writes_them():
    """The campaign side of klaviyo/tracking.py, which campaign sends call with their `tracking_options`."""
    from simulator.klaviyo.profiles import profiles_of
    from simulator.klaviyo.tracking import link_parameters
    sb = Sandbox(seed=7, start=START)
    account = sb.klaviyo_account(sb.company_id())
    ann = profiles_of(account).create({"email": "ann@example.com"}, sb.clock.now())
    values = {"campaign_name": "Spring", "campaign_id": "01C", "message_type": "email"}
    custom = {"add_tracking_params": True, "custom_tracking_params": [
        {"name": "utm_campaign", "type": "dynamic", "value": "campaign_name"},
        {"name": "utm_source", "type": "static", "value": "news"}]}
    assert link_parameters(account, ann, "campaign", custom, values) == {
        "utm_campaign": "Spring", "utm_source": "news", "_kx": ann.get("_kx")}
    assert link_parameters(account, ann, "campaign", {"add_tracking_params": True, "custom_tracking_params": []},
                           values) == {"utm_source": "Klaviyo", "utm_medium": "email", "utm_campaign": "Spring",
                                       "utm_id": "01C", "_kx": ann.get("_kx")}
    assert link_parameters(account, ann, "campaign", {}, values) == {"_kx": ann.get("_kx")}  # auto_add_parameters false
    assert link_parameters(account, ann, "campaign", {}, values, click_tracking=False) == {}
