//! `pith run STUDY [--out DIR]`: code every transcript, update the search index and write the
//! reports (the arguments of `pith report`).

pub use super::report::Args;
use super::report::{parse_formats, produce};
use super::{open_study, Context, Outcome};

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let formats = parse_formats(&args.format)?;
    let opened = open_study(ctx, &args.study)?;
    let done = produce(ctx, &opened, &args.study, args.out.as_deref(), &args.by, &formats, true, args.redact)?;
    done.say(ctx, &args.by);
    Ok(done.outcome)
}
