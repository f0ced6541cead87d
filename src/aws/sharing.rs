//! Who may launch an image besides its owner, and copy it (the
//! `ImageSharing` trait, through the SDK): DescribeImageAttribute
//! `launchPermission` (one image a call: EC2 takes one id; a few calls in
//! flight, each paced), ModifyImageAttribute, DescribeSnapshots,
//! Describe/ModifySnapshotAttribute `createVolumePermission`,
//! GetImageBlockPublicAccessState, and KMS DescribeKey.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_ec2::types::{
    CreateVolumePermission, CreateVolumePermissionModifications, ImageAttributeName, LaunchPermission,
    LaunchPermissionModifications, PermissionGroup, SnapshotAttributeName,
};
use aws_sdk_ec2::Client;

use super::activity::Activity;
use super::guards::EndpointName;
use super::pacing::Pacer;
use super::runtime::Gate;
use super::{AwsError, AwsErrorKind, ImageSharing, SdkAws, SharingAnswer};
use crate::ids::{AmiId, Region};
use crate::image::{Grantee, Sharing, SnapshotSharing};

const ACTION: &str = "DescribeImageAttribute";

/// DescribeImageAttribute calls in flight at once (per region): as many as
/// DescribeImageReferences, so that the pacer, not a burst, sets the rate.
const CALLS_IN_FLIGHT: usize = 8;

/// Requests made ready at once (see `launch_permissions`).
const FUTURES_AT_ONCE: usize = 256;

/// One image's launch permissions.
async fn launch_permissions_of(
    client: Client,
    region: Region,
    endpoint: EndpointName,
    pacer: Arc<Pacer>,
    activity: Arc<Activity>,
    id: AmiId,
) -> Result<Sharing, AwsError> {
    let gate = Gate { pacer: &pacer, region: &region, service: "ec2", action: ACTION };
    let answer = gate
        .patiently(|| async {
            client
                .describe_image_attribute()
                .image_id(id.to_string())
                .attribute(ImageAttributeName::LaunchPermission)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(ACTION, &endpoint.name(), e))
        })
        .await;
    activity.checked(1);
    let output = answer?;
    // An answer about another image is not an answer about this one.
    if output.image_id().is_some_and(|answered| answered != id.as_str()) {
        return Err(AwsError::new(
            ACTION,
            AwsErrorKind::Other,
            format!("EC2 answered about another image ({:?}) when asked about {id}", output.image_id()),
            &endpoint.name(),
        ));
    }
    sharing_of(output.launch_permissions())
        .map_err(|why| AwsError::new(ACTION, AwsErrorKind::Other, why, &endpoint.name()))
}

/// The permissions as amitools keeps them. One it cannot read (a group
/// other than `all`, an entry naming nobody) makes the whole answer
/// unusable: deciding on the rest could delete an image someone launches.
fn sharing_of(permissions: &[LaunchPermission]) -> Result<Sharing, String> {
    let mut sharing = Sharing::default();
    for permission in permissions {
        match (
            permission.group(),
            permission.user_id(),
            permission.organization_arn(),
            permission.organizational_unit_arn(),
        ) {
            (Some(PermissionGroup::All), None, None, None) => sharing.public = true,
            (None, Some(account), None, None) => sharing.accounts.push(account.to_string()),
            (None, None, Some(organization), None) => sharing.organizations.push(organization.to_string()),
            (None, None, None, Some(unit)) => sharing.organizational_units.push(unit.to_string()),
            _ => return Err(format!("EC2 returned a launch permission amitools cannot read ({permission:?})")),
        }
    }
    Ok(sharing)
}

/// A grantee as EC2's launch permission names it.
fn launch_permission(grantee: &Grantee) -> LaunchPermission {
    let permission = LaunchPermission::builder();
    match grantee {
        Grantee::Public => permission.group(PermissionGroup::All),
        Grantee::Account(id) => permission.user_id(id),
        Grantee::Organization(arn) => permission.organization_arn(arn),
        Grantee::OrganizationalUnit(arn) => permission.organizational_unit_arn(arn),
    }
    .build()
}

/// Who may create volumes from a snapshot, as amitools keeps it; an entry
/// it cannot read is an error (deciding on the rest could mislead).
fn volume_grantees(permissions: &[CreateVolumePermission]) -> Result<Vec<Grantee>, String> {
    permissions
        .iter()
        .map(|permission| match (permission.group(), permission.user_id()) {
            (Some(PermissionGroup::All), None) => Ok(Grantee::Public),
            (None, Some(account)) => Ok(Grantee::Account(account.to_string())),
            _ => Err(format!("EC2 returned a create-volume permission amitools cannot read ({permission:?})")),
        })
        .collect()
}

impl ImageSharing for SdkAws {
    fn change_launch_permissions(
        &self,
        region: &Region,
        id: &AmiId,
        add: bool,
        grantees: &[Grantee],
    ) -> Result<(), AwsError> {
        let permissions: Vec<LaunchPermission> = grantees.iter().map(launch_permission).collect();
        let modifications = if add {
            LaunchPermissionModifications::builder().set_add(Some(permissions)).build()
        } else {
            LaunchPermissionModifications::builder().set_remove(Some(permissions)).build()
        };
        // Adding or removing a permission twice is harmless: the SDK's retry
        // after a lost answer and amitools' resend while throttled are safe.
        self.send(region, "ModifyImageAttribute", |c| {
            c.modify_image_attribute().image_id(id.as_str()).launch_permission(modifications.clone()).send()
        })?;
        Ok(())
    }

    fn snapshot_sharing(&self, region: &Region, snapshot_ids: &[String]) -> Result<Vec<SnapshotSharing>, AwsError> {
        if snapshot_ids.is_empty() {
            return Ok(Vec::new());
        }
        let endpoint = self.endpoint(region);
        let answer = self.send(region, "DescribeSnapshots", |c| {
            c.describe_snapshots().set_snapshot_ids(Some(snapshot_ids.to_vec())).send()
        })?;
        let mut found = Vec::new();
        for id in snapshot_ids {
            let Some(snapshot) = answer.snapshots().iter().find(|s| s.snapshot_id() == Some(id.as_str())) else {
                return Err(AwsError::new(
                    "DescribeSnapshots",
                    AwsErrorKind::NotFound,
                    format!("snapshot {} was not in EC2's answer", crate::output::shown(id)),
                    &endpoint.name(),
                ));
            };
            let attribute = self.send(region, "DescribeSnapshotAttribute", |c| {
                c.describe_snapshot_attribute()
                    .snapshot_id(id)
                    .attribute(SnapshotAttributeName::CreateVolumePermission)
                    .send()
            })?;
            let volume_permissions = volume_grantees(attribute.create_volume_permissions()).map_err(|why| {
                AwsError::new("DescribeSnapshotAttribute", AwsErrorKind::Other, why, &endpoint.name())
            })?;
            found.push(SnapshotSharing {
                snapshot_id: id.clone(),
                // Unreported encryption is taken as encrypted: the stricter reading.
                encrypted: snapshot.encrypted().unwrap_or(true),
                kms_key_id: snapshot.kms_key_id().map(str::to_string),
                volume_permissions,
            });
        }
        Ok(found)
    }

    fn change_volume_permissions(
        &self,
        region: &Region,
        snapshot_id: &str,
        add: bool,
        grantees: &[Grantee],
    ) -> Result<(), AwsError> {
        let permissions: Vec<CreateVolumePermission> = grantees
            .iter()
            .filter_map(|grantee| match grantee {
                Grantee::Public => Some(CreateVolumePermission::builder().group(PermissionGroup::All).build()),
                Grantee::Account(id) => Some(CreateVolumePermission::builder().user_id(id).build()),
                // EC2 grants create-volume permission to accounts and everyone only.
                Grantee::Organization(_) | Grantee::OrganizationalUnit(_) => None,
            })
            .collect();
        let modifications = if add {
            CreateVolumePermissionModifications::builder().set_add(Some(permissions)).build()
        } else {
            CreateVolumePermissionModifications::builder().set_remove(Some(permissions)).build()
        };
        self.send(region, "ModifySnapshotAttribute", |c| {
            c.modify_snapshot_attribute()
                .snapshot_id(snapshot_id)
                .attribute(SnapshotAttributeName::CreateVolumePermission)
                .create_volume_permission(modifications.clone())
                .send()
        })?;
        Ok(())
    }

    fn public_sharing_blocked(&self, region: &Region) -> Result<bool, AwsError> {
        let answer =
            self.send(region, "GetImageBlockPublicAccessState", |c| c.get_image_block_public_access_state().send())?;
        // Only EC2's explicit "unblocked" means public sharing is allowed.
        Ok(answer.image_block_public_access_state() != Some("unblocked"))
    }

    fn key_is_aws_managed(&self, region: &Region, key_id: &str) -> Result<bool, AwsError> {
        const ACTION: &str = "DescribeKey";
        let (client, endpoint) = self.kms(region);
        let answer = self.wait_for(region, "kms", ACTION, &endpoint, || client.describe_key().key_id(key_id).send())?;
        match answer.key_metadata().and_then(|m| m.key_manager()) {
            Some(manager) => Ok(manager == &aws_sdk_kms::types::KeyManagerType::Aws),
            None => {
                Err(AwsError::new(ACTION, AwsErrorKind::Other, "KMS did not say who manages the key", &endpoint.name()))
            }
        }
    }

    fn launch_permissions(&self, region: &Region, ids: &[AmiId]) -> Vec<SharingAnswer> {
        type Answer = Result<Sharing, AwsError>;
        let client = self.client(region);
        let endpoint = self.endpoint(region);
        let mut answers = Vec::with_capacity(ids.len());
        // A batch at a time: each request's future holds the SDK's whole
        // state (kilobytes), and 10,000 of them at once would cost tens of MB.
        for batch in ids.chunks(FUTURES_AT_ONCE) {
            let futures: Vec<Pin<Box<dyn Future<Output = Answer> + Send>>> = batch
                .iter()
                .map(|id| {
                    Box::pin(launch_permissions_of(
                        client.clone(),
                        region.clone(),
                        endpoint.clone(),
                        self.pacer.clone(),
                        self.activity.clone(),
                        id.clone(),
                    )) as Pin<Box<dyn Future<Output = Answer> + Send>>
                })
                .collect();
            let results = self.run_at_most(futures, CALLS_IN_FLIGHT);
            answers.extend(batch.iter().cloned().zip(results).map(|(id, answer)| {
                let answer = answer.unwrap_or_else(|| {
                    Err(AwsError::new(ACTION, AwsErrorKind::Other, "a request ended unexpectedly", &endpoint.name()))
                });
                (id, answer)
            }));
        }
        answers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_kind_of_permission_and_refuses_what_it_cannot_read() {
        let permissions = [
            LaunchPermission::builder().group(PermissionGroup::All).build(),
            LaunchPermission::builder().user_id("210987654321").build(),
            LaunchPermission::builder()
                .organization_arn("arn:aws:organizations::111122223333:organization/o-abc")
                .build(),
            LaunchPermission::builder()
                .organizational_unit_arn("arn:aws:organizations::111122223333:ou/o-abc/ou-ab12-cdefgh34")
                .build(),
        ];
        let sharing = sharing_of(&permissions).unwrap();
        assert!(sharing.public);
        assert_eq!(sharing.accounts, ["210987654321"]);
        assert_eq!(sharing.organizations.len(), 1);
        assert_eq!(sharing.organizational_units.len(), 1);
        assert_eq!(sharing_of(&[]).unwrap(), Sharing::default());
        for unreadable in [
            LaunchPermission::builder().build(),
            LaunchPermission::builder().group(PermissionGroup::from("friends")).build(),
            LaunchPermission::builder().user_id("210987654321").organization_arn("arn:x").build(),
        ] {
            assert!(sharing_of(&[unreadable]).is_err());
        }
    }
}
