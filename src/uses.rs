//! What uses an image, counted by kind: the blast radius `children --uses`
//! shows. Pure: the references come in (DescribeImageReferences and launch
//! configurations, as prune's gather asks them), counts and words come out.

use serde::Serialize;

use crate::aws::LAUNCH_CONFIGURATION;
use crate::ids::InstanceId;
use crate::image::ImageReference;

/// An image's uses in this account, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UseCounts {
    /// Instances in any state (EC2 reports stopped ones too)…
    pub instances: usize,
    /// …of which running (or pending) now, as DescribeInstances says.
    pub running_instances: usize,
    /// Launch templates with a version that names the image (each template once).
    pub launch_templates: usize,
    pub launch_configurations: usize,
    pub ssm_parameters: usize,
    /// Image Builder image and container recipes.
    pub image_builder_recipes: usize,
    /// Resource types EC2 may add later, counted rather than dropped.
    pub other: usize,
}

impl UseCounts {
    /// Count `references` (one per resource: a resource listed twice, as
    /// two answers that overlap may list it, counts once).
    pub fn of<'a>(references: impl IntoIterator<Item = &'a ImageReference>) -> UseCounts {
        let mut seen = std::collections::HashSet::new();
        let mut counts = UseCounts::default();
        for reference in references {
            if !seen.insert((&reference.resource_type, &reference.resource)) {
                continue;
            }
            let slot = match reference.resource_type.as_str() {
                "ec2:Instance" => &mut counts.instances,
                "ec2:LaunchTemplate" => &mut counts.launch_templates,
                LAUNCH_CONFIGURATION => &mut counts.launch_configurations,
                "ssm:Parameter" => &mut counts.ssm_parameters,
                "imagebuilder:ImageRecipe" | "imagebuilder:ContainerRecipe" => &mut counts.image_builder_recipes,
                _ => &mut counts.other,
            };
            *slot += 1;
        }
        counts
    }

    /// The instance ids among `references` (from their ARNs: `…:instance/i-…`).
    pub fn instance_ids<'a>(references: impl IntoIterator<Item = &'a ImageReference>) -> Vec<InstanceId> {
        let mut ids: Vec<InstanceId> = references
            .into_iter()
            .filter(|r| r.resource_type == "ec2:Instance")
            .filter_map(|r| r.resource.rsplit('/').next()?.parse().ok())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    pub fn total(&self) -> usize {
        self.instances
            + self.launch_templates
            + self.launch_configurations
            + self.ssm_parameters
            + self.image_builder_recipes
            + self.other
    }

    /// In words: "2 instances (1 running), 1 launch template"; "unused" when there are none.
    pub fn words(&self) -> String {
        let instances = match (self.instances, self.running_instances) {
            (0, _) => None,
            (1, 1) => Some("1 instance (running)".to_string()),
            (1, _) => Some("1 instance (not running)".to_string()),
            (n, running) => Some(format!("{n} instances ({running} running)")),
        };
        let kinds = [
            (self.launch_templates, "launch template", "launch templates"),
            (self.launch_configurations, "launch configuration", "launch configurations"),
            (self.ssm_parameters, "SSM parameter", "SSM parameters"),
            (self.image_builder_recipes, "Image Builder recipe", "Image Builder recipes"),
            (self.other, "other use", "other uses"),
        ];
        let parts: Vec<String> = instances
            .into_iter()
            .chain(
                kinds
                    .iter()
                    .filter(|(n, _, _)| *n > 0)
                    .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many })),
            )
            .collect();
        if parts.is_empty() {
            "unused".to_string()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(kind: &str, resource: &str) -> ImageReference {
        ImageReference {
            image_id: "ami-12345678".parse().unwrap(),
            resource_type: kind.into(),
            resource: resource.into(),
        }
    }

    #[test]
    fn uses_are_counted_by_kind_once_each() {
        let references = [
            reference("ec2:Instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-00000001"),
            reference("ec2:Instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-00000002"),
            reference("ec2:Instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-00000002"),
            reference("ec2:LaunchTemplate", "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-1"),
            reference(LAUNCH_CONFIGURATION, "web-v3"),
            reference("ssm:Parameter", "arn:aws:ssm:us-east-1:123456789012:parameter/golden"),
            reference("imagebuilder:ContainerRecipe", "arn:…"),
            reference("ec2:Future", "arn:…"),
        ];
        let counts = UseCounts::of(&references);
        assert_eq!(
            counts,
            UseCounts {
                instances: 2,
                running_instances: 0,
                launch_templates: 1,
                launch_configurations: 1,
                ssm_parameters: 1,
                image_builder_recipes: 1,
                other: 1
            }
        );
        assert_eq!(counts.total(), 7);
        assert_eq!(
            counts.words(),
            "2 instances (0 running), 1 launch template, 1 launch configuration, 1 SSM parameter, 1 Image Builder recipe, 1 other use"
        );
        assert_eq!(
            UseCounts::instance_ids(&references).iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["i-00000001", "i-00000002"].map(String::from).to_vec()
        );
        let one = |running| UseCounts { instances: 1, running_instances: running, ..UseCounts::default() };
        assert_eq!(
            (one(1).words(), one(0).words()),
            ("1 instance (running)".into(), "1 instance (not running)".into())
        );
        assert_eq!(UseCounts::default().words(), "unused");
    }
}
