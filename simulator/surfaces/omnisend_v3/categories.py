"""v3 categories: create, get, replace, delete, and the offset-paged list (sort by title or date)."""
from __future__ import annotations

from flask import jsonify

from simulator.omnisend.catalog import Category, catalog_of
from simulator.surfaces.omnisend_v3 import blueprint, paging
from simulator.surfaces.omnisend_v3.common import brand, instant, no_content, now, stamp
from simulator.surfaces.omnisend_v3.listing import Query
from simulator.surfaces.omnisend_v3.strict import body

SORTS = {"title": "title", "createdAt": "created_at", "updatedAt": "updated_at"}


def category_json(category: Category) -> dict:
    return {"categoryID": category.id, "title": category.title,
            "createdAt": stamp(category.created_at), "updatedAt": stamp(category.updated_at)}


def _times(data: dict) -> dict:
    return {"created_at": instant(data.get("createdAt"), "createdAt"),
            "updated_at": instant(data.get("updatedAt"), "updatedAt")}


@blueprint.post("/categories")
def create_category():
    data = body("POST_categories")
    category = catalog_of(brand()).create_category(data["categoryID"], data["title"], now(), **_times(data))
    return jsonify({"categoryID": category.id})


@blueprint.get("/categories/<category_id>")
def get_category(category_id: str):
    return jsonify(category_json(catalog_of(brand()).category(category_id)))


@blueprint.put("/categories/<category_id>")
def replace_category(category_id: str):
    catalog = catalog_of(brand())
    catalog.category(category_id)  # 404 before 400
    data = body("PUT_categories")
    category = catalog.replace_category(category_id, data["title"], now(), **_times(data))
    return jsonify({"categoryID": category.id})


@blueprint.delete("/categories/<category_id>")
def delete_category(category_id: str):
    catalog_of(brand()).delete_category(category_id)
    return no_content()


@blueprint.get("/categories")
def list_categories():
    query = Query()
    limit, offset = query.limit_and_offset()
    sort = query.choice("sort", SORTS)
    query.done()
    page, links = paging.offset_page(catalog_of(brand()).categories(sort=sort), limit, offset)
    return jsonify({"categories": [category_json(c) for c in page], "paging": links})
