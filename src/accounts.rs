//! Several accounts read as one (`--accounts`): your own account's AWS
//! handle and one for each other account, asked the same question at once.
//!
//! Your own account's questions run on the calling thread (its handle is
//! not shared); each other account's on a thread of its own, each with its
//! own connections, runtime and pacing (see aws/assume.rs), so that a round
//! over three accounts costs the time of the slowest account, not the sum.

use crate::aws::Aws;

/// Another account amitools reads, and its handle.
pub struct Member {
    /// The 12-digit account id.
    pub account: String,
    pub aws: Box<dyn Aws + Send>,
}

/// The accounts a lineage question is asked of: yours first, then the members.
pub struct Readers<'a> {
    own: &'a dyn Aws,
    /// Your own account's id when other accounts are read (None otherwise:
    /// then nothing is labelled with an account).
    own_account: Option<&'a str>,
    members: &'a mut [Member],
}

impl<'a> Readers<'a> {
    /// Your own account only.
    pub fn one(own: &'a dyn Aws) -> Readers<'a> {
        Readers { own, own_account: None, members: &mut [] }
    }

    pub fn new(own: &'a dyn Aws, own_account: Option<&'a str>, members: &'a mut [Member]) -> Readers<'a> {
        Readers { own, own_account, members }
    }

    /// How many accounts: yours (reader 0) and the members (1…).
    pub fn count(&self) -> usize {
        1 + self.members.len()
    }

    /// Whether other accounts are read besides your own.
    pub fn has_members(&self) -> bool {
        !self.members.is_empty()
    }

    /// The account id of reader `i`; None for your own without other accounts.
    pub fn account(&self, i: usize) -> Option<&str> {
        if i == 0 {
            self.own_account
        } else {
            self.members.get(i - 1).map(|m| m.account.as_str())
        }
    }

    /// The reader whose account is `account`, if any.
    pub fn reader_of(&self, account: &str) -> Option<usize> {
        (0..self.count()).find(|&i| self.account(i) == Some(account))
    }

    /// Your own account's handle.
    pub fn own(&self) -> &'a dyn Aws {
        self.own
    }

    /// Reader `i`'s handle, for a single question asked on this thread.
    pub fn handle(&self, i: usize) -> &dyn Aws {
        if i == 0 {
            self.own
        } else {
            &*self.members[i - 1].aws
        }
    }

    /// `ask(i, handle)` for every reader at once; the answers in reader order.
    pub fn each<T: Send>(&mut self, ask: impl Fn(usize, &dyn Aws) -> T + Sync) -> Vec<T> {
        if self.members.is_empty() {
            return vec![ask(0, self.own)];
        }
        let ask = &ask;
        let own = self.own;
        std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .members
                .iter_mut()
                .enumerate()
                // The member itself moves to its thread (its handle is Send, not Sync).
                .map(|(n, member)| scope.spawn(move || ask(n + 1, &*member.aws)))
                .collect();
            let mut answers = vec![ask(0, own)];
            // A member's thread that panicked is a bug: let it show as one.
            answers.extend(handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))));
            answers
        })
    }
}
