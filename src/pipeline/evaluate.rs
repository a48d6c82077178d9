//! A fitted model measured against a truth on the data it was fitted on (`vnlink train
//! --truth`): the records are matched with the model (a dedupe, or a link of two stores) and the
//! result scored with [`crate::eval`].

use crate::dataset::RECORD_ID;
use crate::error::Result;
use crate::eval::{Prediction, Scores, Truth, score};
use crate::model::Model;
use crate::pipeline::{MatchConfig, MatcherBuilder};
use crate::store::Store;

/// The scores of `model` with `config` on `left` (a dedupe) or `left` linked to `right`,
/// against `truth`: in-sample scores when the model was fitted on the same records.
pub fn in_sample(
    config: &MatchConfig,
    model: &Model,
    left: &Store,
    right: Option<&Store>,
    truth: &Truth,
) -> Result<Scores> {
    let m = MatcherBuilder::new().config(config.clone()).model(model.clone()).build()?;
    let ids = left.str_column(RECORD_ID)?;
    let id = |i: u32| ids.get(u64::from(i)).to_owned();
    let pred = match right {
        None => {
            let d = m.dedupe(left)?;
            let rows = d.labels.iter().enumerate().map(|(i, &c)| (id(i as u32), id(c)));
            Prediction::Clusters(rows.collect())
        }
        Some(right) => {
            let l = m.link(left, right)?;
            let rids = right.str_column(RECORD_ID)?;
            let rows =
                l.pairs.iter().map(|p| (id(p.left), rids.get(u64::from(p.right)).to_owned()));
            Prediction::Pairs(rows.collect())
        }
    };
    score(truth, &pred)
}
