"""Klaviyo's template language, as a standard abandonment email uses it: the one module that knows it.

Klaviyo renders templates "in a similar manner to Django templates"; a variable with no value in the
context is false and prints nothing (https://developers.klaviyo.com/en/reference/render_template).
What the sandbox understands:

* `{{ path|filter:arg|... }}`: dotted paths into the context (`first_name`, `person.first_name`,
  `event.extra.line_items`, `item.product.title`, `forloop.counter`), string and number literals,
  and the filters in `FILTERS` (Klaviyo's glossary, https://developers.klaviyo.com/en/docs/glossary_of_variable_filters).
  Output is HTML-escaped in the HTML part (Django's autoescape) unless `|safe`.
* `{% if %}` / `{% elif %}` / `{% else %}` / `{% endif %}` with `and`, `or`, `not`, `==`, `!=`, `<`,
  `>`, `<=`, `>=`, `in`, `not in` (https://developers.klaviyo.com/en/docs/use_conditionals_in_messages).
* `{% for item in path [reversed] %}` ... `{% empty %}` ... `{% endfor %}` with `forloop`.
* `{% catalog id [integration='...'] [unpublished='cancel'] %}` ... `{% endcatalog %}`: the catalog
  item (generic store, `catalog-item`) whose id or `external_id` is `id`, as `catalog_item` inside
  (https://help.klaviyo.com/hc/en-us/articles/360004785571). An item not found, or unpublished with
  `unpublished="cancel"`, raises `ItemUnavailable` when sending: Klaviyo skips the message as
  "Catalog Item Unavailable".
* `{% currency_format value %}`; `{% unsubscribe ['text'] %}`, `{% unsubscribe_link %}`,
  `{% manage_preferences ['text'] %}`, `{% manage_preferences_link %}`
  (https://help.klaviyo.com/hc/en-us/articles/115005078267).
* `{# comments #}` print nothing.

Anything else in `{% %}` is a `TemplateSyntaxError`. After rendering, every http(s) link in an
`href` (and every URL of the text part) gets the `parameters` (UTM, `_kx`), except the unsubscribe
and preference links, which are Klaviyo's own."""
from __future__ import annotations

import base64
import html as _html
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import quote, urlencode

from simulator.engine.email_render import with_parameters
from simulator.klaviyo.account import Account

MAX_DEPTH = 50  # nested if / for / catalog blocks
MAX_STEPS = 200_000  # nodes and loop turns one rendering may take
PREFERENCES_BASE = "https://manage.kmail-lists.com/subscriptions"
MISSING_IMAGE = "https://shop.example/images/missing-product.png"  # the sandbox's: Klaviyo's placeholder URL is unpublished
_TOKEN = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.DOTALL)
_OPERAND = r"""(?:[^\s"'<>=!]|"[^"]*"|'[^']*')+"""
_CONDITION_TOKEN = re.compile(rf"==|!=|<=|>=|<|>|{_OPERAND}")
_OPTION = re.compile(r"""(\w+)\s*=\s*("[^"]*"|'[^']*'|\S+)""")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_HREF = re.compile(r"""(href\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_TEXT_URL = re.compile(r"https?://[^\s<>\"')]+")


class TemplateSyntaxError(ValueError):
    """A template the language cannot read: `template-render` answers 400, a send is skipped."""


class TemplateTooLarge(TemplateSyntaxError):
    """A template nested deeper than `MAX_DEPTH` or taking more than `MAX_STEPS` steps (loops in
    loops over long lists): refused like an unreadable one, so no request renders without end."""


class ItemUnavailable(Exception):
    """A `{% catalog %}` lookup found no item (or an unpublished one under `unpublished="cancel"`)."""

    def __init__(self, item_id):
        super().__init__(f"Catalog Item Unavailable: no published catalog item {item_id!r}")
        self.item_id = item_id


# -- values ---------------------------------------------------------------------------------------

def _resolve(path: str, scope: dict):
    value: Any = scope
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, (list, tuple, str)) and part.lstrip("-").isdigit() and len(part) < 10:
            index = int(part)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def _literal_or_path(token: str):
    """A compiled operand: a function of the scope."""
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        text = token[1:-1]
        return lambda scope: text
    if _NUMBER.match(token):
        if len(token) > 30:
            raise TemplateSyntaxError(f"number too long: {token[:30]}...")
        number = float(token) if "." in token else int(token)
        return lambda scope: number
    constant = {"True": True, "False": False, "None": None}
    if token in constant:
        return lambda scope: constant[token]
    return lambda scope: _resolve(token, scope)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quote_char = [], [], None
    for char in text:
        if quote_char:
            quote_char = None if char == quote_char else quote_char
        elif char in "'\"":
            quote_char = char
        elif char == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None


def _plain(number: Decimal):
    """An int when whole and of printable size, else a float (huge ones print as `inf`)."""
    return int(number) if number == number.to_integral_value() and abs(number) < 10 ** 15 else float(number)


# -- filters --------------------------------------------------------------------------------------

def _floatformat(value, places=-1):
    """Django's floatformat: N places; -N places only when the number has a fraction."""
    number = _number(value)
    if number is None:
        return ""
    places = int(places)
    if places < 0 and number == number.to_integral_value():
        return str(int(number))
    return str(number.quantize(Decimal(1).scaleb(-abs(places)), rounding=ROUND_HALF_UP))


def _arithmetic(operation: Callable[[Decimal, Decimal], Decimal], integers: bool = False):
    def apply(value, argument=0):
        a, b = _number(value), _number(argument)
        if a is None or b is None:
            return ""
        if integers:
            a, b = Decimal(int(a)), Decimal(int(b))
        return _plain(operation(a, b))
    return apply


def _slice(value, spec=":"):
    if not isinstance(value, (list, tuple, str)):
        return value
    bounds = [int(p) if p.strip() else None for p in str(spec).split(":")]
    return value[slice(*bounds)] if len(bounds) > 1 else value[bounds[0]]


def _truncate(value, length, words: bool = False):
    text, length = "" if value is None else str(value), int(length)
    if words:
        parts = text.split()
        return text if len(parts) <= length else " ".join(parts[:length]) + " …"
    return text if len(text) <= length else text[:max(length - 1, 0)] + "…"


def _lookup(value, key):
    """`person|lookup:'Favorite Color'`: a key a dotted path cannot spell (spaces, `$`)."""
    if isinstance(value, dict):
        return value.get(key)
    return _resolve(str(key), value) if isinstance(value, (list, tuple)) else None


FILTERS: dict[str, Callable] = {
    "abs": lambda v: "" if _number(v) is None else _plain(abs(_number(v))),
    "add": _arithmetic(lambda a, b: a + b, integers=True),
    "append": lambda v, arg="": f"{'' if v is None else v}{arg}",
    "at_least": lambda v, arg: v if _number(v) is None else _plain(max(_number(v), _number(arg))),
    "at_most": lambda v, arg: v if _number(v) is None else _plain(min(_number(v), _number(arg))),
    "base64_encode": lambda v: base64.b64encode(str(v or "").encode()).decode(),
    "capfirst": lambda v: "" if v is None else str(v)[:1].upper() + str(v)[1:],
    "default": lambda v, arg="": v if v not in (None, "", [], {}, False, 0) else arg,
    "default_if_none": lambda v, arg="": arg if v is None else v,
    "first": lambda v: v[0] if isinstance(v, (list, tuple, str)) and v else None,
    "floatadd": _arithmetic(lambda a, b: a + b),
    "floatformat": _floatformat,
    "join": lambda v, arg="": arg.join(str(x) for x in v) if isinstance(v, (list, tuple)) else v,
    "last": lambda v: v[-1] if isinstance(v, (list, tuple, str)) and v else None,
    "length": lambda v: len(v) if isinstance(v, (list, tuple, dict, str)) else 0,
    "lookup": _lookup,
    "lower": lambda v: "" if v is None else str(v).lower(),
    "missing_product_image": lambda v: v or MISSING_IMAGE,
    "multiply": _arithmetic(lambda a, b: a * b),
    "slice": _slice,
    "striptags": lambda v: re.sub(r"<[^>]*>", "", "" if v is None else str(v)),
    "title": lambda v: "" if v is None else str(v).title(),
    "truncatechars": _truncate,
    "truncatewords": lambda v, n: _truncate(v, n, words=True),
    "upper": lambda v: "" if v is None else str(v).upper(),
    "urlencode": lambda v: quote("" if v is None else str(v), safe="/"),
}
ALIASES = {"capitalize": "capfirst", "concat": "append", "count": "length"}
_SAFE = object()  # marks a value `|safe` let through unescaped


@lru_cache(maxsize=4096)
def _expression(text: str):
    """`path|filter:arg|...` compiled: a function of the scope giving (value, safe)."""
    head, *chain = _split_outside_quotes(text.strip(), "|")
    if not head.strip():
        raise TemplateSyntaxError(f"empty expression in {text!r}")
    base = _literal_or_path(head.strip())
    steps = []
    for piece in chain:
        name, _, argument = piece.strip().partition(":")
        name = ALIASES.get(name, name)
        if name == "safe":
            steps.append((_SAFE, None))
            continue
        if name not in FILTERS:
            raise TemplateSyntaxError(f"unknown filter {name!r}")
        steps.append((FILTERS[name], _literal_or_path(argument) if argument else None))

    def evaluate(scope: dict):
        value, safe = base(scope), False
        for function, argument in steps:
            if function is _SAFE:
                safe = True
                continue
            try:
                value = function(value) if argument is None else function(value, argument(scope))
            except (TypeError, ValueError, ArithmeticError, IndexError):
                value = ""
        return value, safe
    return evaluate


# -- conditions -----------------------------------------------------------------------------------

_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
            "in": lambda a, b: a in b, "not in": lambda a, b: a not in b}


def _compared(operator: str, left, right) -> bool:
    """Numbers compare as numbers; an ordering between two numeric texts too (event properties
    often carry prices as text). Anything incomparable is false."""
    numbers = (_number(left), _number(right))
    if None not in numbers and (operator in ("<", ">", "<=", ">=")
                                or not isinstance(left, str) and not isinstance(right, str)):
        left, right = numbers
    try:
        return bool(_COMPARE[operator](left, right))
    except TypeError:
        return False


@lru_cache(maxsize=2048)
def _condition(text: str):
    """`a and not b or c > 2`: Django's precedence (or < and < not < comparisons)."""
    tokens = _CONDITION_TOKEN.findall(text)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def joined(word: str, operand, combine):
        """`operand (word operand)*`, held when `combine` (any, all) of them holds."""
        parts = [operand()]
        while peek() == word:
            take()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else (lambda s: combine(p(s) for p in parts))

    def disjunction():
        return joined("or", conjunction, any)

    def conjunction():
        return joined("and", negation, all)

    def negation():
        flips = 0
        while peek() == "not":
            take()
            flips += 1
        inner = comparison()
        return inner if flips % 2 == 0 else (lambda s: not inner(s))

    def comparison():
        if peek() is None:
            raise TemplateSyntaxError(f"incomplete condition {text!r}")
        left = _expression(take())
        operator = peek()
        if operator == "not" and position + 1 < len(tokens) and tokens[position + 1] == "in":
            take()
            operator = "not in"
        if operator not in _COMPARE:
            return lambda s: bool(left(s)[0])
        take()
        if peek() is None:
            raise TemplateSyntaxError(f"incomplete condition {text!r}")
        right = _expression(take())
        return lambda s: _compared(operator, left(s)[0], right(s)[0])

    result = disjunction()
    if position != len(tokens):
        raise TemplateSyntaxError(f"unexpected {tokens[position]!r} in condition {text!r}")
    return result


# -- the tree -------------------------------------------------------------------------------------

@dataclass
class _Node:
    kind: str  # text | var | if | for | catalog | tag
    text: str = ""
    branches: list = field(default_factory=list)  # if: [(condition, nodes)]; for: [(None, body), (None, empty)]
    arguments: list = field(default_factory=list)


_BLOCKS = {"if": ("elif", "else", "endif"), "for": ("empty", "endfor"), "catalog": ("endcatalog",)}
_SIMPLE_TAGS = ("unsubscribe", "unsubscribe_link", "manage_preferences", "manage_preferences_link", "currency_format")


@lru_cache(maxsize=512)
def _compile(template: str) -> tuple[_Node, ...]:
    tokens = [t for t in _TOKEN.split(template) if t]
    depth = 0
    for token in tokens:
        name = _tag(token)[0] if token.startswith("{%") else ""
        depth += (name in _BLOCKS) - (name in ("endif", "endfor", "endcatalog"))
        if depth > MAX_DEPTH:
            raise TemplateTooLarge(f"blocks nested more than {MAX_DEPTH} deep")
    nodes, position = _parse(tokens, 0, ())
    if position != len(tokens):
        raise TemplateSyntaxError(f"unexpected {tokens[position]!r}")
    return tuple(nodes)


def _tag(token: str) -> tuple[str, str]:
    name, _, rest = token[2:-2].strip().partition(" ")
    return name, rest.strip()


def _parse(tokens: list[str], position: int, until: tuple[str, ...]) -> tuple[list[_Node], int]:
    """Nodes from `position` to the first tag named in `until` (left for the caller to read)."""
    nodes: list[_Node] = []
    while position < len(tokens):
        token = tokens[position]
        if token.startswith("{#") and token.endswith("#}"):
            position += 1
            continue
        if token.startswith("{{") and token.endswith("}}"):
            nodes.append(_Node("var", arguments=[_expression(token[2:-2])]))
            position += 1
            continue
        if not (token.startswith("{%") and token.endswith("%}")):
            nodes.append(_Node("text", token))
            position += 1
            continue
        name, rest = _tag(token)
        if name in until:
            return nodes, position
        if name == "if":
            node, position = _parse_if(tokens, position, rest)
        elif name == "for":
            node, position = _parse_for(tokens, position, rest)
        elif name == "catalog":
            node, position = _parse_catalog(tokens, position, rest)
        elif name in _SIMPLE_TAGS:
            node, position = _Node("tag", name, arguments=_arguments(rest)), position + 1
        else:
            raise TemplateSyntaxError(f"unknown or unexpected tag {{% {name} %}}")
        nodes.append(node)
    if until:
        raise TemplateSyntaxError(f"missing {{% {until[-1]} %}}")
    return nodes, position


def _arguments(text: str) -> list:
    return [_expression(part) for part in _CONDITION_TOKEN.findall(text)]


def _parse_if(tokens, position, condition):
    node = _Node("if")
    while True:
        body, position = _parse(tokens, position + 1, _BLOCKS["if"])
        node.branches.append((_condition(condition) if condition is not None else None, body))
        name, rest = _tag(tokens[position])
        if name == "endif":
            return node, position + 1
        if node.branches[-1][0] is None:
            raise TemplateSyntaxError(f"{{% {name} %}} after {{% else %}}")
        condition = rest if name == "elif" else None


def _parse_for(tokens, position, header):
    match = re.fullmatch(r"(\w+)\s+in\s+(.+?)(\s+reversed)?", header)
    if not match:
        raise TemplateSyntaxError(f"{{% for {header} %}}: expected 'for x in list'")
    body, position = _parse(tokens, position + 1, _BLOCKS["for"])
    empty: list[_Node] = []
    if _tag(tokens[position])[0] == "empty":
        empty, position = _parse(tokens, position + 1, ("endfor",))
    return _Node("for", match.group(1), [(None, body), (None, empty)],
                 [_expression(match.group(2)), bool(match.group(3))]), position + 1


def _parse_catalog(tokens, position, header):
    if not header:
        raise TemplateSyntaxError("{% catalog %} needs an item id")
    head = _CONDITION_TOKEN.findall(header)[0]
    settings = {key: value.strip("'\"") for key, value in _OPTION.findall(header)}
    body, position = _parse(tokens, position + 1, ("endcatalog",))
    return _Node("catalog", branches=[(None, body)], arguments=[_expression(head), settings]), position + 1


# -- rendering ------------------------------------------------------------------------------------

@dataclass
class _Run:
    account: Account
    skip_unavailable: bool
    escape: bool
    out: list[str] = field(default_factory=list)
    steps: int = 0

    def step(self) -> None:
        """Count one node or loop turn against `MAX_STEPS`."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateTooLarge(f"the template takes more than {MAX_STEPS:,} steps to render")


def _text_of(value) -> str:
    return "" if value is None else str(value)


def _emit(run: _Run, nodes, scope: dict) -> None:
    for node in nodes:
        run.step()
        if node.kind == "text":
            run.out.append(node.text)
        elif node.kind == "var":
            value, safe = node.arguments[0](scope)
            text = _text_of(value)
            run.out.append(_html.escape(text) if run.escape and not safe else text)
        elif node.kind == "if":
            for condition, body in node.branches:
                if condition is None or condition(scope):
                    _emit(run, body, scope)
                    break
        elif node.kind == "for":
            _emit_for(run, node, scope)
        elif node.kind == "catalog":
            _emit_catalog(run, node, scope)
        else:
            run.out.append(_simple_tag(run, node, scope))


def _emit_for(run: _Run, node: _Node, scope: dict) -> None:
    items, backwards = node.arguments[0](scope)[0], node.arguments[1]
    if isinstance(items, dict):
        items = list(items)
    if not isinstance(items, (list, tuple)) or not items:
        _emit(run, node.branches[1][1], scope)
        return
    items = list(reversed(items)) if backwards else list(items)
    count = len(items)
    for index, item in enumerate(items):
        run.step()
        loop = {"counter": index + 1, "counter0": index, "revcounter": count - index,
                "revcounter0": count - index - 1, "first": index == 0, "last": index == count - 1,
                "parentloop": scope.get("forloop")}
        _emit(run, node.branches[0][1], {**scope, node.text: item, "forloop": loop})


def _emit_catalog(run: _Run, node: _Node, scope: dict) -> None:
    item_id, options = node.arguments[0](scope)[0], node.arguments[1]
    item = catalog_item(run.account, item_id, options.get("integration"))
    unavailable = item is None or (item["published"] is False and options.get("unpublished") == "cancel")
    if unavailable:
        if run.skip_unavailable:
            raise ItemUnavailable(item_id)
        return
    _emit(run, node.branches[0][1], {**scope, "catalog_item": item})


def _simple_tag(run: _Run, node: _Node, scope: dict) -> str:
    values = [argument(scope)[0] for argument in node.arguments]
    if node.text == "currency_format":
        number = _number(values[0] if values else None)
        return "" if number is None else f"${number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    page = "unsubscribe" if node.text.startswith("unsubscribe") else "manage"
    url = preference_url(run.account, page, scope)
    if node.text.endswith("_link"):
        return _html.escape(url) if run.escape else url
    label = _text_of(values[0]) if values else ("Unsubscribe" if page == "unsubscribe" else "Manage Preferences")
    if not run.escape:
        return f"{label} <{url}>"
    return f'<a href="{_html.escape(url)}">{_html.escape(label)}</a>'


def preference_url(account: Account, page: str, scope: dict) -> str:
    """The recipient's unsubscribe or manage-preferences page (Klaviyo hosts both; the sandbox only
    writes the link, naming the account and, when known, the profile)."""
    person = scope.get("person") if isinstance(scope.get("person"), dict) else {}
    query = {"a": account.id, **({"r": person["id"]} if person.get("id") else {})}
    return f"{PREFERENCES_BASE}/{page}?{urlencode(query)}"


def catalog_item(account: Account, item_id, integration: str | None = None) -> dict | None:
    """What `catalog_item` holds inside `{% catalog %}`: the stored catalog item whose id, or whose
    `external_id` (of `integration`, `$custom` by default), is `item_id`; None if there is none."""
    from simulator.klaviyo.resources import resources_of
    if item_id in (None, ""):
        return None
    items = resources_of(account).of("catalog-item")
    record = items.find(str(item_id)) or items.find(
        f"{integration or '$custom'}:::$default:::{item_id}")
    if record is None:
        return None
    a = record.attributes
    metadata = dict(a.get("custom_metadata") or {})
    metadata.setdefault("price", a.get("price"))
    return {"id": a.get("external_id") or record.id, "title": a.get("title"), "description": a.get("description"),
            "url": a.get("url"), "price": a.get("price"), "published": a.get("published", True),
            "featured_image": {"full": {"src": a.get("image_full_url")},
                               "thumbnail": {"src": a.get("image_thumbnail_url") or a.get("image_full_url")}},
            "images": a.get("images") or [], "metadata": metadata}


def _tag_links(rendered: str, parameters: dict[str, str], in_html: bool) -> str:
    """Every http(s) link but Klaviyo's own preference pages, with `parameters` added."""
    def tag(url: str) -> str:
        return url if url.startswith(PREFERENCES_BASE) else with_parameters(url, parameters)
    if not parameters:
        return rendered
    if not in_html:
        return _TEXT_URL.sub(lambda m: tag(m.group(0)), rendered)
    return _HREF.sub(lambda m: m.group(1) + m.group(2) + _html.escape(tag(_html.unescape(m.group(3)))) + m.group(2),
                     rendered)


def text_of(rendered_html: str) -> str:
    """The plain-text part Klaviyo makes from the HTML when a template has none: the visible text,
    block elements on their own lines, each link followed by its URL."""
    body = re.sub(r"(?is)<(head|style|script)\b.*?</\1>", "", rendered_html)
    body = re.sub(r"""(?is)<a\b[^>]*?href\s*=\s*(["'])(.*?)\1[^>]*>(.*?)</a>""",
                  lambda m: f"{m.group(3)} \x00{m.group(2)}\x01", body)
    body = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|h[1-6]|li|table|ul|ol)>", "\n", body)
    body = _html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\x00", "<").replace("\x01", ">")
    lines = [" ".join(line.split()) for line in body.splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render(account: Account, html: str, context: dict, *, text: str | None = None,
           parameters: dict[str, str] | None = None, skip_unavailable: bool = True) -> tuple[str, str]:
    """(html, text) of a template rendered with `context` (`context_of` builds a recipient's).

    `text` is the template's plain-text part; None: made from the rendered HTML. `parameters` are the
    query parameters (UTM, `_kx`) added to every link. A `{% catalog %}` lookup that finds nothing
    raises `ItemUnavailable` when `skip_unavailable` (a send), else prints nothing (a preview).
    A template the language cannot read raises `TemplateSyntaxError`."""
    parameters = parameters or {}
    run = _Run(account, skip_unavailable, escape=True)
    _emit(run, _compile(html or ""), context)
    rendered_html = _tag_links("".join(run.out), parameters, in_html=True)
    if text is None:
        return rendered_html, text_of(rendered_html)
    run = _Run(account, skip_unavailable, escape=False)
    _emit(run, _compile(text), context)
    return rendered_html, _tag_links("".join(run.out), parameters, in_html=False)


def context_of(profile, event=None) -> dict:
    """The variables a recipient's message sees: the profile's fields at the top level
    (`first_name`, `email`...) and as `person` (with its custom properties), and the trigger's
    properties as `event` (with `$value`, and `extra` when the event carried one)
    (https://help.klaviyo.com/hc/en-us/articles/4408802648731)."""
    person = {**profile.properties, **profile.attributes, "id": profile.id,
              "location": dict(profile.location)}
    context = {**profile.attributes, "person": person}
    if event is not None:
        properties = dict(event.properties)
        if event.value is not None:
            properties.setdefault("$value", event.value)
        context["event"] = properties
    return context
