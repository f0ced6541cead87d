#!/usr/bin/env python3
"""amisim: a local EC2 endpoint for amitools' tests, demo and benchmarks.

moto does the EC2 bookkeeping; this wrapper makes it behave like real EC2
where amitools depends on the difference, injects faults, counts requests
and exposes a small JSON control API under /_sim/. See sim/README.md.

Loopback only: it binds 127.0.0.1 and never talks to the network.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from urllib.parse import parse_qs

# moto reads these at import time: no default AMI catalogue (faster start, and
# tests see only images they made, plus the one base image per region below).
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "sim")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "sim")

from werkzeug.serving import make_server  # noqa: E402

from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.ec2.models import ec2_backends  # noqa: E402
from moto.ec2.models.amis import Ami, AmiBackend  # noqa: E402
from moto.ec2.models.core import TaggedEC2Resource  # noqa: E402
from moto.ec2.responses.amis import AmisResponse  # noqa: E402
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix, random_ami_id  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import images as ec2_images  # noqa: E402
import ratelimits  # noqa: E402
import rbin  # noqa: E402
import retirement  # noqa: E402
import sharing  # noqa: E402
import watermarks  # noqa: E402
import usage_reports  # noqa: E402
import usage  # noqa: E402
from moto.autoscaling.models import autoscaling_backends  # noqa: E402
from moto.kms.models import kms_backends  # noqa: E402
from moto.ec2.models.instances import InstanceBackend  # noqa: E402
from moto.ssm.models import ssm_backends  # noqa: E402

ACCOUNT = DEFAULT_ACCOUNT_ID
# Images in this set of EC2 states never change by themselves.
TERMINAL_STATES = {"available", "failed", "error", "invalid", "deregistered", "disabled"}


class Config:
    """Knobs a test can turn at run time through POST /_sim/config."""

    FIELDS = {
        # seconds a new image stays `pending` before it becomes `available`
        "pending_seconds": 2.0,
        # seconds a new image stays invisible to DescribeImages after creation
        "invisible_seconds": 0.0,
        # added to every EC2 request
        "latency_ms": 0,
        # fractions of EC2 requests answered with 503 RequestLimitExceeded / 500 InternalError
        "throttle_rate": 0.0,
        "error_rate": 0.0,
        # fraction of successful EC2 requests whose response is lost: the
        # request takes effect, the client sees 500 InternalError
        "lost_response_rate": 0.0,
        # the answers to the next N requests (of fault_actions) are lost if they succeed, as with lost_response_rate
        "lose_next_responses": 0,
        # limit faults to these actions (empty: all)
        "fault_actions": [],
        # actions answered with UnauthorizedOperation
        "deny_actions": [],
        # CopyImage ignores ClientToken (as moto does): a retry then meets the name in use
        "ignore_client_token": False,
        # the next N CreateImage/CopyImage calls fail with InvalidAMIName.Duplicate
        "duplicate_names": 0,
        # seconds a deregistered image is still shown, as `deregistered`, before it is gone
        "deregistered_seconds": 0.0,
        # once gone, seconds DescribeImages naming it in ImageIds answers an empty
        # list (HTTP 200) before InvalidAMIID.NotFound — and never NotFound while an
        # instance launched from it is not terminated (botocore's DescribeImages
        # documentation); EC2 documents no duration: 0 unless a test asks
        "deregistered_empty_seconds": 0.0,
        # seconds before a launch shows in the image's lastLaunchedTime: EC2
        # reports it up to 24 hours late; 0 (at once) unless a test asks
        "last_launched_delay_seconds": 0.0,
        # seconds a terminated instance stays visible (DescribeInstances,
        # DescribeImageReferences): "approximately one hour" (TerminateInstances)
        "terminated_visible_seconds": 3600.0,
        # the largest DescribeImages page, whatever MaxResults asks (EC2 may return fewer)
        "page_size": 1000,
        # added per image a DescribeImages answer carries: on EC2 a 1,000-image page is not free
        "image_latency_ms": 0.0,
        # access key ids accepted (null: any signed request); another is refused with 401 AuthFailure
        "valid_access_keys": None,
        # access key id -> secret: requests signed by these keys must carry a
        # valid Signature Version 4 (else 403 SignatureDoesNotMatch)
        "signing_secrets": {},
        # access key ids whose credentials have expired: 400 RequestExpired
        "expired_access_keys": [],
        # the instance-metadata service (IMDSv2) under /latest/: the region it
        # reports, and the role whose credentials it hands out (null: none)
        "imds_region": None,
        "imds_role": None,
        # actions this endpoint does not know (400 InvalidAction), e.g. GetImageAncestry
        # in a partition that lacks it
        "unsupported_actions": [],
        # regions whose requests are refused (403 UnauthorizedOperation, as an
        # organisation policy denying a region answers)
        "deny_regions": [],
        # a broken or hostile endpoint, for the actions in fault_actions (all if
        # empty): "redirect" (301 to elsewhere), "huge_error" (a 100 KB, many-line
        # error message), "endless_body" (a 200 whose body never ends; bounded
        # at 1 GiB or 60 s), "silent" (accepts, never answers; bounded at 120 s),
        # "repeat_next_token" (DescribeImages pages hand back the same NextToken),
        # "fresh_next_token" (every DescribeImages page is the first page again,
        # with a NextToken never seen before), "truncated" (a successful answer
        # cut short after its first `…Set>` opening tag, or in the middle:
        # well-framed, closing tags missing), "control_code" (every request
        # fails with an error code holding a newline, U+009B and U+202E; on the
        # JSON services, ESC sequences and BEL), "crowded_page" (a 12 MB
        # DescribeImages answer of one image with 300,000 tags)
        "endpoint_fault": None,
        # DescribeRegions names every region twice
        "duplicate_regions": False,
        # seconds a deregistered image's name stays taken (InvalidAMIName.Duplicate);
        # EC2 documents no duration: 0, off, unless a test asks
        "name_reserved_seconds": 0.0,
        # EC2's request throttling (sim/ratelimits.py): null (off), true (the
        # documented token buckets), or {"capacity_scale", "refill_scale",
        # "actions": {Action: [capacity, refill]}}
        "rate_limits": None,
        # the account's image block public access in every region: "unblocked"
        # or "block-new-sharing" (GetImageBlockPublicAccessState; EC2's default
        # for accounts is unblocked, new regions may start blocked)
        "image_block_public_access": "unblocked",
        # seconds an AMI usage report stays pending before it is available
        # (EC2 documents no time: 0 unless a test asks), and the images whose
        # reports end in the error state
        "usage_report_seconds": 0.0,
        "usage_report_errors": [],
        # STS AssumeRole: null, any role ARN (as moto: the role need not exist);
        # else only these role ARNs, another refused with 403 AccessDenied (the
        # role does not exist or does not trust the caller: STS says the same)
        "assumable_roles": None,
        # accounts whose every request is refused with 403 UnauthorizedOperation
        # (an organisation policy denying the account), whoever signs it
        "deny_accounts": [],
        # account id -> actions refused (403 UnauthorizedOperation) to
        # requests acting in that account: a role allowed to read, not change
        "deny_account_actions": {},
        # the most AMI copies an account may have in progress (pending) into
        # one destination region; CopyImage beyond it: ResourceLimitExceeded.
        # EC2's limit is a per-account quota it does not state in the API
        # reference: null (no limit) unless a test asks
        "copies_in_flight_max": None,
        "seed": None,
    }

    def __init__(self) -> None:
        for key, value in self.FIELDS.items():
            setattr(self, key, value)
        self.rng = random.Random()

    def update(self, changes: dict) -> None:
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        for key, value in changes.items():
            setattr(self, key, value)
        if "seed" in changes:
            self.rng = random.Random(self.seed)

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in self.FIELDS}


class Sim:
    """The simulator's state beside moto's: timings, stats, configuration."""

    def __init__(self) -> None:
        self.config = Config()
        self.lock = threading.RLock()
        self.stats: Counter = Counter()
        self.stats_by_region: dict[str, Counter] = defaultdict(Counter)
        # requests per account whose credentials signed them (moto's issued
        # AssumeRole keys act in the role's account)
        self.stats_by_account: dict[str, Counter] = defaultdict(Counter)
        # requests per "ACCOUNT REGION": how many rounds one account-region took
        self.stats_by_account_region: Counter = Counter()
        # requests being answered now, and the most at once, per region (every service)
        self.in_flight: Counter = Counter()
        self.in_flight_max: Counter = Counter()
        self.faults = 0
        # (region, name) -> (deregistered image id, until when the name stays taken)
        self.reserved_names: dict[tuple[str, str], tuple[str, float]] = {}
        # EC2's request throttling: the buckets (the account's state) and the requests refused
        self.rate_limits = ratelimits.RateLimits()
        self.throttled: Counter = Counter()
        # image id -> (region, monotonic time it becomes available)
        self.pending: dict[str, tuple[str, float]] = {}
        # ARNs of the AWS managed keys (aws/ebs) snapshots are encrypted with: EC2 refuses to share them
        self.managed_keys: set[str] = set()
        # AMI usage reports per region (report id -> usage_reports.Report), and
        # the other accounts' uses they are made from (POST other-account-use)
        self.usage_reports: dict[str, dict] = defaultdict(dict)
        self.other_uses: dict[str, list[dict]] = defaultdict(list)
        # image id -> (region, monotonic time it becomes visible)
        self.invisible: dict[str, tuple[str, float]] = {}
        # images returned per action (DescribeImages payload), beside the request counts
        self.images_returned: Counter = Counter()
        # EC2 requests per access key id that signed them; metadata requests per path
        self.access_keys: Counter = Counter()
        self.imds_requests: Counter = Counter()
        self.imds_tokens: set[str] = set()
        # what EC2 records about each image's origin, kept after deregistration
        self.ancestry: dict[str, ec2_images.AncestryRecord] = {}
        # (region, viewing account) -> filter indexes; dropped whenever anything may have changed
        self.indexes: dict[tuple[str, str], ec2_images.Index] = {}
        # (region, ClientToken) -> (image id, (source, source region, name)) of CopyImage
        self.copy_tokens: dict = {}
        # snapshot id -> (monotonic start, end): a new image's snapshot filling up
        self.filling: dict[str, tuple[float, float]] = {}
        # images made by CopyImage (while pending, they count against copies_in_flight_max)
        self.copies: set[str] = set()
        # (id, image) taken out of moto for the current request (not visible yet)
        self.hidden_now: list = []
        # image id -> (region, monotonic time it is gone): deregistered, still shown
        self.deregistering: dict[str, tuple[str, float]] = {}
        # image id -> (region, monotonic time before which it is not NotFound):
        # gone, and named in ImageIds answered with an empty list
        self.gone_quietly: dict[str, tuple[str, float]] = {}
        # launches not yet in their image's lastLaunchedTime: (image, time, monotonic time reported)
        self.launch_reports: list[tuple[Ami, datetime, float]] = []
        # instance id -> (region, monotonic time terminated, account): visible for a while, then gone
        self.terminated: dict[str, tuple[str, float, str]] = {}
        # (region, account) -> Recycle Bin retention rules (see sim/rbin.py)
        self.rbin_rules: dict[tuple[str, str], list[dict]] = defaultdict(list)

    def changed(self) -> None:
        self.indexes.clear()

    def index(self, region: str) -> ec2_images.Index:
        key = (region, caller())
        if key not in self.indexes:
            self.indexes[key] = ec2_images.Index(self.backend(region).amis, key[1])
        return self.indexes[key]

    def record_origin(self, region: str, image) -> None:
        self.ancestry[image.id] = ec2_images.AncestryRecord(
            image.id, region, getattr(image, "source_image_id", None),
            getattr(image, "source_image_region", None), image.creation_date, image.owner_alias)

    # --- realism -------------------------------------------------------
    def backend(self, region: str, account: str | None = None):
        """The EC2 backend of an account (the current request's caller unless
        named) in a region. Every account's backend in a region holds the same
        image dictionary: EC2 has one set of images per region, which each
        account sees through its own view (sim/images.py); instances, launch
        templates, snapshots and tags stay each account's own, as in moto."""
        account = account or caller()
        backend = ec2_backends[account][region]
        if account != ACCOUNT:
            images = ec2_backends[ACCOUNT][region].amis
            if backend.amis is not images:
                images.update(backend.amis)
                backend.amis = images
        return backend

    def advance(self) -> None:
        """Apply the state changes whose time has come."""
        now = time.monotonic()
        for image_id, (region, ready_at) in list(self.pending.items()):
            if now >= ready_at:
                image = self.backend(region).amis.get(image_id)
                if image is not None and image.state == "pending":
                    image.state = "available"
                if image is not None and self.filling.pop(image.ebs_snapshot.id, None) is not None:
                    image.ebs_snapshot.status = "completed"
                del self.pending[image_id]
        for image_id, (_, visible_at) in list(self.invisible.items()):
            if now >= visible_at:
                del self.invisible[image_id]
        for image_id, (region, gone_at) in list(self.deregistering.items()):
            if now >= gone_at:
                self.backend(region).amis.pop(image_id, None)
                del self.deregistering[image_id]
                self.gone_quietly[image_id] = (region, gone_at + float(self.config.deregistered_empty_seconds))
                self.changed()
        due = [report for report in self.launch_reports if now >= report[2]]
        self.launch_reports = [report for report in self.launch_reports if now < report[2]]
        for image, launched_at, _ in due:
            reported = getattr(image, "last_launched_time", None)
            image.last_launched_time = max(reported, launched_at) if reported else launched_at
        for instance_id, (region, terminated_at, account) in list(self.terminated.items()):
            if now - terminated_at >= float(self.config.terminated_visible_seconds):
                del self.terminated[instance_id]
                reservations = self.backend(region, account).reservations
                for reservation_id, reservation in list(reservations.items()):
                    reservation.instances = [i for i in reservation.instances if i.id != instance_id]
                    if not reservation.instances:
                        del reservations[reservation_id]
        for image_id, (region, not_found_at) in list(self.gone_quietly.items()):
            if now >= not_found_at and not self.launched_and_not_terminated(region, image_id):
                del self.gone_quietly[image_id]

    def accounts_uses(self, region: str, owner: str) -> list[dict]:
        """What the other accounts the simulator holds use in `region`, as an
        AMI usage report counts it: their instances (not terminated) and
        launch templates (any version) per image, besides POST other-account-use."""
        uses: Counter = Counter()
        for account in list(ec2_backends):
            if account == owner:
                continue
            backend = self.backend(region, account)
            for reservation in backend.reservations.values():
                for instance in reservation.instances:
                    if instance.state != "terminated":
                        uses[(instance.image_id, account, "ec2:Instance")] += 1
            for template in backend.launch_templates.values():
                for image_id in {version.image_id for version in template.versions}:
                    uses[(image_id, account, "ec2:LaunchTemplate")] += 1
        return [{"image_id": image_id, "account_id": account, "resource_type": kind, "count": count}
                for (image_id, account, kind), count in uses.items()]

    def launched_and_not_terminated(self, region: str, image_id: str) -> bool:
        """Whether an instance launched from the image still exists (not terminated)."""
        return any(instance.image_id == image_id and instance.state != "terminated"
                   for account in list(ec2_backends)
                   for reservation in self.backend(region, account).reservations.values()
                   for instance in reservation.instances)

    def deregister(self, region: str, image_id: str) -> bool:
        """Deregister as EC2 does: shown as `deregistered` for a while, then
        gone (its ancestry record stays)."""
        image = self.backend(region).amis.get(image_id)
        if image is None or image.state == "deregistered":
            return False
        image.state = "deregistered"
        if self.config.name_reserved_seconds and image.name:
            self.reserved_names[(region, image.name)] = (
                image_id, time.monotonic() + float(self.config.name_reserved_seconds))
        self.pending.pop(image_id, None)
        self.deregistering[image_id] = (region, time.monotonic() + float(self.config.deregistered_seconds))
        self.changed()
        self.advance()
        return True

    def on_new_image(self, region: str, image: Ami) -> None:
        now = time.monotonic()
        image.state = "pending"
        self.pending[image.id] = (region, now + float(self.config.pending_seconds))
        # Its snapshot fills while the image is pending (DescribeSnapshots' Progress).
        image.ebs_snapshot.status = "pending"
        self.filling[image.ebs_snapshot.id] = (now, now + float(self.config.pending_seconds))
        if self.config.invisible_seconds:
            self.invisible[image.id] = (region, now + float(self.config.invisible_seconds))

    def take_forced_duplicate(self) -> bool:
        if self.config.duplicate_names > 0:
            self.config.duplicate_names -= 1
            return True
        return False

    @contextmanager
    def hide_invisible_images(self):
        """Take not-yet-visible images out of moto for the length of a request
        (they still hold their names: see _check_name_free)."""
        hidden = []
        for image_id, (region, _) in self.invisible.items():
            amis = self.backend(region).amis
            if image_id in amis:
                hidden.append((amis, image_id, amis.pop(image_id)))
        self.hidden_now = [(image_id, image) for _, image_id, image in hidden]
        try:
            yield
        finally:
            self.hidden_now = []
            for amis, image_id, image in hidden:
                amis[image_id] = image


SIM = Sim()


# --- moto patches: EC2 behaviour moto lacks -----------------------------------

def _check_name_free(backend, name: str | None) -> None:
    """EC2 refuses a name in use, naming the image that holds it — also one
    that DescribeImages does not show yet."""
    from moto.ec2.exceptions import EC2ClientError

    candidates = list(backend.amis.values()) + [image for _, image in SIM.hidden_now]
    holder = next((image for image in candidates
                   if name is not None and image.name == name and image.state != "deregistered"), None)
    if holder is not None:
        raise EC2ClientError("InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {holder.id}")
    reserved = SIM.reserved_names.get((getattr(backend, "region_name", ""), name)) if name else None
    if reserved is not None and time.monotonic() < reserved[1]:
        raise EC2ClientError("InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {reserved[0]}")
    if SIM.take_forced_duplicate():
        raise EC2ClientError("InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI in this region")


def _split_tag_specs(tag_specs: list[dict]) -> tuple[list[dict], list[dict]]:
    """(image tags, snapshot tags) from TagSpecifications; moto rejects snapshot ones."""
    from moto.ec2.exceptions import InvalidTaggableResourceType

    image_tags, snapshot_tags = [], []
    for spec in tag_specs:
        kind = spec.get("ResourceType")
        if kind == "image":
            image_tags += spec.get("Tags", [])
        elif kind == "snapshot":
            snapshot_tags += spec.get("Tags", [])
        else:
            raise InvalidTaggableResourceType(kind)
    return image_tags, snapshot_tags


def _apply_tags(resource, tags: list[dict]) -> None:
    for tag in tags:
        resource.add_tag(tag["Key"], tag.get("Value", ""))


_moto_create_image = AmiBackend.create_image


def create_image(self, instance_id, name, description, tag_specifications):
    _check_name_free(self, name)
    image_tags, snapshot_tags = _split_tag_specs(tag_specifications)
    image = _moto_create_image(
        self, instance_id, name, description,
        tag_specifications=[{"ResourceType": "image", "Tags": image_tags}],
    )
    _apply_tags(image.ebs_snapshot, snapshot_tags)
    instance = self.get_instance(instance_id)
    # EC2 copies the watermarks of the image the instance was launched from.
    watermarks.inherit(image, self.amis.get(instance.image_id))
    # What real EC2 records about an image made by CreateImage.
    image.source_instance_id_recorded = instance_id
    image.source_image_id = instance.image_id
    image.source_image_region = self.region_name
    SIM.on_new_image(self.region_name, image)
    SIM.record_origin(self.region_name, image)
    return image


AmiBackend.create_image = create_image
# moto's Ami exposes source_instance_id from its own instance link; real EC2
# shows SourceInstanceId only for images made by CreateImage.
Ami.source_instance_id = property(lambda self: getattr(self, "source_instance_id_recorded", None))


def copy_image(self) -> object:
    """CopyImage with what moto ignores: TagSpecifications, CopyImageTags, duplicate names."""
    from moto.core.responses import ActionResult

    source_image_id = self._get_param("SourceImageId")
    source_region = self._get_param("SourceRegion")
    name = self._get_param("Name")
    description = self._get_param("Description")
    copy_tags = str(self._get_param("CopyImageTags", False)).lower() == "true"
    tag_specs = self._get_param("TagSpecifications", [])
    self.error_on_dryrun()

    backend = self.ec2_backend
    # EC2's idempotency: the same ClientToken gets the same image back (what
    # a retry after a lost answer meets), the same token with other
    # parameters is refused.
    token = self._get_param("ClientToken")
    fingerprint = (source_image_id, source_region, name)
    if token and not SIM.config.ignore_client_token:
        from moto.ec2.exceptions import EC2ClientError

        seen = SIM.copy_tokens.get((backend.region_name, token))
        if seen is not None:
            if seen[1] != fingerprint:
                raise EC2ClientError("IdempotentParameterMismatch",
                                     "The client token has already been used with different parameters.")
            return ActionResult({"ImageId": seen[0]})
    _check_name_free(backend, name)
    limit = SIM.config.copies_in_flight_max
    if limit is not None:
        from moto.ec2.exceptions import EC2ClientError

        in_flight = sum(1 for image_id, (region, _) in SIM.pending.items()
                        if region == backend.region_name and image_id in SIM.copies
                        and getattr(backend.amis.get(image_id), "owner_id", None) == caller())
        if in_flight >= int(limit):
            raise EC2ClientError("ResourceLimitExceeded",
                                 f"Too many AMI copies in progress. The limit is {int(limit)} for this destination region.")
    image_tags, snapshot_tags = _split_tag_specs(tag_specs)
    source = SIM.backend(source_region).describe_images(ami_ids=[source_image_id])[0]
    if not ec2_images.ImageView(source, caller(), datetime.now(timezone.utc)).available_to_caller():
        # Another account's image not shared with the caller: EC2 does not show it.
        from moto.ec2.exceptions import EC2ClientError

        raise EC2ClientError("InvalidAMIID.NotFound", f"The image id '[{source_image_id}]' does not exist")
    image = backend.copy_image(source_image_id, source_region, name, description)
    if copy_tags:
        # Real EC2 copies the source's user tags (not aws: ones), and the
        # TagSpecifications tags are applied on top.
        for key, value in source.get_tags_dict().items() if hasattr(source, "get_tags_dict") else []:
            if not key.startswith("aws:"):
                image.add_tag(key, value)
    _apply_tags(image, image_tags)
    _apply_tags(image.ebs_snapshot, snapshot_tags)
    image.source_image_id = source_image_id
    image.source_image_region = source_region
    watermarks.inherit(image, source)
    if token:
        SIM.copy_tokens[(backend.region_name, token)] = (image.id, fingerprint)
    SIM.copies.add(image.id)
    SIM.on_new_image(backend.region_name, image)
    SIM.record_origin(backend.region_name, image)
    return ActionResult({"ImageId": image.id})


AmisResponse.copy_image = copy_image


def _own_tags(self) -> list[dict]:
    """A resource's tags, read from its own entry. moto scans every tag in the
    region (with regexes) for each resource, which makes DescribeImages of a few
    hundred tagged images take most of a second; real EC2 does not."""
    if not self.id:
        return []
    tags = self.ec2_backend.tags.get(self.id, {})
    kind = EC2_PREFIX_TO_RESOURCE.get(get_prefix(self.id), "")
    return [{"resource_id": self.id, "key": k, "value": v, "resource_type": kind} for k, v in tags.items()]


TaggedEC2Resource.get_tags = _own_tags


def _tags_dict(resource) -> dict:
    return {t["key"]: t["value"] for t in resource.get_tags()}


Ami.get_tags_dict = lambda self: _tags_dict(self)


def _snapshot_progress(self) -> str:
    """DescribeSnapshots' Progress: a new image's snapshot fills over the
    image's pending_seconds (moto: always 100%)."""
    filling = SIM.filling.get(self.id)
    if filling is None:
        return "100%"
    start, end = filling
    done = 1.0 if end <= start else min(1.0, (time.monotonic() - start) / (end - start))
    return f"{int(done * 100)}%"


from moto.ec2.models.elastic_block_store import Snapshot  # noqa: E402

Snapshot.progress = property(_snapshot_progress)


# --- the WSGI layer -------------------------------------------------------------

def _signature_ok(environ, body: bytes, secret: str) -> bool:
    """Recompute the request's AWS Signature Version 4 with `secret` and
    compare: the check EC2 makes before anything else."""
    import hashlib
    import hmac
    from urllib.parse import quote

    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        fields = dict(part.strip().split("=", 1) for part in auth.split(" ", 1)[1].split(","))
        scope = fields["Credential"].split("/", 1)[1]
        signed = fields["SignedHeaders"].split(";")
        given = fields["Signature"]
    except (IndexError, KeyError, ValueError):
        return False

    def header(name: str) -> str:
        key = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}.get(
            name, "HTTP_" + name.upper().replace("-", "_"))
        return " ".join(str(environ.get(key, "")).split())

    query = "&".join(sorted(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, vs in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items() for v in vs))
    payload = environ.get("HTTP_X_AMZ_CONTENT_SHA256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join([
        environ.get("REQUEST_METHOD", "GET"), quote(environ.get("PATH_INFO", "/") or "/", safe="/-_.~"), query,
        "".join(f"{name}:{header(name)}\n" for name in signed), ";".join(signed), payload])
    amz_date = header("x-amz-date")
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{secret}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def _access_key_of(environ) -> str | None:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        return auth.split("Credential=", 1)[1].split("/", 1)[0]
    return None


# Credentials the metadata service hands out for its role.
IMDS_ACCESS_KEY = "ASIAIMDSROLEKEY00001"
IMDS_SECRET_KEY = "imds-role-secret-not-real-0123456789"
IMDS_TOKEN = "imds-session-token-not-real"


def _scope_of(environ) -> list[str]:
    """The credential scope a request is signed with:
    AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, ..."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" not in auth:
        return []
    return auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")


def _service_of(environ) -> str:
    """The service a request is signed for (ec2, autoscaling, sts, rbin)."""
    scope = _scope_of(environ)
    return scope[3] if len(scope) >= 4 else "ec2"


# Services whose errors are JSON (the others here answer XML).
JSON_SERVICES = {"rbin", "kms", "organizations"}
# Query-protocol services: their errors are <ErrorResponse><Error>… (EC2's are <Response><Errors>…).
QUERY_SERVICES = {"sts", "autoscaling"}
# Per request thread: whether errors are to be JSON or query-protocol XML, and
# the account the request acts in (the caller's).
_request = threading.local()


def _manages_organization(account: str) -> bool:
    """Whether `account` is an organization's management account (moto hands a
    member account its organization's backend, as if it managed it)."""
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[account]["aws"]
    return backend.org is not None and backend.org.master_account_id == account


def caller() -> str:
    """The account the current request acts in: the account of the access key
    that signed it (moto's AssumeRole keys belong to the role's account), the
    `account` of a control request, else the default account."""
    return getattr(_request, "account", ACCOUNT)


def _issued_key(access_key: str | None) -> tuple[str, str] | None:
    """(account, secret) of an access key moto issued (AssumeRole's temporary
    keys, an account's user keys made with POST access-key), or None."""
    if not access_key or access_key == IMDS_ACCESS_KEY:
        return None
    from moto.iam.models import iam_backends

    for account_id, account in list(iam_backends.items()):
        for partition in ("aws", "aws-cn", "aws-us-gov"):
            key = account[partition].access_keys.get(access_key) if partition in account else None
            if key is not None:
                return account_id, key.secret_access_key
    return None


def _region_of(environ) -> str:
    scope = _scope_of(environ)
    return scope[2] if len(scope) >= 3 else "us-east-1"


def _error_xml(code: str, message: str) -> bytes:
    if getattr(_request, "query_errors", False):
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        ).encode()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
        f"</Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>"
    ).encode()


# How each service refuses a request over its rate: EC2's RequestLimitExceeded
# (the developer guide), Auto Scaling's RateExceeded (its API reference), and
# the Throttling codes STS and Recycle Bin answer with.
THROTTLED_ANSWERS = {
    "ec2": ("503 Service Unavailable", "RequestLimitExceeded", "Request limit exceeded."),
    "autoscaling": ("400 Bad Request", "RateExceeded", "Rate exceeded"),
    "sts": ("400 Bad Request", "Throttling", "Rate exceeded"),
    "rbin": ("400 Bad Request", "ThrottlingException", "Rate exceeded"),
    "kms": ("400 Bad Request", "ThrottlingException", "Rate exceeded"),
}

# endpoint_fault kinds that change a real answer rather than replace it.
ANSWER_FAULTS = {"repeat_next_token", "fresh_next_token", "truncated"}


def _cut_short(body: bytes) -> bytes:
    """An answer cut short as a dropped connection or a broken proxy cuts it:
    after the first `…Set>` opening tag (`<imageReferenceSet>`), else in
    the middle. Still well-framed XML up to there."""
    match = re.search(rb"<[A-Za-z]+Set>", body)
    return body[:match.end()] if match else body[:len(body) // 2]


def _twice_each_region(body: bytes) -> bytes:
    """DescribeRegions' answer with every region listed twice."""
    start, end = body.find(b"<regionInfo>"), body.find(b"</regionInfo>")
    if start < 0 or end < 0:
        return body
    inner = body[start + len(b"<regionInfo>"):end]
    return body[:start + len(b"<regionInfo>")] + inner + inner + body[end:]


def _json(start_response, status: str, payload) -> list[bytes]:
    body = json.dumps(payload, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class App:
    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ, start_response):
        _request.account = ACCOUNT
        _request.json_errors = _request.query_errors = False
        path = environ.get("PATH_INFO", "")
        if path.startswith("/latest/"):
            return self.imds(path, environ, start_response)
        if path.startswith("/_sim/"):
            try:
                return self.control(path[len("/_sim/"):], environ, start_response)
            except (KeyError, ValueError, TypeError) as exc:
                return _json(start_response, "400 Bad Request", {"error": repr(exc)})
        region = _region_of(environ)
        with SIM.lock:
            SIM.in_flight[region] += 1
            SIM.in_flight_max[region] = max(SIM.in_flight_max[region], SIM.in_flight[region])
        try:
            return self.ec2(environ, start_response)
        finally:
            with SIM.lock:
                SIM.in_flight[region] -= 1

    # --- EC2 requests ---------------------------------------------------
    def ec2(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        service = _service_of(environ)
        _request.json_errors = service in JSON_SERVICES
        _request.query_errors = service in QUERY_SERVICES
        if service == "rbin":
            params, action = {}, rbin.action_of(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""))
        elif service in ("kms", "organizations"):
            # KMS and Organizations speak JSON 1.1: the action is in X-Amz-Target
            # ("TrentService.DescribeKey", "AWSOrganizationsV20161128.ListAccounts").
            params, action = {}, environ.get("HTTP_X_AMZ_TARGET", "?").rpartition(".")[2]
        else:
            params = parse_qs(body.decode(errors="replace"), keep_blank_values=True)
            action = (params.get("Action") or ["?"])[0]
        region = _region_of(environ)
        config = SIM.config
        access_key = _access_key_of(environ)
        issued = _issued_key(access_key)
        if issued is not None:
            _request.account = issued[0]
        account = caller()
        with SIM.lock:
            SIM.stats[action] += 1
            SIM.stats_by_region[region][action] += 1
            SIM.stats_by_account[account][action] += 1
            SIM.stats_by_account_region[f"{account} {region}"] += 1
            SIM.access_keys[access_key or "(unsigned)"] += 1
            roll = config.rng.random()
            lose_roll = config.rng.random()
            if (not config.fault_actions or action in config.fault_actions) and config.lose_next_responses > 0:
                config.lose_next_responses -= 1
                lose_roll = -1.0
        if config.latency_ms:
            time.sleep(config.latency_ms / 1000)
        faultable = not config.fault_actions or action in config.fault_actions
        if faultable and roll < config.throttle_rate:
            return self.fault(start_response, "503 Service Unavailable", "RequestLimitExceeded", "Request limit exceeded.")
        if faultable and roll < config.throttle_rate + config.error_rate:
            return self.fault(start_response, "500 Internal Server Error", "InternalError", "An internal error has occurred")
        if action in config.deny_actions or action in (config.deny_account_actions or {}).get(account, []):
            return self.fault(
                start_response, "403 Forbidden", "UnauthorizedOperation",
                f"You are not authorized to perform this operation. User: arn:aws:iam::{account}:user/sim "
                f"is not authorized to perform: {service}:{action}",
            )
        if access_key is None:
            return self.fault(start_response, "401 Unauthorized", "AuthFailure",
                              "AWS was not able to validate the provided access credentials")
        if access_key in config.expired_access_keys:
            return self.fault(start_response, "400 Bad Request", "RequestExpired", "Request has expired.")
        secret = (config.signing_secrets or {}).get(access_key)
        if issued is not None:
            secret = issued[1]
        if secret is not None and not _signature_ok(environ, body, secret):
            return self.fault(start_response, "403 Forbidden", "SignatureDoesNotMatch",
                              "The request signature we calculated does not match the signature you provided. "
                              "Check your AWS Secret Access Key and signing method.")
        if config.valid_access_keys is not None and access_key not in config.valid_access_keys and issued is None:
            return self.fault(start_response, "401 Unauthorized", "AuthFailure",
                              "AWS was not able to validate the provided access credentials")
        if region not in ec2_backends[ACCOUNT].regions:
            # No such region: signed for it, a real endpoint refuses the signature.
            return self.fault(start_response, "401 Unauthorized", "AuthFailure",
                              f"Credential should be scoped to a valid region, not '{region}'.")
        if not SIM.rate_limits.take(config.rate_limits, account, region, service, action, params):
            with SIM.lock:
                SIM.throttled[action] += 1
            status, code, message = THROTTLED_ANSWERS.get(service, THROTTLED_ANSWERS["ec2"])
            return self.fault(start_response, status, code, message)
        hostile = config.endpoint_fault if faultable else None
        if hostile and hostile not in ANSWER_FAULTS:
            return self.hostile(hostile, start_response)
        if region in config.deny_regions or account in config.deny_accounts:
            return self.fault(
                start_response, "403 Forbidden", "UnauthorizedOperation",
                f"You are not authorized to perform this operation. User: arn:aws:iam::{account}:user/sim "
                f"is not authorized to perform: {service}:{action} with an explicit deny in a service control policy",
            )
        if service == "organizations" and action.startswith(("List", "Describe")) and not _manages_organization(account):
            # A member account (not a delegated administrator) may not list its organization.
            return self.fault(start_response, "400 Bad Request", "AccessDeniedException",
                              "You don't have permissions to access this resource.")
        if service == "sts" and action == "AssumeRole" and config.assumable_roles is not None:
            role_arn = (params.get("RoleArn") or [""])[0]
            if role_arn not in config.assumable_roles:
                return self.fault(
                    start_response, "403 Forbidden", "AccessDenied",
                    f"User: arn:aws:iam::{account}:user/sim is not authorized to perform: sts:AssumeRole "
                    f"on resource: {role_arn}")
        if action in config.unsupported_actions:
            return self.fault(start_response, "400 Bad Request", "InvalidAction",
                              f"The action {action} is not valid for this web service.")
        if service == "rbin":
            return self.recycle_bin(action, region, environ.get("PATH_INFO", ""), body, start_response)
        if action == "ModifyImageAttribute":
            # Another account's image: AuthFailure, as for DeregisterImage (moto would change it).
            target = SIM.backend(region).amis.get((params.get("ImageId") or [""])[0])
            if target is not None and getattr(target, "owner_id", account) != account:
                return self.fault(start_response, "400 Bad Request", "AuthFailure",
                                  f"Not authorized for image:{target.id}")
            if target is not None and not ec2_images.flag(params, "DryRun"):
                try:
                    with SIM.lock:
                        sharing.check_image_sharing(target, params, SIM.managed_keys,
                                                    config.image_block_public_access == "block-new-sharing")
                except ec2_images.Ec2Fault as fault:
                    return self.fault(start_response, fault.status, fault.code, fault.message)
        if action in OWN_ACTIONS or (action == "DescribeImageAttribute"
                                     and (params.get("Attribute") or [""])[0] == "launchPermission"):
            return self.own_action(action, region, params, start_response, faultable and lose_roll < config.lost_response_rate)
        environ["wsgi.input"] = _Body(body)
        with SIM.lock:
            if service == "ec2":
                SIM.backend(region)  # the caller's backend shares the region's images
            SIM.advance()
            with SIM.hide_invisible_images():
                # moto answers synchronously; collect the whole response inside the lock.
                captured = {}

                def capture(status, headers, exc_info=None):
                    captured["status"], captured["headers"] = status, headers

                chunks = list(self.moto(environ, capture))
                if not (action.startswith("Describe") or action.startswith("Get")):
                    SIM.changed()
        if faultable and captured["status"].startswith("200") and lose_roll < config.lost_response_rate:
            return self.fault(start_response, "500 Internal Server Error", "InternalError", "An internal error has occurred")
        body = b"".join(chunks)
        if action == "DescribeRegions" and config.duplicate_regions and captured["status"].startswith("200"):
            body = _twice_each_region(body)
        if hostile == "truncated" and captured["status"].startswith("200"):
            body = _cut_short(body)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(body)))])
        return [body]

    def imds(self, path: str, environ, start_response):
        """IMDSv2 on loopback, for build-host tests (AWS_EC2_METADATA_SERVICE_ENDPOINT)."""
        method = environ.get("REQUEST_METHOD", "GET")
        config = SIM.config
        with SIM.lock:
            SIM.imds_requests[path] += 1

        def answer(status: str, body: str, kind: str = "text/plain", extra: tuple = ()):
            data = body.encode()
            start_response(status, [("Content-Type", kind), ("Content-Length", str(len(data))), *extra])
            return [data]

        if path == "/latest/api/token":
            ttl = environ.get("HTTP_X_AWS_EC2_METADATA_TOKEN_TTL_SECONDS")
            if method != "PUT" or not ttl:
                return answer("400 Bad Request", "")
            token = uuid.uuid4().hex
            with SIM.lock:
                SIM.imds_tokens.add(token)
            return answer("200 OK", token, extra=(("X-aws-ec2-metadata-token-ttl-seconds", ttl),))
        if environ.get("HTTP_X_AWS_EC2_METADATA_TOKEN") not in SIM.imds_tokens:
            return answer("401 Unauthorized", "")
        role = config.imds_role
        if path == "/latest/meta-data/placement/region" and config.imds_region:
            return answer("200 OK", config.imds_region)
        if path == "/latest/meta-data/iam/security-credentials/" and role:
            return answer("200 OK", role)
        if role and path == f"/latest/meta-data/iam/security-credentials/{role}":
            expires = datetime.now(timezone.utc).replace(microsecond=0).timestamp() + 3600
            return answer("200 OK", json.dumps({
                "Code": "Success", "Type": "AWS-HMAC",
                "LastUpdated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "AccessKeyId": IMDS_ACCESS_KEY, "SecretAccessKey": IMDS_SECRET_KEY, "Token": IMDS_TOKEN,
                "Expiration": datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }), "application/json")
        return answer("404 Not Found", "")

    def own_action(self, action, region, params, start_response, lose_response):
        """DescribeImages and GetImageAncestry, answered by sim/images.py;
        DescribeImageAttribute launchPermission by sim/sharing.py; the rest by sim/usage.py."""
        config = SIM.config
        returned = 0
        try:
            if ec2_images.flag(params, "DryRun"):
                raise ec2_images.Ec2Fault("412 Precondition Failed", "DryRunOperation",
                                          "Request would have succeeded, but DryRun flag is set.")
            with SIM.lock:
                SIM.advance()
                amis = SIM.backend(region).amis
                hidden = {i for i, (r, _) in SIM.invisible.items() if r == region}
                quiet = {i for i, (r, _) in SIM.gone_quietly.items() if r == region}
                if action == "DescribeImages":
                    faultable = not config.fault_actions or action in config.fault_actions
                    endless = config.endpoint_fault in ("repeat_next_token", "fresh_next_token") and faultable
                    endless = endless and "MaxResults" in params
                    if endless:
                        params = {k: v for k, v in params.items() if k != "NextToken"}
                    found, token = ec2_images.describe_images(
                        amis, SIM.index(region), params, caller(), config.page_size, hidden, quiet)
                    if endless:
                        token = ("amisim-same-token-every-time" if config.endpoint_fault == "repeat_next_token"
                                 else f"amisim-fresh-{uuid.uuid4().hex}")
                    body = ec2_images.describe_images_xml(found, token, caller())
                    returned = len(found)
                    SIM.images_returned[action] += returned
                elif action == "GetImageAncestry":
                    body = self.image_ancestry(amis, params, hidden)
                elif action == "DescribeImageAttribute":
                    body = sharing.describe_image_attribute(amis, params, caller(), hidden)
                elif action == "ModifySnapshotAttribute":
                    body = sharing.modify_snapshot_attribute(SIM.backend(region).snapshots, params, caller(),
                                                             SIM.managed_keys)
                elif action == "GetImageBlockPublicAccessState":
                    body = sharing.block_public_access_xml(config.image_block_public_access)
                elif action in USAGE_REPORT_ACTIONS:
                    body = self.usage_report_action(action, region, params, amis)
                elif action in RETIREMENT_ACTIONS:
                    body = self.retirement_action(action, params, amis)
                elif action == "AttachImageWatermark":
                    body = watermarks.attach(amis, params, caller(), region, datetime.now(timezone.utc))
                    SIM.changed()
                elif action == "DetachImageWatermark":
                    body = watermarks.detach(amis, params, caller())
                    SIM.changed()
                else:
                    body = self.usage_action(action, region, params)
        except ec2_images.Ec2Fault as fault:
            return self.fault(start_response, fault.status, fault.code, fault.message)
        except ec2_images.NotSimulated as missing:
            return self.fault(start_response, "501 Not Implemented", "amisim.NotSimulated", str(missing))
        if returned and config.image_latency_ms:
            time.sleep(returned * float(config.image_latency_ms) / 1000)
        if lose_response:
            return self.fault(start_response, "500 Internal Server Error", "InternalError", "An internal error has occurred")
        if config.endpoint_fault == "truncated" and (not config.fault_actions or action in config.fault_actions):
            body = _cut_short(body)
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def retirement_action(action: str, params: dict, amis: dict) -> bytes:
        """Deprecating and disabling, answered by sim/retirement.py (SIM.lock held)."""
        if action == "EnableImageDeprecation":
            return retirement.enable_deprecation(amis, params, caller(), datetime.now(timezone.utc))
        if action == "DisableImageDeprecation":
            return retirement.disable_deprecation(amis, params, caller())
        SIM.changed()  # the state changes: the indexes are rebuilt
        if action == "DisableImage":
            return retirement.disable_image(amis, params, caller())
        return retirement.enable_image(amis, params, caller())

    @staticmethod
    def usage_report_action(action: str, region: str, params: dict, amis: dict) -> bytes:
        """The AMI usage report actions, answered by sim/usage_reports.py (SIM.lock held)."""
        reports, config, now = SIM.usage_reports[region], SIM.config, time.monotonic()
        if action == "CreateImageUsageReport":
            uses = SIM.other_uses[region] + SIM.accounts_uses(region, caller())
            return usage_reports.create(reports, amis, uses, params, caller(), now,
                                        float(config.usage_report_seconds), list(config.usage_report_errors))
        if action == "DescribeImageUsageReports":
            return usage_reports.describe(reports, params, now, int(config.page_size))
        if action == "DescribeImageUsageReportEntries":
            return usage_reports.entries(reports, params, now, int(config.page_size))
        return usage_reports.delete(reports, params)

    @staticmethod
    def usage_action(action: str, region: str, params: dict) -> bytes:
        """DescribeImageReferences, DeregisterImage and deregistration
        protection, answered by sim/usage.py (called with SIM.lock held)."""
        backend = SIM.backend(region)
        now = usage.utcnow()
        if action == "DescribeImageReferences":
            page, token = usage.image_references(backend, ssm_backends[caller()][region], region, caller(), params,
                                                 int(SIM.config.page_size))
            return usage.image_references_xml(page, token)
        image_id = (params.get("ImageId") or [""])[0]
        if action == "DeregisterImage":
            image = usage.deregister_checks(backend, image_id, caller())
            results = None
            if ec2_images.flag(params, "DeleteAssociatedSnapshots"):
                results = usage.delete_snapshots(backend, image, "DeleteSnapshot" not in SIM.config.deny_actions)
            SIM.deregister(region, image_id)
            return usage.deregister_xml(results)
        image = usage.owned_image(backend.amis, params, caller())
        enable = action == "EnableImageDeregistrationProtection"
        usage.set_protection(image, enable, ec2_images.flag(params, "WithCooldown"), now)
        return usage.protection_xml(action)

    @staticmethod
    def hostile(kind: str, start_response):
        """A broken endpoint's answers (see Config.endpoint_fault). Bounded, so
        that a client that never gives up cannot keep the simulator busy."""
        with SIM.lock:
            SIM.faults += 1
        if kind == "redirect":
            body = b"<html><body>Moved Permanently</body></html>"
            start_response("301 Moved Permanently", [("Location", "https://ec2.example.invalid/"),
                                                     ("Content-Type", "text/html"),
                                                     ("Content-Length", str(len(body)))])
            return [body]
        if kind == "huge_error":
            message = "\n".join(f"line {n}: " + "x" * 90 for n in range(1000))
            body = _error_xml("InvalidParameterValue", message)
            start_response("400 Bad Request", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
            return [body]
        if kind == "endless_body":
            start_response("200 OK", [("Content-Type", "text/xml")])

            def endless():
                yield (b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImagesResponse><imagesSet>'
                       b"<item><imageId>ami-12345678</imageId><description>")
                # One description that never ends: what the byte cap is for (entries have their own cap).
                chunk = b"x" * 44_000
                deadline = time.monotonic() + 60
                sent = 0
                while sent < 1 << 30 and time.monotonic() < deadline:
                    sent += len(chunk)
                    yield chunk
            return endless()
        if kind == "control_code":
            if getattr(_request, "json_errors", False):
                # JSON can carry ESC and BEL (\u001b, \u0007) in the error's type.
                body = json.dumps({"__type": "Evil\x1b[2J\x07Code", "message": "the code steers the terminal"}).encode()
                start_response("400 Bad Request", [("Content-Type", "application/json"),
                                                   ("Content-Length", str(len(body)))])
                return [body]
            # XML 1.0 has no ESC or BEL, even as references: the SDK's parser refuses them.
            body = _error_xml("Evil\nCode\u009b31m\u202e", "the code steers the terminal")
            start_response("400 Bad Request", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
            return [body]
        if kind == "crowded_page":
            # One image with 300,000 tiny tags: an answer no EC2 sends (50 tags an image).
            tags = b"<item><key>a</key><value>b</value></item>" * 300_000
            body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImagesResponse xmlns="' + ec2_images.XMLNS.encode()
                    + b'"><requestId>r</requestId><imagesSet><item><imageId>ami-12345678</imageId>'
                    + b"<imageState>available</imageState><tagSet>" + tags
                    + b"</tagSet></item></imagesSet></DescribeImagesResponse>")
            start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
            return [body]
        if kind == "silent":
            time.sleep(120)
            start_response("504 Gateway Timeout", [("Content-Length", "0")])
            return [b""]
        raise ValueError(f"unknown endpoint_fault {kind!r}")

    @staticmethod
    def image_ancestry(amis, params, hidden) -> bytes:
        image_id = (params.get("ImageId") or [""])[0]
        if not image_id:
            raise ec2_images.Ec2Fault("400 Bad Request", "MissingParameter",
                                      "The request must contain the parameter ImageId")
        ec2_images.check_image_id(image_id)
        image = amis.get(image_id)
        if image is None or image_id in hidden or not ec2_images.ImageView(
                image, caller(), datetime.now(timezone.utc)).available_to_caller():
            raise ec2_images.Ec2Fault("400 Bad Request", "InvalidAMIID.NotFound",
                                      f"The image id '[{image_id}]' does not exist")
        return ec2_images.ancestry_xml(ec2_images.ancestry(SIM.ancestry, image_id))

    def fault(self, start_response, status, code, message):
        with SIM.lock:
            SIM.faults += 1
        if getattr(_request, "json_errors", False):
            # JSON services name the error in a header and say why in the body.
            body = json.dumps({"message": message}).encode()
            start_response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                                    ("Content-Length", str(len(body)))])
            return [body]
        body = _error_xml(code, message)
        start_response(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    def recycle_bin(self, action, region, path, body, start_response):
        """Recycle Bin's ListRules and GetRule, from the rules seeded with POST recycle-bin-rule."""
        try:
            with SIM.lock:
                answer = rbin.answer(action, path, body, SIM.rbin_rules[(region, caller())], region, caller(),
                                     int(SIM.config.page_size))
        except ec2_images.Ec2Fault as fault:
            return self.fault(start_response, fault.status, fault.code, fault.message)
        data = json.dumps(answer).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    # --- control API ------------------------------------------------------
    def control(self, route: str, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        # Seeds and lookups act in `account` (default: the default account).
        _request.account = str(payload.get("account") or ACCOUNT) if isinstance(payload, dict) else ACCOUNT
        with SIM.lock:
            SIM.advance()
            if route == "health":
                return _json(start_response, "200 OK", {"ok": True})
            if route == "stats":
                if method == "POST" or payload.get("reset"):
                    SIM.stats.clear()
                    SIM.stats_by_region.clear()
                    SIM.stats_by_account.clear()
                    SIM.stats_by_account_region.clear()
                    SIM.images_returned.clear()
                    SIM.access_keys.clear()
                    SIM.imds_requests.clear()
                    SIM.throttled.clear()
                    SIM.in_flight_max.clear()
                    SIM.faults = 0
                return _json(start_response, "200 OK", {
                    "total": sum(SIM.stats.values()),
                    "actions": dict(SIM.stats),
                    "images_returned": dict(SIM.images_returned),
                    "access_keys": dict(SIM.access_keys),
                    "imds": dict(SIM.imds_requests),
                    "regions": {r: dict(c) for r, c in SIM.stats_by_region.items()},
                    "accounts": {a: dict(c) for a, c in SIM.stats_by_account.items()},
                    "account_regions": dict(SIM.stats_by_account_region),
                    "faults": SIM.faults,
                    "throttled": dict(SIM.throttled),
                    "in_flight_max": dict(SIM.in_flight_max),
                })
            if route == "config":
                if method == "POST":
                    SIM.config.update(payload)
                    if "rate_limits" in payload:
                        SIM.rate_limits.reset()  # new limits start with full buckets
                return _json(start_response, "200 OK", SIM.config.as_dict())
            if route != "health" and method == "POST":
                SIM.changed()
            if route == "organization":
                # An organization whose management account is the payload's, holding these member accounts.
                from datetime import timedelta

                from moto.organizations.models import organizations_backends

                org = organizations_backends[caller()]["aws"]
                if org.org is None:
                    org.create_organization("us-east-1", FeatureSet="ALL")
                for n, member in enumerate(payload.get("accounts", [])):
                    org.create_account(AccountName=member.get("name", member["id"]), Email=f"{member['id']}@example.com")
                    account = org.accounts[-1]
                    organizations_backends.master_accounts.pop(account.id, None)
                    account.id = member["id"]
                    organizations_backends.master_accounts[account.id] = (org.account_id, org.partition)
                    account.status = account.state = member.get("state", "ACTIVE")
                    # Distinct join times: moto pages ListAccounts by them.
                    account.create_time = account.create_time - timedelta(seconds=1000 - n)
                return _json(start_response, "200 OK", {"accounts": [a.id for a in org.accounts]})
            if route == "access-key":
                # A user with an access key in the payload's account (a profile's long-term keys there).
                from moto.iam.models import iam_backends

                iam = iam_backends[caller()]["aws"]
                name = payload.get("user") or f"sim-{uuid.uuid4().hex[:8]}"
                iam.create_user("us-east-1", name, path="/", tags=[])
                key = iam.create_access_key(name)
                return _json(start_response, "200 OK", {"access_key_id": key.access_key_id,
                                                        "secret_access_key": key.secret_access_key})
            if route == "run-instance":
                return _json(start_response, "200 OK", run_instance(payload))
            if route == "images":
                return _json(start_response, "200 OK", {"image_ids": register_images(payload)})
            if route == "image-state":
                image = SIM.backend(payload["region"]).amis[payload["image_id"]]
                image.state = payload["state"]
                SIM.pending.pop(image.id, None)
                return _json(start_response, "200 OK", {"image_id": image.id, "state": image.state})
            if route == "count-images":
                amis = SIM.backend(payload.get("region", "us-east-1")).amis
                return _json(start_response, "200 OK",
                             {"count": sum(1 for image in amis.values() if image.name == payload["name"])})
            if route == "deregister":
                return _json(start_response, "200 OK", deregister(payload))
            if route == "image":
                return _json(start_response, "200 OK", describe_for_test(payload))
            if route == "other-account-use":
                # What another account's instances or launch templates use: what EC2's usage reports read.
                use = {"image_id": payload["image_id"], "account_id": payload["account_id"],
                       "resource_type": payload.get("resource_type", "ec2:Instance"), "count": int(payload.get("count", 1))}
                SIM.other_uses[payload.get("region", "us-east-1")].append(use)
                return _json(start_response, "200 OK", use)
            if route == "launch-permissions":
                image = SIM.backend(payload.get("region", "us-east-1")).amis[payload["image_id"]]
                sharing.add_permissions(image, payload.get("add", []))
                for permission in payload.get("remove", []):
                    if permission in image.launch_permissions:
                        image.launch_permissions.remove(permission)
                return _json(start_response, "200 OK", {"launch_permissions": image.launch_permissions})
            if route == "last-launched":
                image = SIM.backend(payload.get("region", "us-east-1")).amis[payload["image_id"]]
                image.last_launched_time = datetime.fromisoformat(payload["time"].replace("Z", "+00:00"))
                return _json(start_response, "200 OK", {"image_id": image.id})
            if route == "launch-template":
                return _json(start_response, "200 OK", launch_template(payload))
            if route == "launch-configuration":
                return _json(start_response, "200 OK", launch_configuration(payload))
            if route == "ssm-parameter":
                return _json(start_response, "200 OK", ssm_parameter(payload))
            if route == "recycle-bin-rule":
                rule = rbin.rule(payload, payload.get("region", "us-east-1"), caller())
                SIM.rbin_rules[(payload.get("region", "us-east-1"), caller())].append(rule)
                return _json(start_response, "200 OK", {"identifier": rule["Identifier"]})
            if route == "snapshots":
                snapshots = SIM.backend(payload.get("region", "us-east-1")).snapshots
                return _json(start_response, "200 OK", {"snapshot_ids": sorted(snapshots)})
        return _json(start_response, "404 Not Found", {"error": f"no route {route}"})


# Actions answered by sim/images.py rather than moto.
RETIREMENT_ACTIONS = {"EnableImageDeprecation", "DisableImageDeprecation", "DisableImage", "EnableImage"}
WATERMARK_ACTIONS = {"AttachImageWatermark", "DetachImageWatermark"}
USAGE_REPORT_ACTIONS = {"CreateImageUsageReport", "DescribeImageUsageReports", "DescribeImageUsageReportEntries",
                        "DeleteImageUsageReport"}
OWN_ACTIONS = {"DescribeImages", "GetImageAncestry", "DescribeImageReferences", "DeregisterImage",
               "EnableImageDeregistrationProtection", "DisableImageDeregistrationProtection",
               "ModifySnapshotAttribute", "GetImageBlockPublicAccessState"} | USAGE_REPORT_ACTIONS | RETIREMENT_ACTIONS \
    | WATERMARK_ACTIONS


class _Body:
    """A re-readable request body for moto after we consumed wsgi.input."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size is None or size < 0 else self.pos + size
        chunk, self.pos = self.data[self.pos:end], min(end, len(self.data))
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


# --- control helpers ------------------------------------------------------------

def base_image(region: str) -> Ami:
    """One public, Amazon-owned base image per region that instances launch from."""
    backend = SIM.backend(region)
    for image in backend.amis.values():
        if image.name == "amisim-base":
            return image
    image = Ami(backend, random_ami_id(), name="amisim-base", description="amisim base image",
                owner_id="137112412989", owner_alias="amazon", public=True,
                virtualization_type="hvm", architecture="x86_64", region_name=f"{region}a")
    backend.amis[image.id] = image
    SIM.record_origin(region, image)
    return image


def run_instance(payload: dict) -> dict:
    region = payload.get("region", "us-east-1")
    backend = SIM.backend(region)
    image_id = payload.get("image_id") or base_image(region).id
    # The keyword arguments moto's RunInstances handler would pass.
    reservation = backend.run_instances(
        image_id, 1, user_data=None, security_group_names=[],
        instance_type="t3.micro", is_instance_type_default=False, placement=None,
        placement_hostid=None, region_name=region, subnet_id=None, key_name=None,
        security_group_ids=[], nics=[], private_ip=None, associate_public_ip=None,
        tags={}, ebs_optimized=False, disable_api_stop=False, instance_market_options={},
        instance_initiated_shutdown_behavior=None, launch_template={}, hibernation_options={},
        iam_instance_profile_name=None, iam_instance_profile_arn=None,
        monitoring_state="disabled", ipv6_address_count=None, metadata_options={},
        client_token=None,
    )
    instance = reservation.instances[0]
    if payload.get("state") == "stopped":
        backend.stop_instances([instance.id])
    elif payload.get("state") == "terminated":
        backend.terminate_instances([instance.id])
    return {"instance_id": instance.id, "image_id": image_id, "region": region}


_moto_run_instances = InstanceBackend.run_instances


def run_instances_recording_launch(self, image_id, *args, **kwargs):
    """moto's RunInstances, and EC2's lastLaunchedTime on the image (EC2
    reports it up to a day late; the simulator after last_launched_delay_seconds)."""
    reservation = _moto_run_instances(self, image_id, *args, **kwargs)
    image = self.amis.get(image_id)
    if image is not None:
        delay = float(SIM.config.last_launched_delay_seconds)
        with SIM.lock:
            SIM.launch_reports.append((image, usage.utcnow(), time.monotonic() + delay))
            SIM.advance()
    return reservation


InstanceBackend.run_instances = run_instances_recording_launch

_moto_terminate_instances = InstanceBackend.terminate_instances


def terminate_instances_leaving_them_visible(self, instance_ids):
    """moto's TerminateInstances; the instances stay visible for
    terminated_visible_seconds, then are gone, as on EC2."""
    terminated = _moto_terminate_instances(self, instance_ids)
    with SIM.lock:
        for instance, _ in terminated:
            SIM.terminated.setdefault(instance.id, (self.region_name, time.monotonic(), self.account_id))
        SIM.advance()
    return terminated


InstanceBackend.terminate_instances = terminate_instances_leaving_them_visible


def launch_template(payload: dict) -> dict:
    """A launch template whose versions name `image_ids` in order (version 1
    first); `default_version` (default 1) is its default."""
    region = payload.get("region", "us-east-1")
    backend = SIM.backend(region)
    image_ids = payload["image_ids"]
    template = backend.create_launch_template(payload.get("name") or f"lt-{uuid.uuid4().hex[:8]}", "",
                                              {"ImageId": image_ids[0], "InstanceType": "t3.micro"}, {})
    for image_id in image_ids[1:]:
        template.create_version({"ImageId": image_id, "InstanceType": "t3.micro"}, "")
    template.default_version_number = int(payload.get("default_version", 1))
    return {"launch_template_id": template.id, "versions": len(template.versions)}


def launch_configuration(payload: dict) -> dict:
    """An Auto Scaling launch configuration naming `image_id`."""
    region = payload.get("region", "us-east-1")
    name = payload["name"]
    autoscaling_backends[caller()][region].create_launch_configuration(
        name=name, image_id=payload["image_id"], key_name=None, kernel_id="", ramdisk_id="",
        security_groups=[], user_data=None, instance_type="t3.micro", instance_monitoring=False,
        instance_profile_name=None, spot_price=None, ebs_optimized=False,
        associate_public_ip_address=False, block_device_mappings=[])
    return {"name": name}


def ssm_parameter(payload: dict) -> dict:
    """An SSM parameter holding an image id (data type aws:ec2:image unless `data_type`)."""
    region = payload.get("region", "us-east-1")
    ssm_backends[caller()][region].put_parameter(
        name=payload["name"], description="", value=payload["image_id"], parameter_type="String",
        allowed_pattern="", keyid="", overwrite=True, tags=[],
        data_type=payload.get("data_type", "aws:ec2:image"), tier=None, policies=None)
    return {"name": payload["name"]}


def register_images(payload: dict) -> list[str]:
    """Seed images directly (no EC2 request is counted): lineage chains and trees for tests.

    Each item: ami_id?, name?, description?, state?, tags{}, owner_id?, owner_alias?,
    encrypted? ("aws-managed", "customer" (a new customer managed key in the simulator's KMS) or
    any key ARN: the snapshot's encryption),
    public?, shared? (launch permission for this account), launch_permissions?
    ([{"UserId" | "Group" | "OrganizationArn" | "OrganizationalUnitArn": value}]), deprecation_time?,
    creation_date?, source_image_id?, source_image_region?, source_instance_id?,
    watermarks? ([{"key", "source_image_id"?, "source_image_region"?}]: as attached there),
    deregistration_protection? (EC2's value), last_launched_time?, snapshot_of? (an
    image id whose snapshot this image shares),
    pending_for? (seconds the image stays pending before it becomes available, as
    if just created). Another owner's tags are that owner's: never returned.
    """
    region = payload.get("region", "us-east-1")
    backend = SIM.backend(region)
    ids = []
    for item in payload["images"]:
        image_id = item.get("ami_id") or random_ami_id()
        created = item.get("creation_date")
        image = Ami(
            backend, image_id,
            name=item.get("name", image_id), description=item.get("description", ""),
            owner_id=item.get("owner_id"), owner_alias=item.get("owner_alias"),
            state=item.get("state", "available"),
            virtualization_type="hvm", architecture="x86_64", region_name=f"{region}a",
            creation_date=datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None,
        )
        if item.get("public"):
            image.launch_permissions.append({"Group": "all"})
        if item.get("shared"):
            image.launch_permissions.append({"UserId": ACCOUNT})
        sharing.add_permissions(image, item.get("launch_permissions", []))
        if item.get("encrypted"):
            # "aws-managed": the account's AWS managed key for EBS (aws/ebs); else a customer key's ARN.
            snapshot = image.ebs_snapshot
            snapshot.encrypted = True
            kms = kms_backends[caller()][region]
            if item["encrypted"] == "aws-managed":
                snapshot.kms_key_id = backend._create_default_encryption_key()
                SIM.managed_keys.add(snapshot.kms_key_id)
                # KMS tells the AWS managed key by its KeyManager (moto makes it a customer key).
                kms.describe_key(snapshot.kms_key_id).key_manager = "AWS"
            elif item["encrypted"] == "customer":
                snapshot.kms_key_id = kms.create_key(policy="", key_usage="ENCRYPT_DECRYPT", key_spec="SYMMETRIC_DEFAULT",
                                                     description="a customer managed key", tags=None).arn
            else:
                snapshot.kms_key_id = item["encrypted"]
        if item.get("deprecation_time"):
            image.deprecation_time = datetime.fromisoformat(item["deprecation_time"].replace("Z", "+00:00"))
        for key in ("source_image_id", "source_image_region"):
            if item.get(key):
                setattr(image, key, item[key])
        if item.get("source_instance_id"):
            image.source_instance_id_recorded = item["source_instance_id"]
        image.add_tags(item.get("tags", {}))
        for mark in item.get("watermarks", []):
            # As if attached to `source_image_id` (default: this image) in `source_image_region`.
            image.watermarks = getattr(image, "watermarks", []) + [{
                "key": mark["key"], "source_image_id": mark.get("source_image_id", image_id),
                "source_image_region": mark.get("source_image_region", region),
                "source_image_creation_time": None, "created": mark.get("created")}]
        if item.get("deregistration_protection"):
            image.deregistration_protection = item["deregistration_protection"]
        if item.get("last_launched_time"):
            image.last_launched_time = datetime.fromisoformat(item["last_launched_time"].replace("Z", "+00:00"))
        if item.get("snapshot_of"):
            # Share another image's snapshot (as two registrations of one snapshot do).
            backend.snapshots.pop(image.ebs_snapshot.id, None)
            image.ebs_snapshot = backend.amis[item["snapshot_of"]].ebs_snapshot
        if item.get("pending_for") is not None:
            image.state = "pending"
            SIM.pending[image_id] = (region, time.monotonic() + float(item["pending_for"]))
        backend.amis[image_id] = image
        SIM.record_origin(region, image)
        ids.append(image_id)
    return ids


def deregister(payload: dict) -> dict:
    """Deregister an image as DeregisterImage does (see Sim.deregister)."""
    removed = SIM.deregister(payload.get("region", "us-east-1"), payload["image_id"])
    return {"image_id": payload["image_id"], "removed": removed}


def describe_for_test(payload: dict) -> dict:
    """An image and its snapshot's tags as the simulator holds them (for assertions)."""
    backend = SIM.backend(payload.get("region", "us-east-1"))
    image = backend.amis.get(payload["image_id"])
    if image is None:
        return {"found": False}
    return {
        "found": True,
        "image_id": image.id,
        "name": image.name,
        "description": image.description,
        "state": image.state,
        "tags": image.get_tags_dict(),
        "snapshot_tags": _tags_dict(image.ebs_snapshot),
        "source_image_id": getattr(image, "source_image_id", None),
        "source_image_region": getattr(image, "source_image_region", None),
        "source_instance_id": image.source_instance_id,
        "snapshot_id": image.ebs_snapshot.id,
        "snapshot_exists": image.ebs_snapshot.id in backend.snapshots,
        "deregistration_protection": ec2_images.protection(image),
        "deprecation_time": ec2_images.iso(getattr(image, "deprecation_time", None)),
        "launch_permissions": list(image.launch_permissions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--config", default="{}", help="initial config as JSON")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args()
    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    SIM.config.update(json.loads(args.config))
    server = make_server("127.0.0.1", args.port, App(), threaded=True)
    # The first line on stdout is the contract with the harness: it carries the port.
    print(f"amisim listening on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
