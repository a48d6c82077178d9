// English person names (issue 14): nicknames, initials, double family names and swapped parts,
// through the public preparation, comparison and query interfaces.

use vnlink::compare::{Scratch, compare_name, name_level};
use vnlink::dataset::prepare::{Encodings, Prepared, Preparer, RawFields};
use vnlink::dataset::{BuildOptions, Record, build_records};
use vnlink::pipeline::MatcherBuilder;

/// Prepares a name given in parts: family, middle, given (as separate columns).
fn parts(family: &str, middle: &str, given: &str) -> Prepared {
    let mut out = Prepared::default();
    let raw = RawFields { name_parts: [family, middle, given], ..RawFields::default() };
    Preparer::new().prepare(&raw, &Encodings::default(), &mut out);
    out
}

/// Prepares a name written in one field.
fn whole(name: &str) -> Prepared {
    let mut out = Prepared::default();
    Preparer::new().prepare(
        &RawFields { name, ..RawFields::default() },
        &Encodings::default(),
        &mut out,
    );
    out
}

fn level(x: &Prepared, y: &Prepared) -> u8 {
    let forward = compare_name(
        &x.features,
        &y.features,
        || (&x.name_ascii, &y.name_ascii),
        &mut Scratch::new(),
    );
    let backward = compare_name(
        &y.features,
        &x.features,
        || (&y.name_ascii, &x.name_ascii),
        &mut Scratch::new(),
    );
    assert_eq!(forward, backward, "{} / {}: not symmetric", x.name_ascii, y.name_ascii);
    forward
}

#[test]
fn nicknames_agree_as_strongly_as_name_classes() {
    use name_level::{CLASS_MIDDLE, DIFFERENT};
    for (nick, formal) in [("Bill", "William"), ("Peggy", "Margaret"), ("Bob", "Robert")] {
        let (a, b) = (parts("Smith", "", nick), parts("Smith", "", formal));
        assert_eq!(level(&a, &b), CLASS_MIDDLE, "{nick} / {formal}");
        // With a middle name on one side (dropped on the other) too.
        let c = parts("Smith", "Anne", formal);
        assert_eq!(level(&a, &c), CLASS_MIDDLE, "{nick} / {formal} Anne");
    }
    // Two formal names sharing a nickname are not one name; nor are unrelated names.
    assert_eq!(level(&parts("Smith", "", "Aaron"), &parts("Smith", "", "Ronald")), DIFFERENT);
    assert_eq!(level(&parts("Smith", "", "Bill"), &parts("Smith", "", "Walter")), DIFFERENT);
    // A nickname does not make another family name agree. (Nor is it "given name only": that
    // would compare the given names of every pair whose family names differ, most of them.)
    assert_eq!(level(&parts("Smith", "", "Bill"), &parts("Jones", "", "William")), DIFFERENT);
}

#[test]
fn vietnamese_names_are_never_nicknames() {
    // "Van" is a nickname of Sullivan in the English table, "Kim" of Kimberly, "Lan" of Yulan:
    // as Vietnamese names (Văn, Kim, Lan) they stay themselves.
    for (x, y) in [("Van", "Sullivan"), ("Kim", "Kimberly"), ("Lan", "Yulan")] {
        let l = level(&parts("Nguyen", "", x), &parts("Nguyen", "", y));
        assert!(l > name_level::JARO_WINKLER, "{x} / {y}: {l}");
    }
    // Nor is a one-letter Vietnamese name an initial ("Nguyễn Văn A" is a placeholder name).
    assert_eq!(
        level(&parts("Nguyễn", "Văn", "A"), &parts("Nguyễn", "Văn", "Anh")),
        name_level::DIFFERENT
    );
}

#[test]
fn initials_agree_below_exact() {
    use name_level::{CLASS_MIDDLE, DIFFERENT, EXACT, JARO_WINKLER};
    let john = parts("Smith", "", "John");
    // A given initial: the weaker, Jaro–Winkler level.
    assert_eq!(level(&parts("Smith", "", "J"), &john), JARO_WINKLER);
    assert_eq!(level(&parts("Smith", "", "J"), &parts("Smith", "", "Mary")), DIFFERENT);
    // A middle initial against the full middle name: as strong as a dropped middle name.
    let full = parts("Smith", "Adam", "John");
    assert_eq!(level(&parts("Smith", "A", "John"), &full), CLASS_MIDDLE);
    assert_eq!(level(&parts("Smith", "A", "John"), &john), CLASS_MIDDLE);
    // Another middle name: the family and given names agree without it, above a given name
    // agreeing alone (Smith / Jones).
    assert_eq!(level(&parts("Smith", "B", "John"), &full), name_level::FAMILY_GIVEN);
    assert_eq!(level(&parts("Jones", "A", "John"), &full), name_level::GIVEN_ONLY);
    // Both below exact.
    assert!(level(&parts("Smith", "A", "John"), &full) > EXACT);
}

#[test]
fn hyphenated_and_double_family_names() {
    use name_level::{CLASS_MIDDLE, EXACT, GIVEN_ONLY, JARO_WINKLER};
    let hyphen = parts("Smith-Jones", "", "Mary");
    // The hyphen separates two tokens, as a space does.
    assert_eq!(hyphen.name_ascii, "smith jones mary");
    assert_eq!(level(&hyphen, &parts("Smith Jones", "", "Mary")), EXACT);
    // One part of the double family name: as a dropped middle name, either part.
    assert_eq!(level(&hyphen, &parts("Jones", "", "Mary")), CLASS_MIDDLE);
    assert_eq!(level(&hyphen, &parts("Smith", "", "Mary")), CLASS_MIDDLE);
    // Two double family names sharing one part: weaker.
    assert_eq!(level(&hyphen, &parts("Jones-Brown", "", "Mary")), JARO_WINKLER);
    // No part shared: the given name only.
    assert_eq!(level(&hyphen, &parts("Brown", "", "Mary")), GIVEN_ONLY);
}

#[test]
fn swapped_first_and_last_names() {
    // First and last name swapped between the columns: the same tokens in another order.
    let a = parts("Collins", "", "Barbara");
    let b = parts("Barbara", "", "Collins");
    assert_eq!(level(&a, &b), name_level::SAME_TOKENS);
    let c = parts("Collins", "Jane", "Barbara");
    let d = parts("Barbara", "Jane", "Collins");
    assert_eq!(level(&c, &d), name_level::SAME_TOKENS);
    // Written in one field, in either order.
    assert_eq!(
        level(&whole("Barbara Collins"), &whole("Collins Barbara")),
        name_level::SAME_TOKENS
    );
}

const ADDRESS: &str = "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh";

#[test]
fn a_nickname_scores_higher_than_another_name() {
    // Same family name, birth date and address; the query's "Bill" must find William first,
    // with a higher weight than Walter. (The address is a Vietnamese one because the default
    // blocking rules without an id or phone key on the family name, birth date and province.)
    let people = [("Smith", "Walter", "p0"), ("Smith", "William", "p1")];
    let records: Vec<Record> = people
        .iter()
        .map(|&(family, given, id)| Record {
            record_id: id.into(),
            dob: "1970-05-14".into(),
            address: ADDRESS.into(),
            name_parts: [family.into(), String::new(), given.into()],
            ..Record::default()
        })
        .collect();
    let store = build_records(&records, &BuildOptions::default()).expect("store");
    let matcher = MatcherBuilder::new().build().expect("matcher");
    for (given, middle) in [("Bill", ""), ("William", "J")] {
        let q = Record {
            dob: "1970-05-14".into(),
            address: ADDRESS.into(),
            name_parts: ["Smith".into(), middle.into(), given.into()],
            ..Record::default()
        };
        let c = matcher.query(&store, &q, 2).expect("query");
        assert_eq!(c.first().map(|c| c.record_id.as_str()), Some("p1"), "{given}: {c:?}");
        assert!(c.len() < 2 || c[0].match_weight > c[1].match_weight, "{given}: {c:?}");
    }
}

#[test]
fn a_typo_with_a_middle_initial_is_still_one_typo() {
    use name_level::{DIFFERENT, ONE_TYPO};
    // Census: first name, middle initial, last name; SSA: the full middle name. The middles
    // agree (R, Rachel) and the rest is one typo apart: as if the middles were dropped.
    let census = parts("Eccleston", "R", "Vixtoria");
    let ssa = parts("Eccleston", "Rachel", "Victoria");
    assert_eq!(level(&census, &ssa), ONE_TYPO);
    assert_eq!(
        level(&parts("Wallace", "M", "Makkenzie"), &parts("Wallace", "Mary", "Mackenzie")),
        ONE_TYPO
    );
    assert_eq!(
        level(&parts("Aboytes Pagan", "D", "Rhonta"), &parts("Aboytes Pagan", "Dana", "Rhonda")),
        ONE_TYPO
    );
    // A typo in the family name, too.
    assert_eq!(
        level(&parts("Ecclestone", "R", "Victoria"), &parts("Eccleston", "Rachel", "Victoria")),
        ONE_TYPO
    );
    // A middle written on one side only.
    assert_eq!(level(&parts("Eccleston", "", "Vixtoria"), &ssa), ONE_TYPO);
    // An initial that is not the middle name's does not help.
    let other = level(&parts("Eccleston", "B", "Vixtoria"), &ssa);
    assert!(other > ONE_TYPO, "{other}");
    // Nor does a different name.
    assert!(level(&parts("Eccleston", "R", "Margaret"), &ssa) >= name_level::GIVEN_ONLY);
    assert!(level(&parts("Eccleston", "R", "Margaret"), &ssa) <= DIFFERENT);
    // Vietnamese names keep their levels: "Nguyễn Văn An" against "Nguyễn Anh" is no typo.
    let vn = level(&parts("Nguyễn", "Văn", "An"), &parts("Nguyễn", "", "Anh"));
    assert!(vn > ONE_TYPO, "{vn}");
}

/// Prepares a name written in one field, given name first (`John A Smith`).
fn given_first(name: &str) -> Prepared {
    let mut out = Prepared::default();
    Preparer::new().given_first(true).prepare(
        &RawFields { name, ..RawFields::default() },
        &Encodings::default(),
        &mut out,
    );
    out
}

#[test]
fn placeholders_written_for_a_name_part_stand_for_nothing() {
    use name_level::CLASS_MIDDLE;
    // A census respondent's "Respondent" or "Son" for a middle name, "Mr" for a given name:
    // the other parts decide, as if the part were blank.
    let michael = parts("Garciagarcia", "A", "Michael");
    assert_eq!(level(&parts("Garciagarcia", "Respondent", "Michael"), &michael), CLASS_MIDDLE);
    assert_eq!(level(&parts("Keele", "Son", "Jennifer"), &parts("Keele", "J", "Jennifer")), {
        CLASS_MIDDLE
    });
    let phrase = given_first("Man Of The J Guerra Barrera");
    assert_eq!(phrase.name_ascii, "guerra barrera j");
    assert_eq!(given_first("Mary J Lady Of The House").name_ascii, "j mary");
    assert_eq!(given_first("Cody Lady Of House Hernandez").name_ascii, "hernandez cody");
    // Words that are real names stay: Sơn without diacritics in a Vietnamese name, Son as a
    // family name, Friend as one too.
    assert_eq!(parts("Nguyen", "Van", "Son").name_ascii, "nguyen van son");
    assert_eq!(parts("Son", "", "Heung-min").name_ascii, "son heung min");
    assert_eq!(given_first("Gregory House").name_ascii, "house gregory");
    assert_eq!(given_first("Anna Friend").name_ascii, "friend anna");
}

#[test]
fn a_digit_inside_a_name_is_a_misread_letter() {
    // Scanned forms: "Jac4ueline" is one word a letter away from Jacqueline, not two words.
    let typed = parts("Lucas", "K", "Jacqueline");
    assert_eq!(level(&parts("Lucas", "Karen", "Jac4ueline"), &typed), name_level::ONE_TYPO);
    assert_eq!(parts("Williams", "", "Ash1ey").name_ascii, "williams ashley");
    // Digits around a name still separate it from other words.
    assert_eq!(whole("Nguyễn Văn An 2").name_ascii, "nguyen van an");
}

#[test]
fn family_and_given_names_agreeing_with_other_middles_weigh_between_the_levels() {
    use name_level::{FAMILY_GIVEN, GIVEN_ONLY};
    // Nguyễn Văn Hùng and Nguyễn Mạnh Hùng: the family and given names agree, the middles not.
    assert_eq!(level(&whole("Nguyễn Văn Hùng"), &whole("Nguyễn Mạnh Hùng")), FAMILY_GIVEN);
    assert_eq!(level(&whole("Nguyễn Văn Hùng"), &whole("Trần Mạnh Hùng")), GIVEN_ONLY);
    // Without a family name on both sides, no family agrees.
    assert_eq!(level(&parts("", "Carol", "Erica"), &parts("", "Jane", "Erica")), GIVEN_ONLY);
}
