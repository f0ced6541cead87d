"""Retiring an image in stages, as EC2 documents it (API reference,
EnableImageDeprecation, DisableImageDeprecation, DisableImage, EnableImage;
user guide, "Deprecate an AMI", "Disable an AMI"): the parts moto lacks.

- EnableImageDeprecation: DeprecateAt in UTC; "if you specify a value for
  seconds, Amazon EC2 rounds the seconds to the nearest minute"; "you can't
  specify a date in the past"; at most 10 years from now, and for a public
  image at most 2 years from its creation date. The simulator refuses a
  rounded date before the current minute (so that "now" rounded down is not
  in the past) with `InvalidParameterValue` (EC2 documents neither the code
  nor the tolerance: the simulator's choice).
- DisableImageDeprecation: cancels it.
- DisableImage: the image becomes `disabled` and loses every launch
  permission (public, accounts, organizations, OUs): "if an AMI was public or
  previously shared, it is made private". EnableImage makes it `available`
  again and does not give the permissions back ("they do not regain access
  automatically"). Only the owner may do either (another account's image:
  AuthFailure); enabling an image that is not disabled, or disabling a
  disabled one, succeeds and changes nothing (the simulator's choice).

Pure functions over moto's images; amisim.py routes the requests here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from images import XMLNS, Ec2Fault, bad_parameter
from usage import owned_image

DEPRECATION_MAX = timedelta(days=3652)  # 10 years
PUBLIC_DEPRECATION_MAX = timedelta(days=730)  # 2 years from creation


def _answer(action: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><return>true</return></{action}Response>").encode()


def rounded_to_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor + timedelta(minutes=1) if moment - floor >= timedelta(seconds=30) else floor


def enable_deprecation(amis: dict, params: dict, account: str, now: datetime) -> bytes:
    image = owned_image(amis, params, account)
    text = (params.get("DeprecateAt") or [""])[0]
    if not text:
        raise Ec2Fault("400 Bad Request", "MissingParameter", "The request must contain the parameter DeprecateAt")
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_parameter(f"Value ({text}) for parameter DeprecateAt is invalid.") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    at = rounded_to_minute(at.astimezone(timezone.utc))
    if at < now.replace(second=0, microsecond=0):
        raise bad_parameter(f"The deprecation time {at.isoformat()} is in the past.")
    if at > now + DEPRECATION_MAX:
        raise bad_parameter("The deprecation time can be at most 10 years from now.")
    created = image.creation_date
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    if image.is_public and created is not None:
        created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
        if at > created + PUBLIC_DEPRECATION_MAX:
            raise bad_parameter("The deprecation time of a public AMI can be at most 2 years from its creation date.")
    image.deprecation_time = at
    return _answer("EnableImageDeprecation")


def disable_deprecation(amis: dict, params: dict, account: str) -> bytes:
    image = owned_image(amis, params, account)
    image.deprecation_time = None
    return _answer("DisableImageDeprecation")


def disable_image(amis: dict, params: dict, account: str) -> bytes:
    image = owned_image(amis, params, account)
    image.state = "disabled"
    image.launch_permissions.clear()
    return _answer("DisableImage")


def enable_image(amis: dict, params: dict, account: str) -> bytes:
    image = owned_image(amis, params, account)
    if image.state == "disabled":
        image.state = "available"
    return _answer("EnableImage")
