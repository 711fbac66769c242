//! Groups proposals that state one idea.
//!
//! # Overview
//!
//! A [`Deduper`] works in two steps, timed separately by the pipeline:
//! [`Deduper::prepare`] analyses every text once into [`Prepared`] (matching
//! keys), and [`Deduper::cluster`] groups them into [`Cluster`]s. Today only
//! texts with the same matching key (see `sborka_text::match_key`) are
//! grouped.
//!
//! The result does not depend on the order of the input beyond the indexes it
//! returns: clusters are sorted by their first member, members ascend, and
//! the representative is the first member, i.e. the proposal that comes
//! first in file and record order (the order in which the pipeline passes
//! them).
//!
//! # Example
//!
//! ```
//! let deduper = sborka_dedup::Deduper::new();
//! let texts = ["Открыть школу ухода", "Другая идея", "открыть «школу» ухода!"];
//! let clusters = deduper.cluster(&deduper.prepare(&texts));
//! assert_eq!(clusters.len(), 2);
//! assert_eq!(clusters[0].members, [0, 2]);
//! assert_eq!(clusters[0].verbatim, 1);
//! ```

use std::collections::HashMap;

use sborka_core::{Cluster, ClusterId, stable_hash};

/// Clusters texts. Cheap to create.
#[derive(Clone, Debug, Default)]
pub struct Deduper {}

/// Texts analysed for clustering.
#[derive(Clone, Debug)]
pub struct Prepared {
    keys: Vec<String>,
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl Deduper {
    pub fn new() -> Deduper {
        Deduper {}
    }

    /// Analyses every text once.
    pub fn prepare<S: AsRef<str>>(&self, texts: &[S]) -> Prepared {
        Prepared {
            keys: texts
                .iter()
                .map(|t| sborka_text::match_key(t.as_ref()))
                .collect(),
        }
    }

    /// Groups the prepared texts; `members` index into the texts given to
    /// [`Deduper::prepare`].
    pub fn cluster(&self, prepared: &Prepared) -> Vec<Cluster> {
        cluster_exact(&prepared.keys)
    }
}

/// One cluster per distinct key. `keys[i]` is the matching key of text `i`.
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
        let d = Deduper::new();
        assert!(d.cluster(&d.prepare::<&str>(&[])).is_empty());
    }
}
