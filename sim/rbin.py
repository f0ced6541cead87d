"""Recycle Bin's ListRules and GetRule (restJson1: POST /list-rules, GET
/rules/{Identifier}), answered from rules seeded through the control API.
moto has no Recycle Bin. See sim/README.md."""

from __future__ import annotations

import json
import uuid

from images import Ec2Fault


def action_of(method: str, path: str) -> str:
    if method == "POST" and path == "/list-rules":
        return "ListRules"
    if method == "GET" and path.startswith("/rules/"):
        return "GetRule"
    return "?"


def rule(payload: dict, region: str, account: str) -> dict:
    """A rule as GetRule describes it, from `retention_days`, `resource_tags`
    and `exclude_resource_tags` ([[key, value-or-null], ...]), `status`."""
    identifier = uuid.uuid4().hex[:11]

    def tags(pairs):
        return [{"ResourceTagKey": k, **({"ResourceTagValue": v} if v is not None else {})} for k, v in pairs]

    return {
        "Identifier": identifier,
        "Description": payload.get("description", ""),
        "ResourceType": payload.get("resource_type", "EC2_IMAGE"),
        "RetentionPeriod": {"RetentionPeriodValue": int(payload.get("retention_days", 7)),
                            "RetentionPeriodUnit": "DAYS"},
        "ResourceTags": tags(payload.get("resource_tags", [])),
        "ExcludeResourceTags": tags(payload.get("exclude_resource_tags", [])),
        "Status": payload.get("status", "available"),
        "LockState": "unlocked",
        "RuleArn": f"arn:aws:rbin:{region}:{account}:rule/{identifier}",
    }


def answer(action: str, path: str, body: bytes, rules: list[dict], region: str, account: str,
           page_size: int = 1000) -> dict:
    if action == "ListRules":
        request = json.loads(body or b"{}")
        if request.get("ResourceType") not in {"EC2_IMAGE", "EBS_SNAPSHOT", "EBS_VOLUME"}:
            raise Ec2Fault("400 Bad Request", "ValidationException", "ResourceType is required")
        chosen = [r for r in rules if r["ResourceType"] == request["ResourceType"]]
        # Paginated as the API reference says (MaxResults 1 to 1000, NextToken);
        # `page_size` caps a page, as it does DescribeImages'.
        size = page_size
        if "MaxResults" in request:
            size = int(request["MaxResults"])
            if not 1 <= size <= 1000:
                raise Ec2Fault("400 Bad Request", "ValidationException", "MaxResults must be between 1 and 1000")
            size = min(size, page_size)
        offset = 0
        if request.get("NextToken"):
            try:
                offset = int(str(request["NextToken"]).removeprefix("amisim-rules-"))
            except ValueError:
                raise Ec2Fault("400 Bad Request", "ValidationException", "Invalid NextToken") from None
        page = chosen[offset:offset + max(1, size)]
        listed = {"Rules": [{k: r[k] for k in ("Identifier", "Description", "RetentionPeriod", "LockState", "RuleArn")}
                            for r in page]}
        if offset + len(page) < len(chosen):
            listed["NextToken"] = f"amisim-rules-{offset + len(page)}"
        return listed
    if action == "GetRule":
        identifier = path.rsplit("/", 1)[-1]
        for r in rules:
            if r["Identifier"] == identifier:
                return r
        raise Ec2Fault("404 Not Found", "ResourceNotFoundException", f"Rule {identifier} does not exist")
    raise Ec2Fault("404 Not Found", "UnknownOperationException", "unknown Recycle Bin operation")
