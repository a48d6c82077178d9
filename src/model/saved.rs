//! Models saved inside person stores: the global section [`MODEL`] of a `.vnl` file holds the
//! model's JSON, so that lookups in the store use the model its dedupe or training fitted.
//!
//! A model read from a store is validated like one read from a file; a store whose section does
//! not parse is corrupt ([`Error::Corrupt`]).

use std::path::Path;

use super::Model;
use crate::compare::Records;
use crate::dataset::{MODEL, View};
use crate::error::{Error, Result};
use crate::store::Store;

/// The model saved with the store of `view`, if any.
pub fn saved_model(view: &View<'_>) -> Result<Option<Model>> {
    let store = view.store();
    if !store.global_names().contains(&MODEL) {
        return Ok(None);
    }
    let bytes = store.global(MODEL)?;
    let corrupt = |reason: String| Error::Corrupt {
        path: store.path().to_path_buf(),
        section: MODEL.into(),
        offset: 0,
        reason,
    };
    let model: Model = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    model.validate(store.path()).map_err(|e| corrupt(e.to_string()))?;
    Ok(Some(model))
}

/// Saves `model` into the store at `path` (a copy of `store` with the model's global section
/// [`MODEL`] added or replaced, written atomically; `path` may be the store's own file).
/// Lookups in the store then use this model. The model must have the store's fields.
pub fn save_model(store: &Store, path: impl AsRef<Path>, model: &Model) -> Result<()> {
    check_model_fields(&View::new(store)?, model)?;
    let json = serde_json::to_vec_pretty(model)
        .map_err(|e| Error::Model { path: path.as_ref().to_path_buf(), reason: e.to_string() })?;
    crate::store::rewrite_with_globals(store, path, &[(MODEL, &json)])?;
    Ok(())
}

/// [`save_model`] for a store in memory: a new in-memory store with the model.
pub fn with_model(store: &Store, model: &Model) -> Result<Store> {
    check_model_fields(&View::new(store)?, model)?;
    let json = serde_json::to_vec_pretty(model)
        .map_err(|e| Error::Model { path: store.path().to_path_buf(), reason: e.to_string() })?;
    crate::store::with_globals(store, &[(MODEL, &json)])
}

/// An error unless `model` has the fields of `records`, in order, each with its kind's levels.
pub fn check_model_fields<R: Records>(records: &R, model: &Model) -> Result<()> {
    let want = crate::compare::field_names(records);
    let have: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
    let levels = crate::compare::field_levels(records);
    let same_levels = model.fields.iter().zip(&levels).all(|(f, l)| {
        f.levels.len() == l.len() && f.levels.iter().zip(*l).all(|(a, b)| a.label == *b)
    });
    if have != want || !same_levels {
        return Err(Error::Config {
            path: None,
            key: "model".into(),
            reason: format!(
                "the model's fields ({}) are not the input's ({}), or their levels differ: train \
                 a model on this input's columns",
                have.join(", "),
                want.join(", ")
            ),
        });
    }
    Ok(())
}
