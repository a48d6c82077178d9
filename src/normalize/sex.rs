//! Sex, as registers write it: `Nam`/`Nữ`, `M`/`F`, `male`/`female`, `1`/`0`…

use serde::{Deserialize, Serialize};

/// A person's sex as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}
