"""Image upload from a file: the one Klaviyo operation whose body is `multipart/form-data` (the
spec's `ImageUploadQuery`: `file` required, `name` defaulting to the file's name, `hidden`). The
image is stored like any generic resource and served by the generic `GET /images/{id}`."""
from __future__ import annotations

from flask import g, request

from simulator.errors import Invalid, Problem
from simulator.klaviyo.resources import resources_of
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account, now
from simulator.surfaces.klaviyo.generic import STAMPS_NEW, answer, stamps

FORMATS = ((b"\x89PNG", "png"), (b"\xff\xd8", "jpeg"), (b"GIF8", "gif"))  # the formats the spec names


@api_blueprint.post("/image-upload")
@operation("upload_image_from_file")
def upload_image():
    upload = request.files.get("file")
    if upload is None:
        raise Invalid([Problem("data.attributes.file", "required")])
    hidden = request.form.get("hidden", "false")
    if hidden not in ("true", "false"):
        raise Invalid([Problem("data.attributes.hidden", "type", expected="boolean")])
    content = upload.read()
    attributes = {"name": request.form.get("name") or upload.filename or "", "size": len(content),
                  "format": next((name for magic, name in FORMATS if content.startswith(magic)), ""),
                  "hidden": hidden == "true"}
    record = resources_of(account()).create("image", attributes, {}, now(), stamps("image", STAMPS_NEW))
    return answer(record, g.operation.facts)
