"""`/brands/current`: the brand behind the key or token; connecting a store is OAuth-only."""
from __future__ import annotations

from dataclasses import asdict

from flask import g, jsonify

from simulator.errors import Forbidden
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import body, brand


def brand_json() -> dict:
    current = brand()
    return {"brandID": current.id, **asdict(current.profile)}


@blueprint.get("/brands/current")
@operation("getCurrentBrand")
def get_brand():
    return jsonify(brand_json())


@blueprint.post("/brands/current")
@operation("connectBrand")
def connect_brand():
    if not g.get("oauth"):
        raise Forbidden("Connecting a brand is only possible with an OAuth access token.")
    data = body("connectBrand")
    profile = brand().profile
    profile.platform, profile.version, profile.website = data["platform"], data["version"], data["website"]
    profile.currency = data.get("currency", profile.currency)
    profile.connected = True
    return jsonify(brand_json())
