//! Which segments the index writer merges. Takes the index's segments, gives the merges to make.
//!
//! tantivy's default policy merges every eight segments of a size into one, level after level, so
//! a study's last merges join most of its index: their memory grows with the study. On a 320 MB
//! bench corpus (ten segments of a full writer budget), `pith run` peaked at 537-609 MB, eight of
//! them merged into one of 1.5 million passages, against 261-264 MB when they are left alone; its
//! time was the same within the machine's noise.
//!
//! Here, only small segments merge (a small study's, the few passages of transcripts re-indexed
//! by a re-run), in tantivy's levels as before; a segment past [`SMALL_DOCS`] live passages (a
//! full writer budget's holds many times that) is only ever rewritten alone, once most of it is
//! deleted. A merge joins about eight small segments or rewrites one, so its memory follows the
//! writer's budget, not the index.

use std::collections::HashSet;

use tantivy::index::{SegmentId, SegmentMeta};
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};

/// Segments of at most this many live passages merge with others of their size. A 48 MB writer
/// budget's segment holds about 190,000 bench passages, so a merge of small segments stays well
/// under one full segment's size.
const SMALL_DOCS: usize = 20_000;
/// A segment with more than this share of its passages deleted is rewritten without them.
const DELETED_SHARE: f32 = 0.5;

/// The writer's merge policy: small segments merge in tantivy's levels, large ones never merge
/// with others.
#[derive(Debug)]
pub(super) struct SmallSegments {
    levels: LogMergePolicy,
}

impl Default for SmallSegments {
    fn default() -> SmallSegments {
        let mut levels = LogMergePolicy::default();
        levels.set_max_docs_before_merge(SMALL_DOCS);
        levels.set_del_docs_ratio_before_merge(DELETED_SHARE);
        SmallSegments { levels }
    }
}

impl MergePolicy for SmallSegments {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let mut merges = self.levels.compute_merge_candidates(segments);
        let merged: HashSet<SegmentId> = merges.iter().flat_map(|merge| merge.0.iter().copied()).collect();
        merges.extend(
            segments
                .iter()
                .filter(|segment| !merged.contains(&segment.id()) && deleted_share(segment) > DELETED_SHARE)
                .map(|segment| MergeCandidate(vec![segment.id()])),
        );
        merges
    }
}

fn deleted_share(segment: &SegmentMeta) -> f32 {
    match segment.max_doc() {
        0 => 0.0,
        max => segment.num_deleted_docs() as f32 / max as f32,
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{Schema, STRING};
    use tantivy::Index;

    use super::*;

    fn index() -> Index {
        let mut schema = Schema::builder();
        schema.add_text_field("id", STRING);
        Index::create_in_ram(schema.build())
    }

    fn segment(index: &Index, docs: u32, deleted: u32) -> SegmentMeta {
        let meta = index.new_segment_meta(SegmentId::generate_random(), docs);
        if deleted == 0 {
            meta
        } else {
            meta.with_delete_meta(deleted, 1)
        }
    }

    fn merges(segments: &[SegmentMeta]) -> Vec<Vec<SegmentId>> {
        let mut merges: Vec<Vec<SegmentId>> = SmallSegments::default()
            .compute_merge_candidates(segments)
            .into_iter()
            .map(|merge| {
                let mut ids = merge.0;
                ids.sort();
                ids
            })
            .collect();
        merges.sort();
        merges
    }

    fn ids(segments: &[SegmentMeta]) -> Vec<SegmentId> {
        let mut ids: Vec<SegmentId> = segments.iter().map(SegmentMeta::id).collect();
        ids.sort();
        ids
    }

    #[test]
    fn full_segments_are_never_merged_however_many() {
        let index = index();
        let full: Vec<SegmentMeta> = (0..12).map(|_| segment(&index, 190_000, 0)).collect();
        assert!(merges(&full).is_empty());
        // tantivy's own policy would join them, the merge this policy exists to avoid
        assert!(!LogMergePolicy::default().compute_merge_candidates(&full).is_empty());
    }

    #[test]
    fn eight_small_segments_merge_and_the_full_ones_beside_them_stay() {
        let index = index();
        let small: Vec<SegmentMeta> = (0..8).map(|i| segment(&index, 300 + i, 0)).collect();
        let mut all = small.clone();
        all.extend((0..3).map(|_| segment(&index, 190_000, 0)));
        assert_eq!(merges(&all), vec![ids(&small)]);
        assert!(merges(&all[1..]).is_empty(), "seven small segments are left for later");
    }

    #[test]
    fn a_mostly_deleted_segment_is_rewritten_alone() {
        let index = index();
        let stale = segment(&index, 190_000, 120_000);
        let all = vec![stale.clone(), segment(&index, 190_000, 90_000), segment(&index, 190_000, 0)];
        assert_eq!(merges(&all), vec![ids(&[stale])]);
    }

    #[test]
    fn a_large_segment_mostly_deleted_down_to_small_joins_the_small_ones() {
        let index = index();
        let shrunk = segment(&index, 190_000, 185_000);
        let mut all: Vec<SegmentMeta> = (0..3).map(|_| segment(&index, 4_000, 0)).collect();
        all.push(shrunk.clone());
        let found = merges(&all);
        assert_eq!(found.len(), 1, "one merge, not the level and the segment again: {found:?}");
        assert!(found[0].contains(&shrunk.id()) && found[0].len() == 4);
    }
}
