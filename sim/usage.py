"""What uses an image, and deregistering one, as EC2 documents it: the parts
moto lacks and `amitools prune` depends on.

- DescribeImageReferences: instances in any state (or the asked states),
  launch templates to a version depth (default 10, counting back from the
  latest version), SSM parameters of data type aws:ec2:image (the simulator's
  reading: EC2 does not document which data types it checks); 1 to 10 image
  ids per call; paginated (MaxResults/NextToken). Image Builder recipes: moto
  has no Image Builder, so there are none.
- DeregisterImage refuses an image with deregistration protection, and with
  DeleteAssociatedSnapshots deletes the snapshots no other image uses,
  reporting the others `skipped` (or `missing-permissions` when DeleteSnapshot
  is denied).
- Enable/DisableImageDeregistrationProtection, with the 24-hour cooldown.
- lastLaunchedTime: set when an instance is launched from an image.

Pure functions over moto's backends; amisim.py routes the requests here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from images import ImageView, check_image_id, Ec2Fault, XMLNS, _text, bad_parameter, flag, numbered, protection

REFERENCE_IDS_MAX = 10
VERSION_DEPTH_DEFAULT = 10
VERSION_DEPTH_MAX = 10000
INSTANCE_STATES = {"pending", "running", "shutting-down", "terminated", "stopping", "stopped"}
RESOURCE_TYPES = {"ec2:Instance", "ec2:LaunchTemplate", "ssm:Parameter",
                  "imagebuilder:ImageRecipe", "imagebuilder:ContainerRecipe"}
PROTECTION_COOLDOWN = timedelta(hours=24)


def _not_found(image_id: str) -> Ec2Fault:
    return Ec2Fault("400 Bad Request", "InvalidAMIID.NotFound", f"The image id '[{image_id}]' does not exist")


# --- DescribeImageReferences -------------------------------------------------------

def _resource_types(params: dict) -> dict[str, dict[str, list[str]]]:
    """ResourceType.N.ResourceType with its ResourceTypeOption.M.{OptionName, OptionValue.K}."""
    types: dict[str, dict[str, list[str]]] = {}
    n = 1
    while f"ResourceType.{n}.ResourceType" in params:
        kind = params[f"ResourceType.{n}.ResourceType"][0]
        if kind not in RESOURCE_TYPES:
            raise bad_parameter(f"Invalid resource type: {kind}")
        options: dict[str, list[str]] = {}
        m = 1
        while f"ResourceType.{n}.ResourceTypeOption.{m}.OptionName" in params:
            name = params[f"ResourceType.{n}.ResourceTypeOption.{m}.OptionName"][0]
            options[name] = numbered(params, f"ResourceType.{n}.ResourceTypeOption.{m}.OptionValue")
            m += 1
        types[kind] = options
        n += 1
    return types


def _version_depth(options: dict[str, list[str]]) -> int:
    values = options.get("version-depth")
    if not values:
        return VERSION_DEPTH_DEFAULT
    try:
        depth = int(values[0])
    except ValueError:
        raise bad_parameter(f"Invalid version-depth: {values[0]}") from None
    if not 1 <= depth <= VERSION_DEPTH_MAX:
        raise bad_parameter(f"version-depth must be between 1 and {VERSION_DEPTH_MAX}")
    return depth


def _visible_to(image, account: str) -> bool:
    """Another account's image not shared with the caller is not found, as DescribeImages says."""
    return ImageView(image, account, datetime.now(timezone.utc)).available_to_caller()


def image_references(ec2, ssm, region: str, account: str, params: dict, page_size: int) -> tuple[list, str | None]:
    """The references to the asked images, one page, and the next page's token."""
    ids = numbered(params, "ImageId")
    if not ids:
        raise Ec2Fault("400 Bad Request", "MissingParameter", "The request must contain the parameter ImageId")
    for image_id in ids:
        check_image_id(image_id)
    if params.get("MaxResults"):
        # The model's range (botocore: min 5, max 1000); the Rust SDK does not check it.
        asked_size = int(params["MaxResults"][0])
        if not 5 <= asked_size <= 1000:
            raise bad_parameter(f"Value ({asked_size}) for parameter MaxResults is invalid. "
                                "Expecting a value between 5 and 1000.")
    if len(ids) > REFERENCE_IDS_MAX:
        raise bad_parameter(f"ImageId: at most {REFERENCE_IDS_MAX} image IDs, got {len(ids)}")
    for image_id in ids:
        image = ec2.amis.get(image_id)
        if image is None or image.state == "deregistered" or not _visible_to(image, account):
            raise _not_found(image_id)
    asked = _resource_types(params)
    if flag(params, "IncludeAllResourceTypes"):
        # Defaults for every type; options given with ResourceTypes override them.
        asked = {kind: asked.get(kind, {}) for kind in RESOURCE_TYPES}
    elif not asked:
        raise Ec2Fault("400 Bad Request", "MissingParameter",
                       "Either IncludeAllResourceTypes or ResourceTypes must be specified")
    wanted = set(ids)
    found: list[tuple[str, str, str]] = []
    if "ec2:Instance" in asked:
        states = set(asked["ec2:Instance"].get("state-name") or INSTANCE_STATES)
        for reservation in ec2.reservations.values():
            for instance in reservation.instances:
                if instance.image_id in wanted and instance.state in states:
                    found.append((instance.image_id, "ec2:Instance",
                                  f"arn:aws:ec2:{region}:{account}:instance/{instance.id}"))
    if "ec2:LaunchTemplate" in asked:
        depth = _version_depth(asked["ec2:LaunchTemplate"])
        for template in ec2.launch_templates.values():
            recent = template.versions[-depth:]
            for image_id in sorted({v.image_id for v in recent} & wanted):
                found.append((image_id, "ec2:LaunchTemplate",
                              f"arn:aws:ec2:{region}:{account}:launch-template/{template.id}"))
    if "ssm:Parameter" in asked and ssm is not None:
        for name, versions in list(ssm._parameters.items()):
            if not versions:
                continue
            latest = versions[-1]
            if latest.data_type == "aws:ec2:image" and latest.value in wanted:
                found.append((latest.value, "ssm:Parameter",
                              f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"))
    offset = 0
    token = (params.get("NextToken") or [""])[0]
    if token:
        try:
            offset = int(token.removeprefix("amisim-refs-"))
        except ValueError:
            raise bad_parameter("Invalid NextToken") from None
    size = page_size
    if params.get("MaxResults"):
        size = min(size, max(1, int(params["MaxResults"][0])))
    page = found[offset:offset + size]
    next_token = f"amisim-refs-{offset + size}" if offset + size < len(found) else None
    return page, next_token


def image_references_xml(page: list, next_token: str | None) -> bytes:
    items = "".join(f"<item>{_text('imageId', i)}{_text('resourceType', t)}{_text('arn', a)}</item>"
                    for i, t, a in page)
    token = _text("nextToken", next_token) if next_token else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImageReferencesResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><imageReferenceSet>{items}</imageReferenceSet>{token}"
            "</DescribeImageReferencesResponse>").encode()


# --- deregistration protection -------------------------------------------------------

def is_protected(image) -> bool:
    return protection(image) != "disabled"


def set_protection(image, enable: bool, with_cooldown: bool, now: datetime) -> None:
    current = getattr(image, "deregistration_protection", None) or "disabled"
    if enable:
        image.deregistration_protection = "enabled-with-cooldown" if with_cooldown else "enabled-without-cooldown"
        image.protection_until = None
    else:
        if current == "enabled-with-cooldown":
            image.protection_until = now + PROTECTION_COOLDOWN
        image.deregistration_protection = "disabled"


def protection_xml(action: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><return>true</return></{action}Response>").encode()


# --- DeregisterImage -------------------------------------------------------------------

def snapshot_users(ec2, snapshot_id: str, except_image: str) -> list[str]:
    return [i.id for i in ec2.amis.values()
            if i.id != except_image and i.state != "deregistered"
            and getattr(getattr(i, "ebs_snapshot", None), "id", None) == snapshot_id]


def owned_image(amis: dict, params: dict, account: str, hidden: set | frozenset = frozenset()):
    """The image a request's ImageId names, if it exists, is visible and is
    the caller's: MissingParameter, InvalidAMIID.Malformed, InvalidAMIID.NotFound
    or AuthFailure otherwise, as EC2 answers the actions that change an image."""
    image_id = (params.get("ImageId") or [""])[0]
    if not image_id:
        raise Ec2Fault("400 Bad Request", "MissingParameter", "The request must contain the parameter ImageId")
    check_image_id(image_id)
    image = amis.get(image_id)
    if image is None or image.state == "deregistered" or image_id in hidden:
        raise _not_found(image_id)
    not_yours(image, account)
    return image


def not_yours(image, account: str) -> None:
    """Changing another account's image (DeregisterImage, deregistration
    protection, ModifyImageAttribute) is AuthFailure, "Not authorized for
    image:ami-…", even where you may launch it (the HTTP status, 400, is the
    simulator's choice: EC2's error reference gives the code alone)."""
    if getattr(image, "owner_id", account) != account:
        raise Ec2Fault("400 Bad Request", "AuthFailure", f"Not authorized for image:{image.id}")


def deregister_checks(ec2, image_id: str, account: str):
    """The image DeregisterImage would act on, or EC2's refusal. An image
    deregistered a moment ago (still shown as `deregistered`) is
    InvalidAMIID.Unavailable, EC2's "the specified AMI has been deregistered
    and is no longer available"; once it is gone, InvalidAMIID.NotFound."""
    check_image_id(image_id)
    image = ec2.amis.get(image_id)
    if image is None:
        raise _not_found(image_id)
    not_yours(image, account)
    if image.state == "deregistered":
        raise Ec2Fault("400 Bad Request", "InvalidAMIID.Unavailable",
                       f"The image id '[{image_id}]' is no longer available")
    if is_protected(image):
        raise Ec2Fault("400 Bad Request", "OperationNotPermitted",
                       f"The image {image_id} has deregistration protection enabled "
                       f"({protection(image)}); disable it before deregistering the image")
    return image


def delete_snapshots(ec2, image, may_delete: bool) -> list[tuple[str, str]]:
    """DeleteAssociatedSnapshots: per snapshot, success, skipped (another image
    uses it) or missing-permissions."""
    snapshot = getattr(image, "ebs_snapshot", None)
    if snapshot is None:
        return []
    if snapshot_users(ec2, snapshot.id, image.id):
        return [(snapshot.id, "skipped")]
    if not may_delete:
        return [(snapshot.id, "missing-permissions")]
    ec2.snapshots.pop(snapshot.id, None)
    return [(snapshot.id, "success")]


def deregister_xml(results: list[tuple[str, str]] | None) -> bytes:
    snapshots = ""
    if results is not None:
        items = "".join(f"<item>{_text('snapshotId', s)}{_text('returnCode', c)}</item>" for s, c in results)
        snapshots = f"<deleteSnapshotResultSet>{items}</deleteSnapshotResultSet>"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DeregisterImageResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><return>true</return>{snapshots}"
            "</DeregisterImageResponse>").encode()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
