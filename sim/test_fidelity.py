"""The simulator against EC2's documented behaviour, asked with boto3 (the
pinned botocore that comes with moto), as an AWS SDK asks. Each test is a row
of sim/README.md's table. Run by scripts/test; alone:

    sim/.venv/bin/python -m unittest discover -s sim -p 'test_*.py'
"""

import json
import os
import subprocess
import sys
import time
import unittest
import urllib.request
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions

SIM = Path(__file__).with_name("amisim.py")
REGION = "us-east-1"


class Simulator:
    def __init__(self, **config) -> None:
        self.proc = subprocess.Popen([sys.executable, str(SIM), "--port", "0", "--config", json.dumps(config)],
                                     stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().split()[-1]
        self.proc.stdout.close()

    def ctl(self, route: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.url}/_sim/{route}", data=data, method="POST" if data else "GET",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def client(self, service: str = "ec2", validate: bool = True):
        """boto3 for this simulator; `validate=False` sends what botocore would
        refuse itself (the Rust SDK checks less)."""
        config = botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=validate)
        return boto3.client(service, region_name=REGION, endpoint_url=self.url, aws_access_key_id="AKIDFIDELITY",
                            aws_secret_access_key="fidelity", config=config)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def code_of(error: botocore.exceptions.ClientError) -> str:
    return error.response["Error"]["Code"]


def image_of_an_instance(sim: Simulator, ec2, name: str) -> str:
    """CreateImage from a fresh instance: the image's id."""
    builder = sim.ctl("run-instance", {"region": REGION})["instance_id"]
    return ec2.create_image(InstanceId=builder, Name=name)["ImageId"]


class Fidelity(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.sim = Simulator()
        cls.ec2 = cls.sim.client()
        cls.sim.ctl("images", {"region": REGION, "images": [
            {"ami_id": "ami-00000000000000001", "name": "mine"},
            {"ami_id": "ami-00000000000000002", "name": "theirs", "owner_id": "210987654321", "public": True},
        ]})

    @classmethod
    def tearDownClass(cls) -> None:
        cls.sim.stop()

    def refused(self, code: str, call, **kwargs) -> str:
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        self.assertEqual(code_of(caught.exception), code, caught.exception)
        return caught.exception.response["Error"]["Message"]

    def test_another_accounts_image_cannot_be_changed(self):
        theirs = "ami-00000000000000002"
        for call in (self.ec2.deregister_image, self.ec2.enable_image_deregistration_protection,
                     self.ec2.disable_image_deregistration_protection):
            message = self.refused("AuthFailure", call, ImageId=theirs)
            self.assertEqual(message, f"Not authorized for image:{theirs}")
        message = self.refused("AuthFailure", self.ec2.modify_image_attribute, ImageId=theirs,
                               Description={"Value": "mine now"})
        self.assertEqual(message, f"Not authorized for image:{theirs}")
        # Still there, and still launchable by you (public).
        self.assertEqual(len(self.ec2.describe_images(ImageIds=[theirs])["Images"]), 1)

    def test_malformed_ids_are_refused_by_every_image_action(self):
        for bad in ("ami-zzzzzzzz", "ami-123", "image-12345678"):
            for call, kwargs in (
                (self.ec2.describe_images, {"ImageIds": [bad]}),
                (self.ec2.deregister_image, {"ImageId": bad}),
                (self.ec2.get_image_ancestry, {"ImageId": bad}),
                (self.ec2.describe_image_references, {"ImageIds": [bad], "IncludeAllResourceTypes": True}),
                (self.ec2.enable_image_deregistration_protection, {"ImageId": bad}),
            ):
                self.refused("InvalidAMIID.Malformed", call, **kwargs)

    def test_missing_ids_are_named_in_one_error(self):
        message = self.refused("InvalidAMIID.NotFound", self.ec2.describe_images,
                               ImageIds=["ami-00000000000000001", "ami-0000000000000000a", "ami-0000000000000000b"])
        self.assertEqual(message, "The image ids '[ami-0000000000000000a, ami-0000000000000000b]' do not exist")

    def test_describe_images_answers_its_documented_filters(self):
        mine = "ami-00000000000000001"
        image = self.ec2.describe_images(ImageIds=[mine])["Images"][0]
        snapshot = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        day = image["CreationDate"][:10]
        for name, value in (("creation-date", f"{day}T*"), ("is-public", "false"), ("state", "available"),
                            ("image-type", "machine"), ("block-device-mapping.snapshot-id", snapshot),
                            ("root-device-type", "ebs"), ("virtualization-type", "hvm")):
            found = self.ec2.describe_images(Owners=["self"], Filters=[{"Name": name, "Values": [value]}])
            self.assertIn(mine, [i["ImageId"] for i in found["Images"]], name)
        for name, value in (("creation-date", "1999-01-01T*"), ("is-public", "true"), ("platform", "windows"),
                            ("source-instance-id", "i-0123456789abcdef0")):
            found = self.ec2.describe_images(Owners=["self"], Filters=[{"Name": name, "Values": [value]}])
            self.assertNotIn(mine, [i["ImageId"] for i in found["Images"]], name)

    def test_unknown_and_nameless_filters_are_refused_even_with_nothing_to_match(self):
        message = self.refused("InvalidParameterValue", self.ec2.describe_images, Owners=["123456789099"],
                               Filters=[{"Name": "image-name", "Values": ["x"]}])
        self.assertEqual(message, "The filter 'image-name' is invalid")
        unchecked = self.sim.client(validate=False)
        self.refused("InvalidParameterValue", unchecked.describe_images, Filters=[{"Values": ["x"]}])
        self.refused("InvalidParameterValue", self.ec2.describe_images, ImageIds=["ami-00000000000000001"],
                     Filters=[{"Name": "tag:", "Values": ["x"]}])

    def test_at_most_200_filter_values_in_one_call(self):
        ids = [f"ami-{n:017x}" for n in range(150)]
        message = self.refused("FilterLimitExceeded", self.ec2.describe_images,
                               Filters=[{"Name": "image-id", "Values": ids}, {"Name": "name", "Values": ids[:51]}])
        self.assertEqual(message, "The maximum number of filter values specified on a single call is 200")
        self.ec2.describe_images(Filters=[{"Name": "image-id", "Values": ids}, {"Name": "name", "Values": ids[:50]}])

    def test_describe_image_references_max_results_is_5_to_1000(self):
        unchecked = self.sim.client(validate=False)
        for size in (4, 1001):
            self.refused("InvalidParameterValue", unchecked.describe_image_references,
                         ImageIds=["ami-00000000000000001"], IncludeAllResourceTypes=True, MaxResults=size)
        answer = self.ec2.describe_image_references(ImageIds=["ami-00000000000000001"], IncludeAllResourceTypes=True,
                                                    MaxResults=5)
        self.assertEqual(answer["ImageReferences"], [])


class LaunchPermissions(unittest.TestCase):
    """DescribeImageAttribute launchPermission: every kind of permission, for the owner only."""

    ORG = "arn:aws:organizations::111122223333:organization/o-abcdef1234"
    OU = "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-cdefgh34"

    @classmethod
    def setUpClass(cls) -> None:
        cls.sim = Simulator()
        cls.ec2 = cls.sim.client()
        cls.sim.ctl("images", {"region": REGION, "images": [
            {"ami_id": "ami-00000000000000011", "name": "shared-widely", "launch_permissions": [
                {"UserId": "210987654321"}, {"OrganizationArn": cls.ORG}, {"OrganizationalUnitArn": cls.OU}]},
            {"ami_id": "ami-00000000000000012", "name": "private"},
            {"ami_id": "ami-00000000000000013", "name": "theirs", "owner_id": "210987654321", "public": True},
        ]})

    @classmethod
    def tearDownClass(cls) -> None:
        cls.sim.stop()

    def permissions(self, image_id: str) -> list[dict]:
        answer = self.ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
        self.assertEqual(answer["ImageId"], image_id)
        return answer["LaunchPermissions"]

    def test_every_kind_of_permission_reads_back(self):
        self.assertEqual(self.permissions("ami-00000000000000011"), [
            {"UserId": "210987654321"}, {"OrganizationArn": self.ORG}, {"OrganizationalUnitArn": self.OU}])
        self.assertEqual(self.permissions("ami-00000000000000012"), [])
        self.sim.ctl("launch-permissions", {"region": REGION, "image_id": "ami-00000000000000012",
                                            "add": [{"Group": "all"}]})
        self.assertEqual(self.permissions("ami-00000000000000012"), [{"Group": "all"}])
        image = self.ec2.describe_images(ImageIds=["ami-00000000000000012"])["Images"][0]
        self.assertTrue(image["Public"])
        self.sim.ctl("launch-permissions", {"region": REGION, "image_id": "ami-00000000000000012",
                                            "remove": [{"Group": "all"}]})
        self.assertEqual(self.permissions("ami-00000000000000012"), [])

    def test_only_the_owner_may_read_them(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.permissions("ami-00000000000000013")
        self.assertEqual(code_of(caught.exception), "AuthFailure")
        self.assertEqual(caught.exception.response["Error"]["Message"], "Not authorized for image:ami-00000000000000013")

    def test_unknown_and_malformed_ids_are_refused(self):
        for image_id, code in (("ami-0000000000000ffff", "InvalidAMIID.NotFound"),
                               ("ami-zzzzzzzz", "InvalidAMIID.Malformed")):
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                self.permissions(image_id)
            self.assertEqual(code_of(caught.exception), code)


class SharingRefusals(unittest.TestCase):
    """What EC2 refuses to share: the AWS managed key, encrypted public, block public access."""

    KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    def setUp(self) -> None:
        self.sim = Simulator()
        self.ec2 = self.sim.client()
        self.sim.ctl("images", {"region": REGION, "images": [
            {"ami_id": "ami-00000000000000021", "name": "managed", "encrypted": "aws-managed"},
            {"ami_id": "ami-00000000000000022", "name": "customer", "encrypted": self.KEY},
            {"ami_id": "ami-00000000000000023", "name": "plain"},
            {"ami_id": "ami-00000000000000024", "name": "customer", "encrypted": "customer"},
        ]})

    def tearDown(self) -> None:
        self.sim.stop()

    def test_a_customer_key_made_in_kms_is_customer_managed(self):
        key = self.snapshot_of("ami-00000000000000024")["KmsKeyId"]
        self.assertEqual(self.sim.client("kms").describe_key(KeyId=key)["KeyMetadata"]["KeyManager"], "CUSTOMER")

    def snapshot_of(self, image_id: str) -> dict:
        image = self.ec2.describe_images(ImageIds=[image_id])["Images"][0]
        snapshot_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        return self.ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]

    def refused(self, code: str, call, **kwargs) -> str:
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        self.assertEqual(code_of(caught.exception), code, caught.exception)
        return caught.exception.response["Error"]["Message"]

    def test_the_aws_managed_key_cannot_be_shared(self):
        snapshot = self.snapshot_of("ami-00000000000000021")
        self.assertTrue(snapshot["Encrypted"])
        # KMS tells it apart: KeyManager AWS, where a customer managed key is CUSTOMER.
        kms = self.sim.client("kms")
        self.assertEqual(kms.describe_key(KeyId=snapshot["KmsKeyId"])["KeyMetadata"]["KeyManager"], "AWS")
        message = self.refused("OperationNotPermitted", self.ec2.modify_snapshot_attribute,
                               SnapshotId=snapshot["SnapshotId"], Attribute="createVolumePermission",
                               CreateVolumePermission={"Add": [{"UserId": "210987654321"}]})
        self.assertEqual(message, "Encrypted snapshots with EBS default key cannot be shared")
        message = self.refused("InvalidParameter", self.ec2.modify_image_attribute, ImageId="ami-00000000000000021",
                               LaunchPermission={"Add": [{"UserId": "210987654321"}]})
        self.assertIn("AWS Managed CMK", message)
        self.assertEqual(self.ec2.describe_image_attribute(ImageId="ami-00000000000000021",
                                                           Attribute="launchPermission")["LaunchPermissions"], [])

    def test_a_customer_key_can_be_shared_with_accounts_not_made_public(self):
        snapshot = self.snapshot_of("ami-00000000000000022")
        self.assertEqual(snapshot["KmsKeyId"], self.KEY)
        for form in ({"CreateVolumePermission": {"Add": [{"UserId": "210987654321"}]}},
                     {"OperationType": "add", "UserIds": ["333344445555"]}):
            self.ec2.modify_snapshot_attribute(SnapshotId=snapshot["SnapshotId"], Attribute="createVolumePermission",
                                               **form)
        permissions = self.ec2.describe_snapshot_attribute(SnapshotId=snapshot["SnapshotId"],
                                                           Attribute="createVolumePermission")
        self.assertEqual(sorted(p["UserId"] for p in permissions["CreateVolumePermissions"]),
                         ["210987654321", "333344445555"])
        self.refused("InvalidParameter", self.ec2.modify_snapshot_attribute, SnapshotId=snapshot["SnapshotId"],
                     Attribute="createVolumePermission", CreateVolumePermission={"Add": [{"Group": "all"}]})
        self.refused("InvalidParameter", self.ec2.modify_image_attribute, ImageId="ami-00000000000000022",
                     LaunchPermission={"Add": [{"Group": "all"}]})

    def test_block_public_access_refuses_public_sharing_only(self):
        state = self.ec2.get_image_block_public_access_state()
        self.assertEqual(state["ImageBlockPublicAccessState"], "unblocked")
        self.sim.ctl("config", {"image_block_public_access": "block-new-sharing"})
        self.assertEqual(self.ec2.get_image_block_public_access_state()["ImageBlockPublicAccessState"],
                         "block-new-sharing")
        message = self.refused("OperationNotPermitted", self.ec2.modify_image_attribute,
                               ImageId="ami-00000000000000023", LaunchPermission={"Add": [{"Group": "all"}]})
        self.assertIn("block public access for AMIs is enabled", message)
        self.ec2.modify_image_attribute(ImageId="ami-00000000000000023",
                                        LaunchPermission={"Add": [{"UserId": "210987654321"}]})
        self.refused("InvalidParameterValue", self.ec2.modify_image_attribute, ImageId="ami-00000000000000023",
                     LaunchPermission={"Add": [{"OrganizationArn": "arn:aws:organizations::1:organization/o-x"}]})


class UsageReports(unittest.TestCase):
    """AMI usage reports: pending, then available with the covered accounts' uses; error; deleted."""

    def setUp(self) -> None:
        self.sim = Simulator(usage_report_seconds=1, usage_report_errors=["ami-00000000000000032"])
        self.ec2 = self.sim.client()
        self.sim.ctl("images", {"region": REGION, "images": [
            {"ami_id": "ami-00000000000000031", "name": "shared", "launch_permissions": [
                {"UserId": "210987654321"}, {"UserId": "333344445555"}]},
            {"ami_id": "ami-00000000000000032", "name": "broken"},
            {"ami_id": "ami-00000000000000033", "name": "theirs", "owner_id": "210987654321", "public": True},
        ]})
        self.sim.ctl("other-account-use", {"region": REGION, "image_id": "ami-00000000000000031",
                                           "account_id": "210987654321", "resource_type": "ec2:LaunchTemplate"})
        self.sim.ctl("other-account-use", {"region": REGION, "image_id": "ami-00000000000000031",
                                           "account_id": "444455556666", "resource_type": "ec2:Instance", "count": 3})

    def tearDown(self) -> None:
        self.sim.stop()

    TYPES = [{"ResourceType": "ec2:Instance"}, {"ResourceType": "ec2:LaunchTemplate"}]

    def report(self, report_id: str) -> dict:
        return self.ec2.describe_image_usage_reports(ReportIds=[report_id])["ImageUsageReports"][0]

    def test_a_report_is_pending_then_shows_the_covered_accounts_uses(self):
        report_id = self.ec2.create_image_usage_report(ImageId="ami-00000000000000031", ResourceTypes=self.TYPES,
                                                       AccountIds=["210987654321", "333344445555"])["ReportId"]
        self.assertEqual(self.report(report_id)["State"], "pending")
        self.assertEqual(self.ec2.describe_image_usage_report_entries(ReportIds=[report_id])["ImageUsageReportEntries"], [])
        time.sleep(1.2)
        report = self.report(report_id)
        self.assertEqual(report["State"], "available")
        self.assertEqual(report["AccountIds"], ["210987654321", "333344445555"])
        entries = self.ec2.describe_image_usage_report_entries(ReportIds=[report_id])["ImageUsageReportEntries"]
        self.assertEqual([(e["AccountId"], e["ResourceType"], e["UsageCount"]) for e in entries],
                         [("210987654321", "ec2:LaunchTemplate", 1)], "444455556666 is not covered")
        every = self.ec2.create_image_usage_report(ImageId="ami-00000000000000031", ResourceTypes=self.TYPES)["ReportId"]
        time.sleep(1.2)
        entries = self.ec2.describe_image_usage_report_entries(ReportIds=[every])["ImageUsageReportEntries"]
        self.assertEqual(sorted(e["AccountId"] for e in entries), ["210987654321", "444455556666"])
        self.ec2.delete_image_usage_report(ReportId=report_id)
        self.assertEqual(self.ec2.describe_image_usage_reports(ReportIds=[report_id])["ImageUsageReports"], [])

    def test_errors_and_refusals(self):
        report_id = self.ec2.create_image_usage_report(ImageId="ami-00000000000000032",
                                                       ResourceTypes=self.TYPES)["ReportId"]
        time.sleep(1.2)
        report = self.report(report_id)
        self.assertEqual(report["State"], "error")
        self.assertTrue(report["StateReason"])
        for image_id, code in (("ami-00000000000000033", "AuthFailure"), ("ami-0000000000000ffff", "InvalidAMIID.NotFound")):
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                self.ec2.create_image_usage_report(ImageId=image_id, ResourceTypes=self.TYPES)
            self.assertEqual(code_of(caught.exception), code)


class Retirement(unittest.TestCase):
    """Deprecating (minute rounding, date limits) and disabling (sharing removed, not given back)."""

    def setUp(self) -> None:
        self.sim = Simulator()
        self.ec2 = self.sim.client()
        self.sim.ctl("images", {"region": REGION, "images": [
            {"ami_id": "ami-00000000000000041", "name": "old", "launch_permissions": [
                {"UserId": "210987654321"}, {"Group": "all"}], "creation_date": "2026-01-01T00:00:00Z"},
            {"ami_id": "ami-00000000000000042", "name": "theirs", "owner_id": "210987654321", "public": True},
        ]})

    def tearDown(self) -> None:
        self.sim.stop()

    def image(self, **kwargs) -> dict:
        return self.ec2.describe_images(ImageIds=["ami-00000000000000041"], **kwargs)["Images"][0]

    def refused(self, code: str, call, **kwargs) -> None:
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        self.assertEqual(code_of(caught.exception), code, caught.exception)

    def test_deprecation_is_rounded_to_the_minute_and_bounded(self):
        import datetime as dt
        now = dt.datetime.now(dt.timezone.utc)
        at = (now + dt.timedelta(days=1)).replace(second=40, microsecond=0)
        self.ec2.enable_image_deprecation(ImageId="ami-00000000000000041", DeprecateAt=at)
        expected = (at.replace(second=0) + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.assertEqual(self.image()["DeprecationTime"], expected)
        self.refused("InvalidParameterValue", self.ec2.enable_image_deprecation, ImageId="ami-00000000000000041",
                     DeprecateAt=now - dt.timedelta(hours=1))
        # Public: at most two years from its creation (2026-01-01).
        self.refused("InvalidParameterValue", self.ec2.enable_image_deprecation, ImageId="ami-00000000000000041",
                     DeprecateAt=dt.datetime(2028, 6, 1, tzinfo=dt.timezone.utc))
        self.refused("AuthFailure", self.ec2.enable_image_deprecation, ImageId="ami-00000000000000042",
                     DeprecateAt=at)
        self.ec2.disable_image_deprecation(ImageId="ami-00000000000000041")
        self.assertNotIn("DeprecationTime", self.image())

    def test_disabling_removes_the_sharing_and_enabling_does_not_give_it_back(self):
        self.ec2.disable_image(ImageId="ami-00000000000000041")
        self.assertEqual(self.ec2.describe_images(Owners=["self"])["Images"], [], "hidden without IncludeDisabled")
        image = self.image(IncludeDisabled=True)
        self.assertEqual((image["State"], image["Public"]), ("disabled", False))
        self.ec2.enable_image(ImageId="ami-00000000000000041")
        self.assertEqual(self.image()["State"], "available")
        self.assertEqual(self.ec2.describe_image_attribute(ImageId="ami-00000000000000041",
                                                           Attribute="launchPermission")["LaunchPermissions"], [])
        self.refused("AuthFailure", self.ec2.disable_image, ImageId="ami-00000000000000042")


class NamesAfterDeregistration(unittest.TestCase):
    def test_a_deregistered_images_name_stays_taken_for_a_while(self):
        sim = Simulator(name_reserved_seconds=2, pending_seconds=0)
        try:
            ec2 = sim.client()
            instance = sim.ctl("run-instance", {"region": REGION})["instance_id"]
            first = ec2.create_image(InstanceId=instance, Name="nightly")["ImageId"]
            ec2.deregister_image(ImageId=first)
            message = self.assertRaisesRegex(botocore.exceptions.ClientError, "InvalidAMIName.Duplicate")
            with message:
                ec2.create_image(InstanceId=instance, Name="nightly")
            time.sleep(2.2)
            self.assertTrue(ec2.create_image(InstanceId=instance, Name="nightly")["ImageId"].startswith("ami-"))
        finally:
            sim.stop()


class DeregisteredImagesFade(unittest.TestCase):
    """botocore's DescribeImages documentation: 'Recently deregistered images
    appear in the returned results for a short interval and then return empty
    results. After all instances that reference a deregistered AMI are
    terminated, specifying the ID of the image will eventually return an error
    indicating that the AMI ID cannot be found.'"""

    def test_shown_then_an_empty_answer_then_not_found_once_its_instances_are_gone(self):
        sim = Simulator(deregistered_seconds=1, deregistered_empty_seconds=1, pending_seconds=0)
        try:
            ec2 = sim.client()
            image = image_of_an_instance(sim, ec2, "fading")
            launched = sim.ctl("run-instance", {"region": REGION, "image_id": image})["instance_id"]
            ec2.deregister_image(ImageId=image)
            shown = ec2.describe_images(ImageIds=[image])["Images"]
            self.assertEqual([(i["ImageId"], i["State"]) for i in shown], [(image, "deregistered")])
            time.sleep(1.2)
            self.assertEqual(ec2.describe_images(ImageIds=[image])["Images"], [], "gone: an empty answer")
            time.sleep(1.2)
            self.assertEqual(ec2.describe_images(ImageIds=[image])["Images"], [],
                             "not NotFound while an instance launched from it is not terminated")
            ec2.terminate_instances(InstanceIds=[launched])
            self.refused_not_found(ec2, image)
        finally:
            sim.stop()

    def refused_not_found(self, ec2, image: str) -> None:
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            ec2.describe_images(ImageIds=[image])
        self.assertEqual(code_of(caught.exception), "InvalidAMIID.NotFound")


class LaunchesAndTerminations(unittest.TestCase):
    def test_last_launched_time_is_reported_late(self):
        sim = Simulator(last_launched_delay_seconds=1, pending_seconds=0)
        try:
            ec2 = sim.client()
            image = image_of_an_instance(sim, ec2, "launched")
            ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
            self.assertNotIn("LastLaunchedTime", ec2.describe_images(ImageIds=[image])["Images"][0], "not yet")
            time.sleep(1.2)
            self.assertIn("LastLaunchedTime", ec2.describe_images(ImageIds=[image])["Images"][0])
        finally:
            sim.stop()

    def test_a_terminated_instance_stays_visible_for_a_while_then_is_gone(self):
        """TerminateInstances: 'Terminated instances remain visible after
        termination (for approximately one hour).'"""
        sim = Simulator(terminated_visible_seconds=1)
        try:
            ec2 = sim.client()
            launched = sim.ctl("run-instance", {"region": REGION})
            ec2.terminate_instances(InstanceIds=[launched["instance_id"]])
            states = [i["State"]["Name"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
            self.assertEqual(states, ["terminated"])
            uses = ec2.describe_image_references(ImageIds=[launched["image_id"]], IncludeAllResourceTypes=True)
            self.assertEqual(len(uses["ImageReferences"]), 1, "a terminated instance is still a reference")
            time.sleep(1.2)
            self.assertEqual(ec2.describe_instances()["Reservations"], [])
            uses = ec2.describe_image_references(ImageIds=[launched["image_id"]], IncludeAllResourceTypes=True)
            self.assertEqual(uses["ImageReferences"], [])
        finally:
            sim.stop()


class RecycleBinPages(unittest.TestCase):
    def test_list_rules_is_paginated(self):
        sim = Simulator(page_size=2)
        try:
            for days in (1, 2, 3, 4, 5):
                sim.ctl("recycle-bin-rule", {"region": REGION, "retention_days": days})
            rbin = sim.client("rbin")
            first = rbin.list_rules(ResourceType="EC2_IMAGE")
            self.assertEqual(len(first["Rules"]), 2)
            seen = [r["Identifier"] for r in first["Rules"]]
            token = first.get("NextToken")
            while token:
                page = rbin.list_rules(ResourceType="EC2_IMAGE", NextToken=token, MaxResults=1)
                self.assertEqual(len(page["Rules"]), 1)
                seen += [r["Identifier"] for r in page["Rules"]]
                token = page.get("NextToken")
            self.assertEqual(len(set(seen)), 5)
        finally:
            sim.stop()


class Accounts(unittest.TestCase):
    """Several accounts through STS AssumeRole: each acts in its own account,
    sees the region's images through its own view, and keeps its own tags."""

    BUILD, WORKLOAD = "123456789012", "222222222222"
    ROLE = f"arn:aws:iam::{WORKLOAD}:role/amitools-read"

    def setUp(self) -> None:
        self.sim = Simulator(assumable_roles=[self.ROLE], signing_secrets={"AKIDFIDELITY": "fidelity"})

    def tearDown(self) -> None:
        self.sim.stop()

    def workload(self, service: str = "ec2", secret: str | None = None):
        sts = self.sim.client("sts")
        credentials = sts.assume_role(RoleArn=self.ROLE, RoleSessionName="amitools")["Credentials"]
        config = botocore.config.Config(retries={"max_attempts": 1})
        return boto3.client(service, region_name=REGION, endpoint_url=self.sim.url,
                            aws_access_key_id=credentials["AccessKeyId"],
                            aws_secret_access_key=secret or credentials["SecretAccessKey"],
                            aws_session_token=credentials["SessionToken"], config=config)

    def test_a_role_acts_in_its_own_account(self):
        identity = self.workload("sts").get_caller_identity()
        self.assertEqual(identity["Account"], self.WORKLOAD)
        self.assertEqual(identity["Arn"], f"arn:aws:sts::{self.WORKLOAD}:assumed-role/amitools-read/amitools")
        stats = self.sim.ctl("stats")
        self.assertEqual(stats["accounts"][self.WORKLOAD], {"GetCallerIdentity": 1})

    def test_a_role_not_assumable_is_refused(self):
        sts = self.sim.client("sts")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sts.assume_role(RoleArn="arn:aws:iam::333333333333:role/amitools-read", RoleSessionName="amitools")
        self.assertEqual(code_of(caught.exception), "AccessDenied")
        self.assertIn("sts:AssumeRole on resource: arn:aws:iam::333333333333:role/amitools-read",
                      caught.exception.response["Error"]["Message"])

    def test_issued_credentials_are_signature_checked(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.workload(secret="not-the-issued-secret").describe_images(Owners=["self"])
        self.assertEqual(code_of(caught.exception), "SignatureDoesNotMatch")

    def test_each_account_sees_its_own_images_and_tags_and_what_is_shared(self):
        build = self.sim.client()
        base = self.sim.ctl("images", {"region": REGION, "images": [
            {"name": "base", "tags": {"team": "build"}, "launch_permissions": [{"UserId": self.WORKLOAD}]},
            {"name": "private"}]})["image_ids"]
        workload = self.workload()
        instance = self.sim.ctl("run-instance", {"region": REGION, "image_id": base[0],
                                                 "account": self.WORKLOAD})["instance_id"]
        derived = workload.create_image(InstanceId=instance, Name="app",
                                        TagSpecifications=[{"ResourceType": "image",
                                                            "Tags": [{"Key": "team", "Value": "app"}]}])["ImageId"]
        mine = workload.describe_images(Owners=["self"])["Images"]
        self.assertEqual([(i["ImageId"], i["OwnerId"], i["SourceImageId"]) for i in mine],
                         [(derived, self.WORKLOAD, base[0])])
        self.assertEqual(mine[0]["Tags"], [{"Key": "team", "Value": "app"}])
        shared = workload.describe_images(ImageIds=[base[0]])["Images"][0]
        self.assertEqual((shared["OwnerId"], shared.get("Tags")), (self.BUILD, None))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            workload.describe_images(ImageIds=[base[1]])
        self.assertEqual(code_of(caught.exception), "InvalidAMIID.NotFound")
        # The build account does not see the workload's image (not shared), nor its instance.
        self.assertEqual(sorted(i["Name"] for i in build.describe_images(Owners=["self"])["Images"]),
                         ["base", "private"])
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            build.describe_images(ImageIds=[derived])
        self.assertEqual(code_of(caught.exception), "InvalidAMIID.NotFound")
        self.assertEqual(build.describe_instances()["Reservations"], [])
        # Neither may change the other's image; a copy of what is not shared is refused.
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            workload.deregister_image(ImageId=base[0])
        self.assertEqual(code_of(caught.exception), "AuthFailure")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            workload.copy_image(SourceImageId=base[1], SourceRegion=REGION, Name="stolen")
        self.assertEqual(code_of(caught.exception), "InvalidAMIID.NotFound")

    def test_a_users_keys_act_in_its_account(self):
        key = self.sim.ctl("access-key", {"account": self.WORKLOAD})
        sts = boto3.client("sts", region_name=REGION, endpoint_url=self.sim.url,
                           aws_access_key_id=key["access_key_id"], aws_secret_access_key=key["secret_access_key"])
        self.assertEqual(sts.get_caller_identity()["Account"], self.WORKLOAD)
        wrong = boto3.client("sts", region_name=REGION, endpoint_url=self.sim.url,
                             aws_access_key_id=key["access_key_id"], aws_secret_access_key="not-its-secret",
                             config=botocore.config.Config(retries={"max_attempts": 1}))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            wrong.get_caller_identity()
        self.assertEqual(code_of(caught.exception), "SignatureDoesNotMatch")

    def test_a_denied_account_is_refused_whoever_signs(self):
        self.sim.ctl("config", {"deny_accounts": [self.WORKLOAD]})
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.workload().describe_images(Owners=["self"])
        self.assertEqual(code_of(caught.exception), "UnauthorizedOperation")
        self.sim.client().describe_images(Owners=["self"])


class SnapshotProgress(unittest.TestCase):
    def test_a_copys_snapshot_fills_while_the_copy_is_pending(self):
        sim = Simulator(pending_seconds=2.0)
        try:
            ec2 = sim.client()
            source = sim.ctl("images", {"region": REGION, "images": [{"name": "source"}]})["image_ids"][0]
            copy = ec2.copy_image(SourceImageId=source, SourceRegion=REGION, Name="copy")["ImageId"]
            snapshot = ec2.describe_images(ImageIds=[copy])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
            time.sleep(0.6)
            seen = ec2.describe_snapshots(SnapshotIds=[snapshot])["Snapshots"][0]
            self.assertEqual(seen["State"], "pending")
            self.assertTrue(10 <= int(seen["Progress"].rstrip("%")) < 100, seen["Progress"])
            time.sleep(1.6)
            ec2.describe_images(ImageIds=[copy])
            seen = ec2.describe_snapshots(SnapshotIds=[snapshot])["Snapshots"][0]
            self.assertEqual((seen["State"], seen["Progress"]), ("completed", "100%"))
        finally:
            sim.stop()


class Watermarks(unittest.TestCase):
    def test_a_watermark_follows_create_and_copy_not_register_and_filters_find_it(self):
        sim = Simulator(pending_seconds=0.0)
        try:
            ec2 = sim.client()
            root, registered, public = sim.ctl("images", {"region": REGION, "images": [
                {"name": "root"}, {"name": "registered"}, {"name": "public", "public": True}]})["image_ids"]
            key = ec2.attach_image_watermark(ImageId=root, WatermarkName="approved base")["WatermarkKey"]
            self.assertEqual(key, "123456789012:approved base")
            instance = sim.ctl("run-instance", {"region": REGION, "image_id": root})["instance_id"]
            child = ec2.create_image(InstanceId=instance, Name="child")["ImageId"]
            west = boto3.client("ec2", region_name="us-west-2", endpoint_url=sim.url, aws_access_key_id="AKIDFIDELITY",
                                aws_secret_access_key="fidelity")
            copy = west.copy_image(SourceImageId=child, SourceRegion=REGION, Name="copy")["ImageId"]
            marks = ec2.describe_images(ImageIds=[child])["Images"][0]["ImageWatermarks"]
            self.assertEqual([(m["WatermarkKey"], m["SourceImageId"], m["SourceImageRegion"]) for m in marks],
                             [(key, root, REGION)])
            self.assertEqual(west.describe_images(ImageIds=[copy])["Images"][0]["ImageWatermarks"][0]["WatermarkKey"], key)
            found = ec2.describe_images(Owners=["self"], Filters=[{"Name": "image-watermark.source-image-id",
                                                                   "Values": [root]}])["Images"]
            self.assertEqual(sorted(i["ImageId"] for i in found), sorted([root, child]))
            self.assertNotIn("ImageWatermarks", ec2.describe_images(ImageIds=[registered])["Images"][0])
            # Not on a public image; only the owner; detaching leaves the derived images theirs.
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                ec2.attach_image_watermark(ImageId=public, WatermarkName="approved base")
            self.assertEqual(code_of(caught.exception), "InvalidParameter")
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                sim.client(validate=False).attach_image_watermark(ImageId=root, WatermarkName="no")
            self.assertEqual(code_of(caught.exception), "InvalidParameterValue")
            ec2.detach_image_watermark(ImageId=root, WatermarkKey=key)
            ec2.detach_image_watermark(ImageId=root, WatermarkKey=key)
            self.assertNotIn("ImageWatermarks", ec2.describe_images(ImageIds=[root])["Images"][0])
            self.assertEqual(len(ec2.describe_images(ImageIds=[child])["Images"][0]["ImageWatermarks"]), 1)
        finally:
            sim.stop()


class CopiesInFlight(unittest.TestCase):
    def test_copies_beyond_the_limit_are_refused_until_one_is_done(self):
        sim = Simulator(copies_in_flight_max=2, pending_seconds=1.0)
        try:
            ec2 = sim.client()
            source = sim.ctl("images", {"region": REGION, "images": [{"name": "source"}]})["image_ids"][0]
            west = boto3.client("ec2", region_name="us-west-2", endpoint_url=sim.url, aws_access_key_id="AKIDFIDELITY",
                                aws_secret_access_key="fidelity",
                                config=botocore.config.Config(retries={"max_attempts": 1}))
            for n in (1, 2):
                west.copy_image(SourceImageId=source, SourceRegion=REGION, Name=f"copy-{n}")
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                west.copy_image(SourceImageId=source, SourceRegion=REGION, Name="copy-3")
            self.assertEqual(code_of(caught.exception), "ResourceLimitExceeded")
            # Another destination has its own limit; once the copies are done, there is room again.
            ec2.copy_image(SourceImageId=source, SourceRegion=REGION, Name="copy-here")
            time.sleep(1.2)
            west.copy_image(SourceImageId=source, SourceRegion=REGION, Name="copy-3")
        finally:
            sim.stop()


if __name__ == "__main__":
    os.chdir(Path(__file__).parent)
    unittest.main()
