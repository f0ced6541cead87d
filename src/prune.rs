//! `prune`'s domain: which of your images may go, and deleting exactly those.
//!
//! - `rules`: the decision, pure: families, keep-newest-N, ages, protection,
//!   pending children, uses, ancestors. Unit-tested without the network.
//! - `gather`: the facts the rules need, from EC2 (and Auto Scaling), asked
//!   only about images the cheap rules would delete.
//! - `plan_file`: the plan as JSON, saved and read back for `--apply-plan`.
//! - `recycle`: whether a deletion can be undone (Recycle Bin rules), pure.
//! - `apply`: deprecation, disabling and deregistration, each image re-checked just before.

pub mod apply;
pub mod gather;
pub mod plan_file;
pub mod recycle;
pub mod rules;
pub mod shared_use;
