"""EC2's request throttling: a token bucket per account, region and action.

From the EC2 developer guide, "Request throttling for the Amazon EC2 API"
(request token bucket sizes and refill rates): each request takes a token
from its action's bucket; an empty bucket answers 503 RequestLimitExceeded;
buckets refill at a set rate up to their capacity. Categories:

- non-mutating (Describe*, List*, Search*, Get*): 100 tokens, 20 a second;
- unfiltered and unpaginated non-mutating (DescribeInstances, DescribeSnapshots,
  DescribeVolumes, ... asked with neither a filter nor pagination): a smaller
  bucket of their own, 50 tokens, 10 a second;
- mutating (everything else): 50 tokens, 5 a second;
- uncategorized actions with their own buckets, among them CopyImage (100, 1),
  CreateTags (100, 10), DeregisterImage (100, 5), DeleteSnapshot (100, 5),
  ModifyImageAttribute (100, 5), CreateSnapshot (100, 5).

Auto Scaling documents a token bucket shared by all its actions and answers
`RateExceeded` (its API reference, "API request rate") without sizes; STS and
Recycle Bin document none here. For those the simulator's choice is EC2's
non-mutating bucket (100, 20), shared per service as Auto Scaling's is.

`rate_limits` in the simulator's config: null (off), true (the documented
buckets), or {"capacity_scale": f, "refill_scale": f, "actions": {Action:
[capacity, refill]}} to scale them (small buckets for quick tests) or set one.
"""

import threading
import time

NON_MUTATING = (100, 20.0)
UNFILTERED = (50, 10.0)
MUTATING = (50, 5.0)
UNCATEGORIZED = {
    "CopyImage": (100, 1.0),
    "CreateTags": (100, 10.0),
    "DeleteTags": (100, 10.0),
    "DeregisterImage": (100, 5.0),
    "DeleteSnapshot": (100, 5.0),
    "CreateSnapshot": (100, 5.0),
    "ModifyImageAttribute": (100, 5.0),
    "ModifySnapshotAttribute": (100, 5.0),
    "CreateLaunchTemplateVersion": (100, 5.0),
    "ModifyLaunchTemplate": (100, 5.0),
}
UNFILTERED_ACTIONS = {
    "DescribeInstances", "DescribeInstanceStatus", "DescribeNetworkInterfaces", "DescribeSecurityGroups",
    "DescribeSnapshots", "DescribeSpotInstanceRequests", "DescribeVolumes",
}
# Services whose actions share one bucket (the simulator's reading, see above).
SHARED_BUCKET_SERVICES = {"autoscaling", "sts", "rbin"}


def bucket_of(service: str, action: str, params: dict) -> tuple[str, tuple[int, float]]:
    """Which bucket a request takes its token from, and that bucket's size and rate."""
    if service in SHARED_BUCKET_SERVICES:
        return service, NON_MUTATING
    if action in UNCATEGORIZED:
        return action, UNCATEGORIZED[action]
    if action in UNFILTERED_ACTIONS:
        paged = any(k in params for k in ("MaxResults", "NextToken"))
        filtered = any(k.startswith("Filter.") for k in params)
        if not paged and not filtered:
            return f"{action} (unfiltered, unpaginated)", UNFILTERED
        return action, NON_MUTATING
    if action.startswith(("Describe", "List", "Search", "Get")):
        return action, NON_MUTATING
    return action, MUTATING


class RateLimits:
    """The buckets, created full on first use; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.buckets: dict[tuple, list[float]] = {}

    def reset(self) -> None:
        with self.lock:
            self.buckets.clear()

    def take(self, setting, account: str, region: str, service: str, action: str, params: dict) -> bool:
        """Take a token; False when the bucket is empty (the request is throttled)."""
        if not setting:
            return True
        name, (capacity, refill) = bucket_of(service, action, params)
        if isinstance(setting, dict):
            capacity = capacity * float(setting.get("capacity_scale", 1))
            refill = refill * float(setting.get("refill_scale", 1))
            if action in setting.get("actions", {}):
                capacity, refill = setting["actions"][action]
        now = time.monotonic()
        key = (account, region, name)
        with self.lock:
            tokens, last = self.buckets.get(key, (float(capacity), now))
            tokens = min(float(capacity), tokens + (now - last) * float(refill))
            if tokens < 1.0:
                self.buckets[key] = [tokens, now]
                return False
            self.buckets[key] = [tokens - 1.0, now]
            return True
