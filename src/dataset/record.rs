//! One record in memory, as the library takes it.

use serde::{Deserialize, Serialize};

use super::prepare::RawFields;
use crate::schema::{ExtraField, FieldKind};

/// One record in memory, as the library takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The record's id in its source.
    #[serde(default)]
    pub record_id: String,
    /// Full name.
    #[serde(default)]
    pub full_name: String,
    /// Date of birth, as written.
    #[serde(default)]
    pub dob: String,
    /// Sex, as written.
    #[serde(default)]
    pub sex: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// National id number.
    #[serde(default)]
    pub id_number: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// The values of the extra fields, in [`BuildOptions::extras`](super::BuildOptions::extras) order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
    /// The name in parts, as forms split it: family, middle and given name ([`NAME_PART_KEYS`]).
    /// Used when `full_name` is empty; the parts are taken as they are labelled, never reordered.
    #[serde(default, skip_serializing_if = "all_empty")]
    pub name_parts: [String; 3],
    /// The address in parts: house number, street (or hamlet), ward, district, province
    /// ([`ADDRESS_PART_KEYS`]), joined after `address` (usually empty when parts are given).
    #[serde(default, skip_serializing_if = "all_empty")]
    pub address_parts: [String; 5],
}

/// The keys of [`Record::name_parts`] in JSON records and CSV headers, in order: the names of
/// their field kinds.
pub const NAME_PART_KEYS: [&str; 3] =
    [FieldKind::FamilyName.as_str(), FieldKind::MiddleName.as_str(), FieldKind::GivenName.as_str()];
/// The keys of [`Record::address_parts`] in JSON records and CSV headers, in order.
pub const ADDRESS_PART_KEYS: [&str; 5] = [
    FieldKind::HouseNumber.as_str(),
    FieldKind::Street.as_str(),
    FieldKind::Ward.as_str(),
    FieldKind::District.as_str(),
    FieldKind::Province.as_str(),
];

fn all_empty<const N: usize>(parts: &[String; N]) -> bool {
    parts.iter().all(String::is_empty)
}

impl Record {
    /// The columns in the standard header's order: `record_id, full_name, dob, sex, address,
    /// id_number, phone`.
    pub fn fields(&self) -> [&str; 7] {
        [
            &self.record_id,
            &self.full_name,
            &self.dob,
            &self.sex,
            &self.address,
            &self.id_number,
            &self.phone,
        ]
    }

    /// Reads a record from a JSON object: the keys of the standard header (`record_id`,
    /// `full_name`, `dob`, `sex`, `address`, `id_number`, `phone`, each optional), and one key per
    /// extra field of `extras`, by its name (or all of them as an `extras` array). Values are
    /// strings (numbers are taken as written). An unknown key is an error naming it, so that a
    /// misspelt field is not silently ignored.
    pub fn from_json(text: &str, extras: &[ExtraField]) -> crate::error::Result<Record> {
        Self::from_json_text(text, extras).map_err(|reason| crate::error::Error::Record { reason })
    }

    fn from_json_text(text: &str, extras: &[ExtraField]) -> std::result::Result<Record, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let serde_json::Value::Object(map) = value else {
            return Err("expected a JSON object".into());
        };
        let text_of = |key: &str, v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Ok(s.clone()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            serde_json::Value::Null => Ok(String::new()),
            _ => Err(format!("`{key}` must be a string")),
        };
        let mut r = Record { extras: vec![String::new(); extras.len()], ..Record::default() };
        for (key, v) in &map {
            let name_part = NAME_PART_KEYS.iter().position(|k| k == key);
            let address_part = ADDRESS_PART_KEYS.iter().position(|k| k == key);
            let slot = match (name_part, address_part, key.as_str()) {
                (Some(i), _, _) => &mut r.name_parts[i],
                (_, Some(i), _) => &mut r.address_parts[i],
                (_, _, "record_id") => &mut r.record_id,
                (_, _, "full_name") => &mut r.full_name,
                (_, _, "dob") => &mut r.dob,
                (_, _, "sex") => &mut r.sex,
                (_, _, "address") => &mut r.address,
                (_, _, "id_number") => &mut r.id_number,
                (_, _, "phone") => &mut r.phone,
                (_, _, "extras") => {
                    let serde_json::Value::Array(items) = v else {
                        return Err("`extras` must be an array of strings".into());
                    };
                    for (j, item) in items.iter().enumerate() {
                        let text = text_of("extras", item)?;
                        match r.extras.get_mut(j) {
                            Some(e) => *e = text,
                            None => {
                                return Err(format!(
                                    "`extras` has {} values; the store has {} extra fields",
                                    items.len(),
                                    extras.len()
                                ));
                            }
                        }
                    }
                    continue;
                }
                (_, _, other) => {
                    let Some(j) = extras.iter().position(|e| e.name == other) else {
                        let mut known: Vec<&str> = vec![
                            "record_id",
                            "full_name",
                            "dob",
                            "sex",
                            "address",
                            "id_number",
                            "phone",
                        ];
                        known.extend(NAME_PART_KEYS);
                        known.extend(ADDRESS_PART_KEYS);
                        known.extend(extras.iter().map(|e| e.name.as_str()));
                        return Err(format!("unknown key `{other}` (known: {})", known.join(", ")));
                    };
                    &mut r.extras[j]
                }
            };
            *slot = text_of(key, v)?;
        }
        Ok(r)
    }

    /// The record's raw fields, as [`Preparer::prepare`](super::prepare::Preparer::prepare) takes them.
    pub fn raw(&self) -> RawFields<'_> {
        RawFields {
            name: &self.full_name,
            dob: &self.dob,
            sex: &self.sex,
            address: &self.address,
            id_number: &self.id_number,
            phone: &self.phone,
            extras: std::array::from_fn(|j| self.extras.get(j).map_or("", String::as_str)),
            name_parts: std::array::from_fn(|i| self.name_parts[i].as_str()),
            address_parts: std::array::from_fn(|i| self.address_parts[i].as_str()),
        }
    }
}
