//! Groups proposals that state one idea.
//!
//! # Overview
//!
//! [`cluster_exact`] puts proposals with the same matching text (see
//! `sborka_text::normalize`) into one [`Cluster`]. Its result does not depend
//! on the order of the input beyond the indexes it returns: clusters are
//! sorted by their first member, members ascend, and the representative is
//! the first member, i.e. the proposal with the smallest id when the caller
//! passes proposals sorted by id (as the pipeline does).
//!
//! # Example
//!
//! ```
//! let keys = ["а б", "в", "а б"];
//! let clusters = sborka_dedup::cluster_exact(&keys);
//! assert_eq!(clusters.len(), 2);
//! assert_eq!(clusters[0].members, [0, 2]);
//! assert_eq!(clusters[0].verbatim, 1);
//! ```

use std::collections::HashMap;

use sborka_core::{Cluster, ClusterId, stable_hash};

/// One cluster per distinct key. `keys[i]` is the matching text of
/// proposal `i`.
pub fn cluster_exact<K: AsRef<str>>(keys: &[K]) -> Vec<Cluster> {
    let mut first: HashMap<&str, u32> = HashMap::with_capacity(keys.len());
    let mut clusters: Vec<Cluster> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let i = u32::try_from(i).expect("fewer than 2^32 proposals");
        let key = key.as_ref();
        match first.get(key) {
            Some(&c) => {
                let cluster = &mut clusters[c as usize];
                cluster.members.push(i);
                cluster.verbatim += 1;
            }
            None => {
                first.insert(key, clusters.len() as u32);
                clusters.push(Cluster {
                    id: ClusterId(stable_hash(key.as_bytes())),
                    members: vec![i],
                    representative: i,
                    verbatim: 0,
                });
            }
        }
    }
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_key_in_first_seen_order() {
        let keys = ["x", "y", "x", "z", "y", "x"];
        let clusters = cluster_exact(&keys);
        let members: Vec<&[u32]> = clusters.iter().map(|c| c.members.as_slice()).collect();
        assert_eq!(members, [&[0, 2, 5][..], &[1, 4], &[3]]);
        let verbatim: Vec<u32> = clusters.iter().map(|c| c.verbatim).collect();
        assert_eq!(verbatim, [2, 1, 0]);
        assert_eq!(clusters[0].id, ClusterId(stable_hash(b"x")));
    }

    #[test]
    fn empty_input() {
        assert!(cluster_exact::<&str>(&[]).is_empty());
    }
}
