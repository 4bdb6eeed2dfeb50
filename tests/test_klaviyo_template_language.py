"""Klaviyo's template language (engine/klaviyo_template.py): variables, filters, loops, conditions,
catalog lookups and preference links, as an abandonment email uses them."""
import datetime as dt

import pytest

from simulator.core.ids import IdFactory
from simulator.engine.klaviyo_template import ItemUnavailable, TemplateSyntaxError, TemplateTooLarge, render
from simulator.klaviyo.account import Account
from simulator.klaviyo.resources import resources_of

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
def account():
    return Account("AcCt01", IdFactory(7, "klaviyo:AcCt01"), NOW)


def html_of(account, template, context=None, **options):
    return render(account, template, context or {}, **options)[0]


def test_variables_default_and_missing_values(account):
    assert html_of(account, "Hi {{ first_name|default:'there' }}!") == "Hi there!"
    assert html_of(account, "Hi {{ first_name|default:'there' }}!", {"first_name": "Ada"}) == "Hi Ada!"
    assert html_of(account, "[{{ person.nothing.deeper }}]", {"person": {}}) == "[]"
    assert html_of(account, "{{ person|lookup:'Favorite Color' }}", {"person": {"Favorite Color": "red"}}) == "red"
    assert html_of(account, "{{ name }}", {"name": "<b>&</b>"}) == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert html_of(account, "{{ name|safe }}", {"name": "<b>"}) == "<b>"


@pytest.mark.parametrize("expression, value, expected", [
    ("x|floatformat:2", 19.999, "20.00"), ("x|floatformat", 3.0, "3"), ("x|floatformat", 3.25, "3.3"),
    ("x|floatformat:0", 2.0, "2"), ("x|title", "blue shirt", "Blue Shirt"), ("x|upper", "a", "A"),
    ("x|length", [1, 2, 3], "3"), ("x|slice:':2'|join:', '", ["a", "b", "c"], "a, b"),
    ("x|multiply:2|floatformat:2", 4.5, "9.00"), ("x|add:2", 5, "7"), ("x|truncatechars:4", "abcdef", "abc…"),
    ("x|first", ["a", "b"], "a"), ("x|default:'n/a'", "", "n/a"), ("x|missing_product_image", "", None),
])
def test_filters(account, expression, value, expected):
    out = html_of(account, "{{ " + expression + " }}", {"x": value})
    assert out == expected if expected is not None else out.startswith("https://")


def test_item_loops_and_conditions(account):
    template = ("{% for item in event.extra.line_items %}{{ forloop.counter }}:{{ item.product.title }}"
                "{% if not forloop.last %},{% endif %}{% empty %}empty{% endfor %}"
                "|{% if event.Items|length > 1 and event.Total >= 10 %}many{% elif event.Items %}one"
                "{% else %}none{% endif %}|{% if 'b' in event.Tags %}b{% endif %}")
    context = {"event": {"extra": {"line_items": [{"product": {"title": "A"}}, {"product": {"title": "B"}}]},
                         "Items": [1, 2], "Total": "12.5", "Tags": ["a", "b"]}}
    assert html_of(account, template, context) == "1:A,2:B|many|b"
    assert html_of(account, template, {"event": {"Items": [1]}}) == "empty|one|"


def test_links_get_the_parameters_but_preference_links_do_not(account):
    html, text = render(account, '<a href="https://shop.example/cart?x=1">Cart</a> {% unsubscribe %} '
                                 '{% manage_preferences \'Preferences\' %}', {"person": {"id": "P1"}},
                        parameters={"utm_source": "Klaviyo", "_kx": "tok"})
    assert 'href="https://shop.example/cart?x=1&amp;utm_source=Klaviyo&amp;_kx=tok"' in html
    assert '<a href="https://manage.kmail-lists.com/subscriptions/unsubscribe?a=AcCt01&amp;r=P1">Unsubscribe</a>' in html
    assert ">Preferences</a>" in html and "_kx" not in html.split("Unsubscribe")[1]
    assert "Cart <https://shop.example/cart?x=1&utm_source=Klaviyo&_kx=tok>" in text


def test_a_text_part_is_rendered_and_tagged(account):
    _, text = render(account, "<p>x</p>", {"first_name": "Ada"}, text="Hi {{ first_name }}: https://shop.example/c",
                     parameters={"utm_medium": "email"})
    assert text == "Hi Ada: https://shop.example/c?utm_medium=email"


def test_catalog_lookup_finds_the_item_by_external_id(account):
    resources_of(account).create("catalog-item", {"external_id": "SKU-1", "title": "Mug", "price": 12,
                                                  "url": "https://shop.example/mug",
                                                  "image_full_url": "https://cdn.example/mug.png"}, {}, NOW)
    template = ("{% catalog event.ProductID %}{{ catalog_item.title }} {% currency_format catalog_item.price %} "
                "{{ catalog_item.featured_image.full.src }}{% endcatalog %}")
    assert html_of(account, template, {"event": {"ProductID": "SKU-1"}}) == "Mug $12.00 https://cdn.example/mug.png"


def test_catalog_lookup_that_finds_nothing_skips_a_send_and_prints_nothing_in_a_preview(account):
    template = "a{% catalog event.ProductID %}{{ catalog_item.title }}{% endcatalog %}b"
    with pytest.raises(ItemUnavailable, match="Catalog Item Unavailable"):
        render(account, template, {"event": {"ProductID": "nope"}})
    assert html_of(account, template, {"event": {"ProductID": "nope"}}, skip_unavailable=False) == "ab"


def test_unpublished_item_skips_only_with_unpublished_cancel(account):
    resources_of(account).create("catalog-item", {"external_id": "OLD", "title": "Old", "published": False}, {}, NOW)
    assert html_of(account, "{% catalog 'OLD' %}{{ catalog_item.title }}{% endcatalog %}") == "Old"
    with pytest.raises(ItemUnavailable):
        render(account, "{% catalog 'OLD' unpublished='cancel' %}{{ catalog_item.title }}{% endcatalog %}", {})


@pytest.mark.parametrize("template", ["{% if %}x{% endif %}", "{% for x %}{% endfor %}", "{{ a|nope }}",
                                      "{% if a %}x", "{% blah %}", "{% endif %}", "{% catalog %}{% endcatalog %}"])
def test_unreadable_templates_are_syntax_errors(account, template):
    with pytest.raises(TemplateSyntaxError):
        render(account, template, {})


@pytest.mark.parametrize("template, context", [
    ("{% if a %}" * 60 + "{% endif %}" * 60, {}),
    ("{% for a in x %}{% for b in x %}{% for c in x %}{% endfor %}{% endfor %}{% endfor %}", {"x": list(range(100))}),
])
def test_templates_that_would_render_without_end_are_refused(account, template, context):
    with pytest.raises(TemplateTooLarge):
        render(account, template, context)


def test_hostile_numbers_and_negations_render_or_refuse_but_never_crash(account):
    assert html_of(account, "{% if " + "not " * 3001 + "a %}y{% endif %}") == "y"
    assert html_of(account, "{{ x|multiply:x }}", {"x": "1e400000"}) == "inf"
    assert html_of(account, "{{ x." + "9" * 50 + " }}", {"x": [1]}) == ""
    with pytest.raises(TemplateSyntaxError):
        render(account, "{{ " + "9" * 5000 + " }}", {})
