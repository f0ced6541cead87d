"""Who may launch an image, as EC2 documents it: the parts of image sharing
moto lacks or gets wrong and amitools depends on.

- Launch permissions of four kinds (EC2's LaunchPermission): an account id
  (`UserId`), the `all` group (public), an organization ARN and an
  organizational unit ARN; seeded with `launch_permissions` or added later
  (`POST launch-permissions`).
- DescribeImageAttribute `launchPermission` answers only the image's owner:
  another account's image is `AuthFailure` "Not authorized for
  image:ami-…" (as EC2 answers it: cloudquery/cloudquery#9406, and the EC2
  user guide's advice to use DescribeImages instead); a malformed id is
  `InvalidAMIID.Malformed`, an unknown or deregistered one
  `InvalidAMIID.NotFound`.

Pure functions over moto's images; amisim.py routes the requests here.
"""

from __future__ import annotations

import re
import uuid

from images import XMLNS, Ec2Fault, _text, numbered
from usage import owned_image

# The ARN patterns EC2 Image Builder documents for the same permissions
# (LaunchPermissionConfiguration), which EC2 takes.
ORGANIZATION_ARN = re.compile(r"^arn:aws[^:]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$")
OU_ARN = re.compile(r"^arn:aws[^:]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$")
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")

KINDS = ("UserId", "Group", "OrganizationArn", "OrganizationalUnitArn")


def checked_permission(permission: dict) -> dict:
    """One launch permission, as moto keeps them ({"UserId": "…"}, …), or ValueError."""
    if len(permission) != 1 or next(iter(permission)) not in KINDS:
        raise ValueError(f"a launch permission names exactly one of {', '.join(KINDS)}: {permission!r}")
    kind, value = next(iter(permission.items()))
    valid = {
        "UserId": ACCOUNT_ID.match(value or ""),
        "Group": value == "all",
        "OrganizationArn": ORGANIZATION_ARN.match(value or ""),
        "OrganizationalUnitArn": OU_ARN.match(value or ""),
    }[kind]
    if not valid:
        raise ValueError(f"not a valid {kind}: {value!r}")
    return {kind: value}


def add_permissions(image, permissions: list[dict]) -> None:
    for permission in permissions:
        permission = checked_permission(permission)
        if permission not in image.launch_permissions:
            image.launch_permissions.append(permission)


def describe_image_attribute(amis: dict, params: dict, account: str, hidden: set) -> bytes:
    """DescribeImageAttribute for Attribute=launchPermission."""
    image = owned_image(amis, params, account, hidden)
    image_id = image.id
    items = []
    for permission in image.launch_permissions:
        kind, value = next(iter(permission.items()))
        tag = {"UserId": "userId", "Group": "group", "OrganizationArn": "organizationArn",
               "OrganizationalUnitArn": "organizationalUnitArn"}[kind]
        items.append(f"<item>{_text(tag, value)}</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImageAttributeResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId>{_text('imageId', image_id)}"
            f"<launchPermission>{''.join(items)}</launchPermission></DescribeImageAttributeResponse>").encode()


# --- changing who may launch or copy an image ------------------------------------
#
# - ModifyImageAttribute adding a launch permission to an image whose snapshot
#   is encrypted with the AWS managed key (aws/ebs): `InvalidParameter`
#   "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify
#   another snapshot." (as users report it: hashicorp/packer#7410); making it
#   public while image block public access is on: `OperationNotPermitted`
#   (the message as users report it: aws-deepracer-community/deepracer-on-the-spot#106);
#   making public an image with encrypted snapshots, or a snapshot that is
#   encrypted: refused (the user guide says EC2 does not; the code,
#   `InvalidParameter`, and the wording are the simulator's choice).
# - ModifySnapshotAttribute `createVolumePermission` for a snapshot encrypted
#   with the AWS managed key: `OperationNotPermitted` "Encrypted snapshots with
#   EBS default key cannot be shared" (hashicorp/packer#7499). Both request
#   forms EC2 documents are taken: `CreateVolumePermission.Add/Remove.N.UserId|Group`
#   and `OperationType` with `UserId.N`/`UserGroup.N` (moto reads only the second).
# - GetImageBlockPublicAccessState: `block-new-sharing` or `unblocked` (config
#   `image_block_public_access`), managed by the account.

MANAGED_KEY_IMAGE = ("400 Bad Request", "InvalidParameter",
                     "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.")
MANAGED_KEY_SNAPSHOT = ("400 Bad Request", "OperationNotPermitted",
                        "Encrypted snapshots with EBS default key cannot be shared")
PUBLIC_BLOCKED = ("400 Bad Request", "OperationNotPermitted",
                  "You can\u2019t publicly share this image because block public access for AMIs is enabled for this "
                  "account. To publicly share the image, you must call the DisableImageBlockPublicAccess API.")
ENCRYPTED_PUBLIC_IMAGE = ("400 Bad Request", "InvalidParameter",
                          "Images with encrypted snapshots cannot be made public.")
ENCRYPTED_PUBLIC_SNAPSHOT = ("400 Bad Request", "InvalidParameter",
                             "Encrypted snapshots cannot be made public.")


def _listed(params: dict, prefix: str) -> list[dict]:
    """`Prefix.N.Field` entries as dicts, in N's order."""
    entries: dict[int, dict] = {}
    for key, values in params.items():
        if key.startswith(prefix + "."):
            number, _, field = key[len(prefix) + 1:].partition(".")
            if number.isdigit() and field:
                entries.setdefault(int(number), {})[field] = values[0]
    return [entries[n] for n in sorted(entries)]


def launch_permission_changes(params: dict) -> tuple[list[dict], list[dict]]:
    """ModifyImageAttribute's launch permissions to add and to remove, in either form."""
    add, remove = _listed(params, "LaunchPermission.Add"), _listed(params, "LaunchPermission.Remove")
    operation = (params.get("OperationType") or [""])[0]
    if operation in ("add", "remove"):
        legacy = ([{"UserId": u} for u in numbered(params, "UserId")]
                  + [{"Group": g} for g in numbered(params, "UserGroup")]
                  + [{"OrganizationArn": a} for a in numbered(params, "OrganizationArn")]
                  + [{"OrganizationalUnitArn": a} for a in numbered(params, "OrganizationalUnitArn")])
        (add if operation == "add" else remove).extend(legacy)
    return add, remove


def _fault(answer: tuple) -> Ec2Fault:
    return Ec2Fault(*answer)


def _checked_all(permissions: list[dict]) -> list[dict]:
    try:
        return [checked_permission(p) for p in permissions]
    except ValueError as bad:
        raise Ec2Fault("400 Bad Request", "InvalidParameterValue", str(bad)) from None


def check_image_sharing(image, params: dict, managed_keys: set, public_blocked: bool) -> None:
    """ModifyImageAttribute's launch permissions: refused as EC2 refuses them (before moto applies them)."""
    add, remove = launch_permission_changes(params)
    add, _ = _checked_all(add), _checked_all(remove)
    if not add:
        return
    snapshot = getattr(image, "ebs_snapshot", None)
    if snapshot is not None and snapshot.kms_key_id and snapshot.kms_key_id in managed_keys:
        raise _fault(MANAGED_KEY_IMAGE)
    if {"Group": "all"} in add and not image.is_public:
        if snapshot is not None and snapshot.encrypted:
            raise _fault(ENCRYPTED_PUBLIC_IMAGE)
        if public_blocked:
            raise _fault(PUBLIC_BLOCKED)


def volume_permission_changes(params: dict) -> tuple[list[dict], list[dict]]:
    add = _listed(params, "CreateVolumePermission.Add")
    remove = _listed(params, "CreateVolumePermission.Remove")
    operation = (params.get("OperationType") or [""])[0]
    if operation in ("add", "remove"):
        legacy = ([{"UserId": u} for u in numbered(params, "UserId")]
                  + [{"Group": g} for g in numbered(params, "UserGroup")])
        (add if operation == "add" else remove).extend(legacy)
    return add, remove


def modify_snapshot_attribute(snapshots: dict, params: dict, account: str, managed_keys: set) -> bytes:
    """ModifySnapshotAttribute createVolumePermission, both request forms."""
    snapshot_id = (params.get("SnapshotId") or [""])[0]
    snapshot = snapshots.get(snapshot_id)
    if snapshot is None:
        raise Ec2Fault("400 Bad Request", "InvalidSnapshot.NotFound", f"The snapshot '{snapshot_id}' does not exist.")
    if getattr(snapshot, "owner_id", account) != account:
        raise Ec2Fault("400 Bad Request", "AuthFailure", f"Not authorized for snapshot:{snapshot_id}")
    add, remove = volume_permission_changes(params)
    for permission in add + remove:
        kind, value = next(iter(permission.items())) if len(permission) == 1 else ("?", None)
        if not ((kind == "UserId" and ACCOUNT_ID.match(value or "")) or (kind == "Group" and value == "all")):
            raise Ec2Fault("400 Bad Request", "InvalidParameterValue",
                           f"not a create-volume permission: {permission!r} (an account id or the group all)")
    if add and snapshot.encrypted and snapshot.kms_key_id in managed_keys:
        raise _fault(MANAGED_KEY_SNAPSHOT)
    if {"Group": "all"} in add and snapshot.encrypted:
        raise _fault(ENCRYPTED_PUBLIC_SNAPSHOT)
    for permission in add:
        if "UserId" in permission:
            snapshot.create_volume_permission_userids.add(permission["UserId"])
        else:
            snapshot.create_volume_permission_groups.add("all")
    for permission in remove:
        if "UserId" in permission:
            snapshot.create_volume_permission_userids.discard(permission["UserId"])
        else:
            snapshot.create_volume_permission_groups.discard("all")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<ModifySnapshotAttributeResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><return>true</return></ModifySnapshotAttributeResponse>").encode()


def block_public_access_xml(state: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<GetImageBlockPublicAccessStateResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId>{_text('imageBlockPublicAccessState', state)}"
            f"{_text('managedBy', 'account')}</GetImageBlockPublicAccessStateResponse>").encode()
