"""DescribeImages and GetImageAncestry as real EC2 answers them.

moto's DescribeImages returns every image to everyone, never paginates, and
finds an image's tags by scanning the account's tags; it has no
GetImageAncestry and no source-image-id filter. This module answers both
actions itself, from moto's image store, with EC2's documented rules:

- visibility: without ImageIds, only your images, public ones and private ones
  shared with you; another account's deprecated images only when named in
  ImageIds or with IncludeDeprecated (an image-id *filter* does not count; your
  own deprecated images always show); disabled images only with IncludeDisabled;
  another account's tags are never returned;
- pagination: MaxResults (1..1000) and NextToken; a page is never larger than
  the `page_size` setting (EC2 may return fewer than MaxResults); MaxResults
  together with ImageIds is refused, as on EC2;
- filters: EC2's documented names only (a nameless or unknown one is
  InvalidParameterValue), at most 200 values in one call (FilterLimitExceeded);
  through indexes where amitools and the AWS CLI filter (tag:KEY, tag-key,
  image-id, name, owner-id, source-image-id, source-image-region,
  image-watermark.source-image-id, image-watermark.watermark-key), so a
  query's cost follows what it returns, not the size of the account;
- GetImageAncestry: the recorded chain from an image to its root, up to 50
  entries, through parents that were deregistered or that you cannot see.

The caller holds the simulator's lock.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from typing import Callable
from xml.sax.saxutils import escape

# EC2's limits.
MAX_RESULTS_RANGE = (1, 1000)
FILTER_VALUES_MAX = 200
ANCESTRY_MAX = 50
# Owner aliases of verified providers: GetImageAncestry stops at their images.
VERIFIED_ALIASES = {"amazon", "aws-marketplace"}

XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"


class Ec2Fault(Exception):
    """An EC2 error answer: HTTP status, code, message."""

    def __init__(self, status: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def bad_parameter(message: str) -> Ec2Fault:
    return Ec2Fault("400 Bad Request", "InvalidParameterValue", message)


# --- request parsing -------------------------------------------------------------

def numbered(params: dict, prefix: str) -> list[str]:
    """`Prefix.1`, `Prefix.2`, … in order."""
    found = []
    for key, values in params.items():
        if key.startswith(prefix + "."):
            suffix = key[len(prefix) + 1:]
            if suffix.isdigit():
                found.append((int(suffix), values[0]))
    return [value for _, value in sorted(found)]


# DescribeImages' filter names, as its API reference lists them (aws-sdk-ec2
# 1.274's DescribeImagesInput documentation), besides `tag:KEY`. Names the
# simulator models are in `_FILTER_GETTERS`; the others are refused as not
# simulated, never answered wrongly.
DOCUMENTED_FILTERS = frozenset({
    "architecture", "block-device-mapping.delete-on-termination", "block-device-mapping.device-name",
    "block-device-mapping.snapshot-id", "block-device-mapping.volume-size", "block-device-mapping.volume-type",
    "block-device-mapping.encrypted", "creation-date", "description", "ena-support", "free-tier-eligible",
    "hypervisor", "image-allowed", "image-id", "image-watermark.source-image-creation-time",
    "image-watermark.source-image-id", "image-watermark.source-image-region",
    "image-watermark.watermark-creation-time", "image-watermark.watermark-key", "image-type", "is-public",
    "kernel-id", "manifest-location", "name", "owner-alias", "owner-id", "platform", "product-code",
    "product-code.type", "public-ssm-parameter-name", "ramdisk-id", "root-device-name", "root-device-type",
    "scan-result.critical-fix-available-since", "scan-result.finding-scan-date",
    "scan-result.high-fix-available-since", "scan-result.highest-finding-severity-label",
    "scan-result.informational-fix-available-since", "scan-result.low-fix-available-since",
    "scan-result.medium-fix-available-since", "source-image-id", "source-image-region", "source-instance-id",
    "state", "state-reason-code", "state-reason-message", "sriov-net-support", "tag-key", "virtualization-type",
})


class NotSimulated(Exception):
    """A documented part of EC2 the simulator does not model: answered as
    an error of its own (501), so that no test passes on a wrong answer."""


def filters_of(params: dict) -> list[tuple[str, list[str]]]:
    """The request's filters, checked as EC2 checks them: every filter named,
    every name one EC2 documents, at most 200 values in the whole call."""
    names: dict[int, str] = {}
    values: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for key, vals in params.items():
        parts = key.split(".")
        if parts[0] != "Filter" or len(parts) < 3 or not parts[1].isdigit():
            continue
        n = int(parts[1])
        if parts[2] == "Name":
            names[n] = vals[0]
        elif parts[2] == "Value" and len(parts) == 4 and parts[3].isdigit():
            values[n].append((int(parts[3]), vals[0]))
    if sum(len(v) for v in values.values()) > FILTER_VALUES_MAX:
        raise Ec2Fault("400 Bad Request", "FilterLimitExceeded",
                       f"The maximum number of filter values specified on a single call is {FILTER_VALUES_MAX}")
    result = []
    for n in sorted(set(names) | set(values)):
        name = names.get(n)
        if not name:
            # EC2's wording for a nameless filter is not documented; the simulator's choice.
            raise bad_parameter("The filter 'null' is invalid")
        if not (name.startswith("tag:") and len(name) > 4) and name not in DOCUMENTED_FILTERS:
            raise bad_parameter(f"The filter '{name}' is invalid")
        if not name.startswith("tag:") and name != "tag-key" and name not in _FILTER_GETTERS:
            raise NotSimulated(f"amisim does not simulate the DescribeImages filter '{name}'")
        result.append((name, [v for _, v in sorted(values[n])]))
    return result


def flag(params: dict, name: str) -> bool:
    return (params.get(name) or ["false"])[0].lower() == "true"


# --- the view of one image from the caller's account -------------------------------

class ImageView:
    """What EC2 decides about an image for one caller: owned, visible, deprecated."""

    def __init__(self, image, account: str, now: datetime) -> None:
        self.image = image
        self.own = image.owner_id == account
        self.public = image.is_public
        self.shared = any(p.get("UserId") == account for p in image.launch_permissions)
        deprecation = getattr(image, "deprecation_time", None)
        self.deprecated = deprecation is not None and deprecation <= now
        self.disabled = image.state == "disabled"

    def available_to_caller(self) -> bool:
        return self.own or self.public or self.shared


def tags_for_caller(image, account: str) -> dict:
    """Only the caller's own tags: another account's tags are never returned."""
    if image.owner_id != account:
        return {}
    return image.ec2_backend.tags.get(image.id, {})


# --- indexes -------------------------------------------------------------------------

class Index:
    """Lookups by the filter values amitools and the AWS CLI use. Rebuilt
    lazily after any change (the simulator marks it stale)."""

    def __init__(self, amis: dict, account: str) -> None:
        self.by_tag: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.by_tag_key: dict[str, set[str]] = defaultdict(set)
        self.by_name: dict[str, set[str]] = defaultdict(set)
        self.by_source: dict[str, set[str]] = defaultdict(set)
        self.by_source_region: dict[str, set[str]] = defaultdict(set)
        self.by_owner: dict[str, set[str]] = defaultdict(set)
        self.by_watermark_source: dict[str, set[str]] = defaultdict(set)
        self.by_watermark_key: dict[str, set[str]] = defaultdict(set)
        for image_id, image in amis.items():
            for key, value in tags_for_caller(image, account).items():
                self.by_tag[(key, value)].add(image_id)
                self.by_tag_key[key].add(image_id)
            if image.name is not None:
                self.by_name[image.name].add(image_id)
            source = getattr(image, "source_image_id", None)
            if source:
                self.by_source[source].add(image_id)
            region = getattr(image, "source_image_region", None)
            if region:
                self.by_source_region[region].add(image_id)
            self.by_owner[image.owner_id].add(image_id)
            for mark in getattr(image, "watermarks", None) or []:
                if mark.get("source_image_id"):
                    self.by_watermark_source[mark["source_image_id"]].add(image_id)
                self.by_watermark_key[mark["key"]].add(image_id)

    def candidates(self, name: str, values: list[str], amis: dict) -> set[str] | None:
        """The ids a filter can match, or None when it needs a scan."""
        if any("*" in v or "?" in v for v in values):
            return None

        def union(table: dict, keys) -> set[str]:
            out: set[str] = set()
            for key in keys:
                out |= table.get(key, set())
            return out

        if name.startswith("tag:"):
            key = name[4:]
            return union(self.by_tag, [(key, v) for v in values])
        table = {"tag-key": self.by_tag_key, "name": self.by_name, "source-image-id": self.by_source,
                 "source-image-region": self.by_source_region, "owner-id": self.by_owner,
                 "image-watermark.source-image-id": self.by_watermark_source,
                 "image-watermark.watermark-key": self.by_watermark_key}.get(name)
        if table is not None:
            return union(table, values)
        if name == "image-id":
            return {v for v in values if v in amis}
        return None


def _value_matches(actual, patterns: list[str]) -> bool:
    if actual is None:
        return False
    if isinstance(actual, list):
        return any(_value_matches(one, patterns) for one in actual)
    return any(fnmatch.fnmatchcase(str(actual), p) for p in patterns)


def _watermarks(field: str):
    """An image's watermarks' values of one field (any may match)."""
    return lambda i: [w[field] for w in (getattr(i, "watermarks", None) or [])]


def _snapshot_id(image) -> str | None:
    snapshot = getattr(image, "ebs_snapshot", None)
    return snapshot.id if snapshot is not None else None


# What each modelled filter compares, as `image_xml` shows it (a list: any
# value may match). Watermarks: see sim/watermarks.py.
_FILTER_GETTERS: dict[str, Callable] = {
    "architecture": lambda i: i.architecture or "x86_64",
    "block-device-mapping.device-name": lambda i: i.root_device_name if _snapshot_id(i) else None,
    "block-device-mapping.snapshot-id": _snapshot_id,
    "block-device-mapping.volume-size": lambda i: "15" if _snapshot_id(i) else None,
    "block-device-mapping.volume-type": lambda i: "standard" if _snapshot_id(i) else None,
    "block-device-mapping.delete-on-termination": lambda i: "false" if _snapshot_id(i) else None,
    "creation-date": lambda i: iso(i.creation_date),
    "description": lambda i: i.description,
    "hypervisor": lambda i: "xen",
    "image-id": lambda i: i.id,
    "image-type": lambda i: i.image_type,
    "image-watermark.source-image-creation-time": _watermarks("source_image_creation_time"),
    "image-watermark.source-image-id": _watermarks("source_image_id"),
    "image-watermark.source-image-region": _watermarks("source_image_region"),
    "image-watermark.watermark-creation-time": _watermarks("created"),
    "image-watermark.watermark-key": _watermarks("key"),
    "is-public": lambda i: "true" if i.is_public else "false",
    "kernel-id": lambda i: i.kernel_id,
    "manifest-location": lambda i: i.image_location or f"{i.owner_id}/{i.name}",
    "name": lambda i: i.name,
    "owner-alias": lambda i: i.owner_alias,
    "owner-id": lambda i: i.owner_id,
    "platform": lambda i: i.platform,
    "ramdisk-id": lambda i: getattr(i, "ramdisk_id", None),
    "root-device-name": lambda i: i.root_device_name,
    "root-device-type": lambda i: "ebs",
    "source-image-id": lambda i: getattr(i, "source_image_id", None),
    "source-image-region": lambda i: getattr(i, "source_image_region", None),
    "source-instance-id": lambda i: getattr(i, "source_instance_id", None),
    "state": lambda i: i.state,
    "virtualization-type": lambda i: i.virtualization_type or "hvm",
}


def filter_matches(image, name: str, values: list[str], account: str) -> bool:
    """Whether the image passes one filter (names are checked in filters_of)."""
    if name.startswith("tag:"):
        return _value_matches(tags_for_caller(image, account).get(name[4:]), values)
    if name == "tag-key":
        return any(_value_matches(k, values) for k in tags_for_caller(image, account))
    return _value_matches(_FILTER_GETTERS[name](image), values)


# --- DescribeImages --------------------------------------------------------------------

def _encode_token(query_key: str, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"q": query_key, "o": offset}).encode()).decode()


def _decode_token(token: str, query_key: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["q"] != query_key:
            raise ValueError
        return int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise bad_parameter("The specified nextToken is not valid") from None


def describe_images(amis: dict, index: Index, params: dict, account: str, page_size: int,
                    hidden: set[str], quiet: frozenset[str] | set[str] = frozenset()) -> tuple[list, str | None]:
    """The images one DescribeImages request returns, and the next token.
    `hidden`: new images not visible yet (named in ImageIds: NotFound);
    `quiet`: deregistered images gone from the results but not yet NotFound
    (named in ImageIds: left out of an answer that is not an error)."""
    image_ids = numbered(params, "ImageId")
    owners = numbered(params, "Owner")
    executable_by = numbered(params, "ExecutableBy")
    filters = filters_of(params)
    include_deprecated = flag(params, "IncludeDeprecated")
    include_disabled = flag(params, "IncludeDisabled")
    max_results = params.get("MaxResults", [None])[0]
    next_token = params.get("NextToken", [None])[0]
    if image_ids and max_results is not None:
        raise Ec2Fault("400 Bad Request", "InvalidParameterCombination",
                       "The parameter imageIdsSet cannot be used with the parameter maxResults")
    if max_results is not None:
        try:
            max_results = int(max_results)
        except ValueError:
            raise bad_parameter(f"Invalid value '{max_results}' for maxResults") from None
        low, high = MAX_RESULTS_RANGE
        if not low <= max_results <= high:
            raise bad_parameter(f"Value ({max_results}) for parameter maxResults is invalid. "
                                f"Expecting a value between {low} and {high}.")
    now = datetime.now(timezone.utc)

    if image_ids:
        for image_id in image_ids:
            check_image_id(image_id)
        selected, missing = [], []
        for image_id in image_ids:
            if image_id in quiet:
                continue
            image = amis.get(image_id)
            view = ImageView(image, account, now) if image is not None and image_id not in hidden else None
            # Named images show even when deprecated; disabled ones need IncludeDisabled.
            if view is None or not view.available_to_caller() or (view.disabled and not include_disabled):
                missing.append(image_id)
            else:
                selected.append(image)
        if missing:
            raise not_found(missing)
        candidate_ids = None
        images = selected
    else:
        candidate_ids: set[str] | None = None
        for name, values in filters:
            found = index.candidates(name, values, amis)
            if found is not None:
                candidate_ids = found if candidate_ids is None else candidate_ids & found
        pool = (amis[i] for i in sorted(candidate_ids) if i in amis) if candidate_ids is not None \
            else (amis[i] for i in sorted(amis))
        images = []
        for image in pool:
            if image.id in hidden:
                continue
            view = ImageView(image, account, now)
            if not view.available_to_caller():
                continue
            if view.disabled and not include_disabled:
                continue
            if view.deprecated and not view.own and not include_deprecated:
                continue
            images.append(image)

    def owner_ok(image) -> bool:
        if not owners:
            return True
        for owner in owners:
            if owner == "self" and image.owner_id == account:
                return True
            if owner == image.owner_id or (image.owner_alias and owner == image.owner_alias):
                return True
        return False

    def executable_ok(image) -> bool:
        if not executable_by:
            return True
        for user in executable_by:
            if user == "all" and image.is_public:
                return True
            if user in ("self", account) and any(p.get("UserId") == account for p in image.launch_permissions):
                return True
        return False

    images = [i for i in images if owner_ok(i) and executable_ok(i)
              and all(filter_matches(i, name, values, account) for name, values in filters)]

    if max_results is None:
        if next_token:
            raise bad_parameter("The specified nextToken is not valid")
        return images, None
    query_key = json.dumps([owners, executable_by, filters, include_deprecated, include_disabled], sort_keys=True)
    offset = _decode_token(next_token, query_key) if next_token else 0
    size = min(max_results, max(1, int(page_size)))
    page = images[offset:offset + size]
    following = offset + size
    return page, (_encode_token(query_key, following) if following < len(images) else None)


def _watermarks_xml(image) -> str:
    items = "".join(
        "<item>" + _text("watermarkKey", w["key"]) + _text("sourceImageRegion", w["source_image_region"])
        + _text("sourceImageId", w["source_image_id"])
        + _text("sourceImageCreationTime", w["source_image_creation_time"])
        + _text("watermarkCreationTime", w["created"]) + "</item>"
        for w in (getattr(image, "watermarks", None) or []))
    return f"<imageWatermarkSet>{items}</imageWatermarkSet>" if items else ""


def _text(tag: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def iso(moment) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def protection(image) -> str:
    """EC2's DeregistrationProtection (see usage.protection_of; set by sim/usage.py)."""
    value = getattr(image, "deregistration_protection", None) or "disabled"
    until = getattr(image, "protection_until", None)
    if value == "disabled" and until is not None and until > datetime.now(timezone.utc):
        return f"disabled-until {iso(until)}"
    return value


def image_xml(image, account: str) -> str:
    tags = tags_for_caller(image, account)
    tag_items = "".join(f"<item>{_text('key', k)}{_text('value', v)}</item>" for k, v in tags.items())
    snapshot = getattr(image, "ebs_snapshot", None)
    mapping = ""
    if snapshot is not None:
        mapping = (f"<blockDeviceMapping><item>{_text('deviceName', image.root_device_name)}<ebs>"
                   f"{_text('snapshotId', snapshot.id)}<volumeSize>15</volumeSize>"
                   "<deleteOnTermination>false</deleteOnTermination><volumeType>standard</volumeType>"
                   "</ebs></item></blockDeviceMapping>")
    return "".join([
        "<item>",
        _text("imageId", image.id),
        _text("imageLocation", image.image_location or f"{image.owner_id}/{image.name}"),
        _text("imageState", image.state),
        _text("imageOwnerId", image.owner_id),
        _text("creationDate", iso(image.creation_date)),
        _text("isPublic", image.is_public),
        _text("architecture", image.architecture or "x86_64"),
        _text("imageType", image.image_type),
        _text("platform", image.platform),
        _text("imageOwnerAlias", image.owner_alias),
        _text("name", image.name),
        _text("description", image.description),
        _text("rootDeviceType", "ebs"),
        _text("rootDeviceName", image.root_device_name),
        mapping,
        _text("virtualizationType", image.virtualization_type or "hvm"),
        f"<tagSet>{tag_items}</tagSet>" if tag_items else "",
        _text("hypervisor", "xen"),
        _text("deprecationTime", iso(getattr(image, "deprecation_time", None))),
        _text("sourceInstanceId", getattr(image, "source_instance_id", None)),
        _text("sourceImageId", getattr(image, "source_image_id", None)),
        _text("sourceImageRegion", getattr(image, "source_image_region", None)),
        _text("lastLaunchedTime", iso(getattr(image, "last_launched_time", None))),
        _text("deregistrationProtection", protection(image)),
        _watermarks_xml(image),
        "</item>",
    ])


def describe_images_xml(images: list, next_token: str | None, account: str) -> bytes:
    items = "".join(image_xml(i, account) for i in images)
    token = _text("nextToken", next_token) if next_token else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImagesResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><imagesSet>{items}</imagesSet>{token}"
            "</DescribeImagesResponse>").encode()


def check_image_id(image_id: str) -> None:
    """An AMI id is `ami-` and 8 or 17 hexadecimal digits; anything else is
    InvalidAMIID.Malformed, on every image action, as on EC2."""
    digits = image_id[4:]
    if (not image_id.startswith("ami-") or len(digits) not in (8, 17)
            or any(c not in "0123456789abcdef" for c in digits)):
        raise Ec2Fault("400 Bad Request", "InvalidAMIID.Malformed", f'Invalid id: "{image_id}"')


def not_found(image_ids: list[str]) -> Ec2Fault:
    """InvalidAMIID.NotFound naming every missing id in one message, as EC2's
    does ("The image ids '[ami-1, ami-2]' do not exist"; the plural wording is
    the simulator's reading of EC2's answers)."""
    if len(image_ids) == 1:
        return Ec2Fault("400 Bad Request", "InvalidAMIID.NotFound", f"The image id '[{image_ids[0]}]' does not exist")
    return Ec2Fault("400 Bad Request", "InvalidAMIID.NotFound",
                    f"The image ids '[{', '.join(image_ids)}]' do not exist")


# --- GetImageAncestry ---------------------------------------------------------------------

class AncestryRecord:
    """What EC2 keeps about an image's origin; it outlives the image."""

    def __init__(self, image_id: str, region: str, source_image_id: str | None,
                 source_image_region: str | None, creation_date, owner_alias: str | None) -> None:
        self.image_id, self.region = image_id, region
        self.source_image_id, self.source_image_region = source_image_id, source_image_region
        self.creation_date, self.owner_alias = creation_date, owner_alias


def ancestry(records: dict[str, AncestryRecord], start: str) -> list[AncestryRecord]:
    """From `start` to its root: stops at a verified provider's image, an image
    with no recorded source (or whose source EC2 never knew), or 50 entries."""
    chain = []
    current = records.get(start)
    seen = set()
    while current is not None and len(chain) < ANCESTRY_MAX and current.image_id not in seen:
        chain.append(current)
        seen.add(current.image_id)
        if current.owner_alias in VERIFIED_ALIASES or not current.source_image_id:
            break
        current = records.get(current.source_image_id)
    return chain


def ancestry_xml(chain: list[AncestryRecord]) -> bytes:
    items = "".join(
        "<item>" + _text("imageId", r.image_id) + _text("sourceImageId", r.source_image_id)
        + _text("sourceImageRegion", r.source_image_region) + _text("creationDate", iso(r.creation_date))
        + _text("imageOwnerAlias", r.owner_alias) + "</item>"
        for r in chain
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<GetImageAncestryResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><imageAncestryEntrySet>{items}</imageAncestryEntrySet>"
            "</GetImageAncestryResponse>").encode()
