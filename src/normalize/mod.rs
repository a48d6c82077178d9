//! Normalisation of Vietnamese person data: pure functions, no I/O, no panics on any input.
//!
//! Each field kind has its own module; every normaliser takes the raw text of one value and
//! returns its normalised forms, with `None`/missing (plus a warning where useful) when the value
//! cannot be understood. Hot paths have buffer-reusing `*_into` variants.
//!
//! | module | produces |
//! |---|---|
//! | [`text`] | canonical text (NFC, one tone placement, lower case) and its ASCII fold |
//! | [`legacy`] | TCVN3 / VNI-Windows detection and decoding |
//! | [`name`] | name parts, family class, phonetic keys, sex hint |
//! | [`nickname`] | English nicknames (Bill ~ William) |
//! | [`phonetic`] | the Vietnamese phonetic key of one syllable |
//! | [`address`] | house number, street, administrative codes before and after 2025 |
//! | [`admin`] | the embedded gazetteer and the 2025 old→new mapping |
//! | [`date`] | dates with their precision |
//! | [`id`] | CCCD / CMND numbers, decoded |
//! | [`phone`] | the 10-digit national phone form |
//! | [`sex`] | sex from the many ways registers write it |

pub mod address;
pub mod admin;
pub mod date;
pub mod extra;
pub mod id;
pub mod legacy;
pub mod name;
pub mod nickname;
pub mod phone;
pub mod phonetic;
pub mod sex;
pub mod text;

pub use sex::Sex;
