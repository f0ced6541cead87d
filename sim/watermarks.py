"""AMI watermarks (AttachImageWatermark, DetachImageWatermark), from the EC2
API reference: a watermark is `ACCOUNT:NAME`, attached by the image's owner
to an image that is not public; EC2 copies it to every image later derived
from the image by CreateImage (from an instance launched from it) and
CopyImage — not by RegisterImage; detaching affects that image only, and
succeeds when the watermark is not there. DescribeImages shows them in
`imageWatermarkSet` and filters on `image-watermark.*` (sim/images.py).

Each image's watermarks are `image.watermarks`: a list of dicts with key,
source_image_id, source_image_region, source_image_creation_time, created.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from images import Ec2Fault, XMLNS, _text, bad_parameter, iso
from usage import owned_image

# 3-128 characters: letters, digits, ( ) [ ] space . / - ' @ _ (the API reference).
NAME = re.compile(r"^[A-Za-z0-9()\[\] ./\-'@_]{3,128}$")


def of(image) -> list[dict]:
    return getattr(image, "watermarks", None) or []


def inherit(new_image, parent) -> None:
    """What CreateImage and CopyImage carry over: the parent's watermarks, as they are now."""
    if parent is not None and of(parent):
        new_image.watermarks = [dict(w) for w in of(parent)]


def attach(amis: dict, params: dict, account: str, region: str, now: datetime) -> bytes:
    image = owned_image(amis, params, account)
    name = (params.get("WatermarkName") or [""])[0]
    if not name:
        raise Ec2Fault("400 Bad Request", "MissingParameter", "The request must contain the parameter WatermarkName")
    if not NAME.match(name):
        raise bad_parameter(f"Invalid watermark name: {name}")
    if image.is_public:
        raise Ec2Fault("400 Bad Request", "InvalidParameter", "Watermarks cannot be added to public AMIs.")
    key = f"{account}:{name}"
    if not any(w["key"] == key for w in of(image)):
        image.watermarks = of(image) + [{"key": key, "source_image_id": image.id, "source_image_region": region,
                                         "source_image_creation_time": iso(image.creation_date),
                                         "created": iso(now)}]
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<AttachImageWatermarkResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId>{_text('watermarkKey', key)}"
            "</AttachImageWatermarkResponse>").encode()


def detach(amis: dict, params: dict, account: str) -> bytes:
    image = owned_image(amis, params, account)
    key = (params.get("WatermarkKey") or [""])[0]
    if not key:
        raise Ec2Fault("400 Bad Request", "MissingParameter", "The request must contain the parameter WatermarkKey")
    image.watermarks = [w for w in of(image) if w["key"] != key]
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DetachImageWatermarkResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><return>true</return></DetachImageWatermarkResponse>").encode()

