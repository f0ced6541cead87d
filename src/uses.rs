//! What uses an image, counted by kind: the blast radius `children --uses`
//! shows. Pure: the references come in (DescribeImageReferences and launch
//! configurations, as prune's gather asks them), counts and words come out.

use serde::Serialize;

use crate::aws::LAUNCH_CONFIGURATION;
use crate::image::ImageReference;

/// An image's uses in this account, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UseCounts {
    /// Instances in any state (EC2 reports stopped ones too).
    pub instances: usize,
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

    pub fn total(&self) -> usize {
        self.instances
            + self.launch_templates
            + self.launch_configurations
            + self.ssm_parameters
            + self.image_builder_recipes
            + self.other
    }

    /// In words: "2 instances, 1 launch template"; "unused" when there are none.
    pub fn words(&self) -> String {
        let kinds = [
            (self.instances, "instance", "instances"),
            (self.launch_templates, "launch template", "launch templates"),
            (self.launch_configurations, "launch configuration", "launch configurations"),
            (self.ssm_parameters, "SSM parameter", "SSM parameters"),
            (self.image_builder_recipes, "Image Builder recipe", "Image Builder recipes"),
            (self.other, "other use", "other uses"),
        ];
        let parts: Vec<String> = kinds
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
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
            reference("ec2:Instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-1"),
            reference("ec2:Instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-2"),
            reference("ec2:Instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-2"),
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
            "2 instances, 1 launch template, 1 launch configuration, 1 SSM parameter, 1 Image Builder recipe, 1 other use"
        );
        assert_eq!(UseCounts::default().words(), "unused");
    }
}
