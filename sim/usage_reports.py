"""AMI usage reports, as EC2 documents them (API reference, CreateImageUsageReport,
DescribeImageUsageReports, DescribeImageUsageReportEntries, DeleteImageUsageReport;
user guide, "View your AMI usage"): how other accounts use an image you own.

- CreateImageUsageReport: ImageId (yours: another account's image is
  AuthFailure), ResourceType.N (`ec2:Instance`, `ec2:LaunchTemplate`; at
  least one), AccountId.N (at most 200; none: every account). The report is
  `pending`, then `available` after `usage_report_seconds` (EC2 documents no
  time: the simulator's knob, default 0), or `error` for the images in
  `usage_report_errors` (with a StateReason). Reports expire 30 days after creation.
- The uses are seeded per account (`POST other-account-use`): EC2 itself
  builds them from the other accounts' instances and launch templates, which
  a one-account simulator does not hold. A report holds the uses of the
  accounts it covers, as they were when it became available.
- DescribeImageUsageReports (ReportId.N / ImageId.N, at most 200; paginated)
  and DescribeImageUsageReportEntries (entries of available reports:
  ResourceType, AccountId, UsageCount, ImageId, ReportId; paginated; a
  report not yet available has no entries).
- Report ids are `amiur-` and 17 hexadecimal digits, and an unknown id is
  `InvalidImageUsageReportId.NotFound` (both the simulator's choice: EC2's
  reference shows neither).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from images import XMLNS, Ec2Fault, _text, bad_parameter, iso, numbered
from usage import owned_image

RESOURCE_TYPES = ("ec2:Instance", "ec2:LaunchTemplate")
IDS_MAX = 200
EXPIRY = timedelta(days=30)


class Report:
    def __init__(self, image_id: str, accounts: list[str], resource_types: list[str], ready_at: float,
                 error: str | None) -> None:
        self.report_id = "amiur-" + uuid.uuid4().hex[:17]
        self.image_id = image_id
        self.accounts = accounts
        self.resource_types = resource_types
        self.created = datetime.now(timezone.utc)
        self.ready_at = ready_at
        self.error = error
        self.entries: list[dict] | None = None  # set when it becomes available

    def state(self, now: float) -> str:
        if now < self.ready_at:
            return "pending"
        return "error" if self.error else "available"


def create(reports: dict, amis: dict, uses: list[dict], params: dict, account: str, now: float, seconds: float,
           errors: list[str]) -> bytes:
    image_id = owned_image(amis, params, account).id
    types = []
    n = 1
    while f"ResourceType.{n}.ResourceType" in params:
        kind = params[f"ResourceType.{n}.ResourceType"][0]
        if kind not in RESOURCE_TYPES:
            raise bad_parameter(f"Invalid resource type: {kind}")
        types.append(kind)
        n += 1
    if not types:
        raise Ec2Fault("400 Bad Request", "MissingParameter", "The request must contain the parameter ResourceType")
    accounts = numbered(params, "AccountId")
    if len(accounts) > IDS_MAX:
        raise bad_parameter(f"At most {IDS_MAX} account ids can be given; {len(accounts)} were")
    report = Report(image_id, accounts, types, now + seconds,
                    "The report could not be created." if image_id in errors else None)
    # What the other accounts use now: the report shows the uses as they were when it was made.
    report.entries = [dict(u) for u in uses if u["image_id"] == image_id and u["resource_type"] in types
                      and (not accounts or u["account_id"] in accounts) and u["count"] > 0]
    reports[report.report_id] = report
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<CreateImageUsageReportResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId>{_text('reportId', report.report_id)}"
            "</CreateImageUsageReportResponse>").encode()


def _selected(reports: dict, params: dict, now_utc: datetime) -> list[Report]:
    report_ids, image_ids = numbered(params, "ReportId"), numbered(params, "ImageId")
    if len(report_ids) > IDS_MAX or len(image_ids) > IDS_MAX:
        raise bad_parameter(f"At most {IDS_MAX} ids can be given")
    for gone in [r for r in reports.values() if now_utc - r.created > EXPIRY]:
        del reports[gone.report_id]
    chosen = [r for r in reports.values()
              if (not report_ids or r.report_id in report_ids) and (not image_ids or r.image_id in image_ids)]
    return sorted(chosen, key=lambda r: (r.created, r.report_id))


def _page(items: list, params: dict, page_size: int) -> tuple[list, str | None]:
    size = page_size
    if "MaxResults" in params:
        size = min(size, max(1, int(params["MaxResults"][0])))
    offset = 0
    token = (params.get("NextToken") or [None])[0]
    if token:
        try:
            offset = int(token.removeprefix("amisim-ur-"))
        except ValueError:
            raise bad_parameter("The token is invalid") from None
    page = items[offset:offset + size]
    following = offset + size
    return page, (f"amisim-ur-{following}" if following < len(items) else None)


def describe(reports: dict, params: dict, now: float, page_size: int) -> bytes:
    chosen = _selected(reports, params, datetime.now(timezone.utc))
    page, token = _page(chosen, params, page_size)
    items = []
    for report in page:
        state = report.state(now)
        accounts = "".join(_text("item", a) for a in report.accounts)
        types = "".join(f"<item>{_text('resourceType', t)}</item>" for t in report.resource_types)
        items.append("".join([
            "<item>", _text("imageId", report.image_id), _text("reportId", report.report_id),
            f"<resourceTypeSet>{types}</resourceTypeSet>",
            f"<accountIdSet>{accounts}</accountIdSet>" if report.accounts else "",
            _text("state", state),
            _text("stateReason", report.error if state == "error" else None),
            _text("creationTime", iso(report.created)), _text("expirationTime", iso(report.created + EXPIRY)),
            "</item>",
        ]))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImageUsageReportsResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><imageUsageReportSet>{''.join(items)}</imageUsageReportSet>"
            f"{_text('nextToken', token) if token else ''}</DescribeImageUsageReportsResponse>").encode()


def entries(reports: dict, params: dict, now: float, page_size: int) -> bytes:
    chosen = [r for r in _selected(reports, params, datetime.now(timezone.utc)) if r.state(now) == "available"]
    rows = [(r, e) for r in chosen for e in (r.entries or [])]
    page, token = _page(rows, params, page_size)
    items = "".join("".join([
        "<item>", _text("resourceType", e["resource_type"]), _text("reportId", r.report_id),
        _text("usageCount", e["count"]), _text("accountId", e["account_id"]), _text("imageId", r.image_id),
        _text("reportCreationTime", iso(r.created)), "</item>",
    ]) for r, e in page)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImageUsageReportEntriesResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><imageUsageReportEntrySet>{items}</imageUsageReportEntrySet>"
            f"{_text('nextToken', token) if token else ''}</DescribeImageUsageReportEntriesResponse>").encode()


def delete(reports: dict, params: dict) -> bytes:
    report_id = (params.get("ReportId") or [""])[0]
    if report_id not in reports:
        raise Ec2Fault("400 Bad Request", "InvalidImageUsageReportId.NotFound",
                       f"The image usage report ID '{report_id}' does not exist")
    del reports[report_id]
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DeleteImageUsageReportResponse xmlns="{XMLNS}">'
            f"<requestId>{uuid.uuid4()}</requestId><return>true</return></DeleteImageUsageReportResponse>").encode()
