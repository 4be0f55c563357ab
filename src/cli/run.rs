//! `pith run STUDY [--out DIR]`: code every transcript, update the search index and write the
//! reports (the arguments of `pith report`).

pub use super::report::Args;
use super::{Context, Outcome};

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    super::report::produce(ctx, args, true)
}
