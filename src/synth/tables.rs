//! Sampling tables of the generator, built once from [`crate::refdata`] plus a few lists of its
//! own: province populations (2019 census), street names, hamlet names, CMND issuing prefixes,
//! carrier market shares and the age pyramid.
//!
//! Invariants: every sampler has at least one positive weight; indices stored here point into the
//! `refdata` tables (`old_wards()`, `new_wards()`, `old_provinces()` …), which are in file order.

use std::sync::OnceLock;

use rand::RngExt;
use rustc_hash::FxHashMap;

use crate::normalize::Sex;
use crate::refdata;

use super::Rng;

/// A weighted choice among `n` items: cumulative weights and a binary search.
#[derive(Debug, Clone)]
pub(crate) struct Weighted {
    cum: Vec<f64>,
}

impl Weighted {
    /// Builds the sampler. Panics if no weight is positive (the tables are fixed at compile
    /// time and tested, so this is a build defect).
    pub(crate) fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cum: Vec<f64> = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        assert!(total > 0.0, "a sampler needs a positive weight");
        Weighted { cum }
    }

    /// Draws an index.
    pub(crate) fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cum.last().unwrap_or(&0.0);
        let x = rng.random::<f64>() * total;
        self.cum.partition_point(|&c| c <= x).min(self.cum.len() - 1)
    }
}

/// Broad region of an old province, which drives surname variants and address style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Region {
    North,
    Central,
    South,
}

impl Region {
    fn of(old_code: u8) -> Region {
        match old_code {
            0..=37 => Region::North,
            38..=68 => Region::Central,
            _ => Region::South,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// 2019 census population (thousands) of the 63 old provinces. Hà Nội (8,054), Hồ Chí Minh
/// (8,993) and Bắc Kạn (314) were checked against published figures; the others are the
/// published table as remembered, rounded (±5 % at worst) — precise enough for weights.
const POPULATION_2019: [(u8, u32); 63] = [
    (1, 8054),
    (2, 855),
    (4, 530),
    (6, 314),
    (8, 785),
    (10, 731),
    (11, 599),
    (12, 461),
    (14, 1249),
    (15, 822),
    (17, 855),
    (19, 1287),
    (20, 782),
    (22, 1321),
    (24, 1804),
    (25, 1464),
    (26, 1152),
    (27, 1369),
    (30, 1893),
    (31, 2029),
    (33, 1253),
    (34, 1861),
    (35, 853),
    (36, 1781),
    (37, 983),
    (38, 3641),
    (40, 3328),
    (42, 1289),
    (44, 896),
    (45, 633),
    (46, 1129),
    (48, 1135),
    (49, 1496),
    (51, 1232),
    (52, 1487),
    (54, 873),
    (56, 1232),
    (58, 591),
    (60, 1231),
    (62, 541),
    (64, 1514),
    (66, 1870),
    (67, 623),
    (68, 1297),
    (70, 995),
    (72, 1169),
    (74, 2456),
    (75, 3097),
    (77, 1148),
    (79, 8993),
    (80, 1689),
    (82, 1765),
    (83, 1289),
    (84, 1009),
    (86, 1023),
    (87, 1600),
    (89, 1908),
    (91, 1723),
    (92, 1236),
    (93, 734),
    (94, 1200),
    (95, 907),
    (96, 1194),
];

/// CMND (9-digit) issuing prefix by old province. The rows Hà Nội 01 … Bắc Kạn 095 marked in
/// VIETNAMESE.md §8 are from vi.wikipedia via vilado.vn; the others (Lai Châu/Điện Biên 04, Lào
/// Cai/Yên Bái 06, Tuyên Quang 07, Cao Bằng/Lạng Sơn 08, Thái Nguyên 09, Vĩnh Phúc 13, Thái Bình
/// 15, Nam Định/Ninh Bình 16, Thanh Hóa 17, Nghệ An 18, Huế 19, Đà Nẵng 20, Kon Tum 23, Đắk
/// Lắk/Đắk Nông 24, Lâm Đồng 25, Đồng Nai 27, Long An 30, Tiền Giang 31, Vĩnh Long/Trà Vinh 33,
/// Đồng Tháp 34, Cần Thơ 36, Kiên Giang 37, Cà Mau 38) follow the same commonly cited table and
/// are unverified. Only the shape (9 digits, plausible prefix) matters to a matcher.
const CMND_PREFIX: [(u8, &str); 63] = [
    (1, "01"),
    (2, "07"),
    (4, "08"),
    (6, "095"),
    (8, "07"),
    (10, "06"),
    (11, "04"),
    (12, "04"),
    (14, "05"),
    (15, "06"),
    (17, "11"),
    (19, "09"),
    (20, "08"),
    (22, "10"),
    (24, "12"),
    (25, "13"),
    (26, "13"),
    (27, "12"),
    (30, "14"),
    (31, "03"),
    (33, "14"),
    (34, "15"),
    (35, "16"),
    (36, "16"),
    (37, "16"),
    (38, "17"),
    (40, "18"),
    (42, "18"),
    (44, "19"),
    (45, "19"),
    (46, "19"),
    (48, "20"),
    (49, "20"),
    (51, "21"),
    (52, "21"),
    (54, "22"),
    (56, "22"),
    (58, "26"),
    (60, "26"),
    (62, "23"),
    (64, "23"),
    (66, "24"),
    (67, "24"),
    (68, "25"),
    (70, "285"),
    (72, "29"),
    (74, "280"),
    (75, "27"),
    (77, "27"),
    (79, "02"),
    (80, "30"),
    (82, "31"),
    (83, "32"),
    (84, "33"),
    (86, "33"),
    (87, "34"),
    (89, "35"),
    (91, "37"),
    (92, "36"),
    (93, "36"),
    (94, "36"),
    (95, "38"),
    (96, "38"),
];

/// Common street names (our own list of people, events and places that name streets in most
/// Vietnamese towns). Includes names with open `oa`/`uy` syllables (Hòa Bình, Xuân Thủy) so that
/// the tone-placement corruption also reaches addresses.
pub(crate) const STREETS: &[&str] = &[
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Quang Trung",
    "Nguyễn Huệ",
    "Lê Duẩn",
    "Hùng Vương",
    "Điện Biên Phủ",
    "Lê Lai",
    "Phan Chu Trinh",
    "Phan Bội Châu",
    "Nguyễn Du",
    "Trần Phú",
    "Ngô Quyền",
    "Đinh Tiên Hoàng",
    "Lê Thánh Tông",
    "Nguyễn Văn Cừ",
    "Võ Thị Sáu",
    "Nguyễn Thị Minh Khai",
    "Bà Triệu",
    "Lý Thái Tổ",
    "Trần Quốc Toản",
    "Nguyễn Đình Chiểu",
    "Cách Mạng Tháng Tám",
    "Ba Tháng Hai",
    "Nam Kỳ Khởi Nghĩa",
    "Võ Văn Tần",
    "Pasteur",
    "Lạc Long Quân",
    "Âu Cơ",
    "Nguyễn Chí Thanh",
    "Lê Hồng Phong",
    "Tôn Đức Thắng",
    "Phạm Văn Đồng",
    "Võ Nguyên Giáp",
    "Trường Chinh",
    "Nguyễn Văn Linh",
    "Hoàng Văn Thụ",
    "Hoàng Hoa Thám",
    "Chu Văn An",
    "Nguyễn Khuyến",
    "Nguyễn Bỉnh Khiêm",
    "Tô Hiến Thành",
    "Yết Kiêu",
    "Phạm Ngũ Lão",
    "Trần Khát Chân",
    "Trần Nhân Tông",
    "Trần Quang Khải",
    "Lý Tự Trọng",
    "Nguyễn Thái Học",
    "Phan Đình Phùng",
    "Kim Mã",
    "Giải Phóng",
    "Bạch Đằng",
    "Hồ Tùng Mậu",
    "Xuân Thủy",
    "Hòa Bình",
    "Nguyễn Văn Trỗi",
    "Trần Quý Cáp",
    "Lê Quý Đôn",
    "Nguyễn Công Trứ",
    "Huỳnh Thúc Kháng",
    "Phan Văn Trị",
    "Hoàng Diệu",
    "Hàm Nghi",
    "Duy Tân",
    "Độc Lập",
    "Thống Nhất",
    "Nguyễn Hữu Cảnh",
    "Bùi Thị Xuân",
    "Đề Thám",
    "Mạc Đĩnh Chi",
    "Thi Sách",
    "Phạm Hùng",
    "Nguyễn Xí",
    "Xô Viết Nghệ Tĩnh",
    "Ba Mươi Tháng Tư",
    "Nguyễn Tất Thành",
    "Lê Văn Sỹ",
    "Cao Thắng",
    "Nguyễn Thị Định",
    "Trần Bình Trọng",
    "Lê Đại Hành",
    "Nguyễn Lương Bằng",
    "Lý Nam Đế",
    "Nguyễn Trung Trực",
    "Trương Định",
    "Phạm Ngọc Thạch",
    "Tôn Thất Thuyết",
    "Nguyễn Thái Bình",
    "Lương Văn Can",
    "Nguyễn An Ninh",
    "Huỳnh Tấn Phát",
    "Lê Thanh Nghị",
    "Hoàng Quốc Việt",
    "Thanh Niên",
    "Tân Hòa",
    "Quốc lộ 1A",
];

/// Hamlet names (thôn, ấp, xóm) of lowland communes: our own list of common auspicious and
/// directional names.
pub(crate) const HAMLETS: &[&str] = &[
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "Đoài",
    "An Lạc",
    "Phú Xuân",
    "Tân Lập",
    "Tân Thành",
    "Hòa Bình",
    "Bình An",
    "Phú Hòa",
    "Mỹ Lợi",
    "Long Hưng",
    "Thanh Bình",
    "Đồng Tâm",
    "Quyết Thắng",
    "Tiến Bộ",
    "Hưng Thịnh",
    "Phú Lộc",
    "An Phú",
    "Tân Hiệp",
    "Vĩnh Phước",
    "Hòa Thuận",
    "Thuận An",
    "Đại Đồng",
    "Xuân Hòa",
];

/// Village names of the northern uplands (bản) and the Central Highlands (buôn, làng).
pub(crate) const VILLAGES: &[&str] = &[
    "Na Hang",
    "Phiêng Lanh",
    "Nà Phặc",
    "Co Muông",
    "Huổi Só",
    "Pá Khoang",
    "Nậm Cắn",
    "Lả Ngà",
    "Ako Dhông",
    "Kô Tam",
    "Ea Kmát",
    "Tơ Nung",
];

/// The age pyramid: relative births per year 1930–2010 (Vietnam 2019 census shape, survivors by
/// five-year cohort; the mode is 1985–1994).
const COHORT_WEIGHT: [(u16, f64); 17] = [
    (1930, 0.35),
    (1935, 0.55),
    (1940, 0.85),
    (1945, 1.3),
    (1950, 2.1),
    (1955, 3.0),
    (1960, 4.2),
    (1965, 5.3),
    (1970, 6.2),
    (1975, 7.0),
    (1980, 7.4),
    (1985, 8.0),
    (1990, 8.1),
    (1995, 7.5),
    (2000, 7.0),
    (2005, 7.1),
    (2010, 7.1),
];

/// First and last birth year of the population.
pub(crate) const FIRST_YEAR: u16 = 1930;
/// Last birth year of the population.
pub(crate) const LAST_YEAR: u16 = 2010;

/// A province before the reform, with what the generator needs.
#[derive(Debug)]
pub(crate) struct ProvinceInfo {
    /// Index in `refdata::old_provinces()`.
    pub(crate) old: usize,
    /// The old code as a number (1–96).
    pub(crate) code: u8,
    pub(crate) region: Region,
    /// Index in `refdata::new_provinces()`.
    pub(crate) new: usize,
    /// Old ward indices of the province and a sampler over them.
    pub(crate) wards: Vec<u32>,
    pub(crate) ward_sampler: Weighted,
    pub(crate) cmnd_prefix: &'static str,
}

/// A sex-specific name pool.
#[derive(Debug)]
pub(crate) struct Pool {
    pub(crate) names: Vec<&'static str>,
    pub(crate) sampler: Weighted,
}

impl Pool {
    pub(crate) fn sample(&self, rng: &mut Rng) -> &'static str {
        self.names[self.sampler.sample(rng)]
    }
}

/// All the tables.
#[derive(Debug)]
pub(crate) struct Tables {
    /// Family names and one sampler per region.
    pub(crate) families: Vec<&'static str>,
    pub(crate) family_by_region: [Weighted; 3],
    /// Middle-name pools (without Văn/Thị), given-name pools, by sex (0 male, 1 female).
    pub(crate) middle: [Pool; 2],
    pub(crate) given: [Pool; 2],
    /// The most frequent given names by sex, for common-name clusters.
    pub(crate) top_given: [Vec<&'static str>; 2],
    pub(crate) provinces: Vec<ProvinceInfo>,
    pub(crate) province_sampler: Weighted,
    /// Old district code → index in `refdata::old_districts()`.
    pub(crate) district_by_code: FxHashMap<&'static str, usize>,
    /// Per old ward: the index in `provinces` and its successors (new ward index, `is_default`).
    pub(crate) ward_province: Vec<u16>,
    pub(crate) successors: Vec<Vec<(u32, bool)>>,
    /// Current mobile prefixes (all sources agree), their sampler, and the old 11-digit prefix of
    /// each where the 2018 conversion had one.
    pub(crate) phone_prefixes: Vec<&'static str>,
    pub(crate) phone_sampler: Weighted,
    pub(crate) old_prefix: Vec<Option<&'static str>>,
    /// Birth years from `FIRST_YEAR`.
    pub(crate) year_sampler: Weighted,
}

/// The tables, built on first use.
pub(crate) fn tables() -> &'static Tables {
    static CELL: OnceLock<Tables> = OnceLock::new();
    CELL.get_or_init(build)
}

fn sex_index(sex: Sex) -> usize {
    match sex {
        Sex::Male => 0,
        Sex::Female => 1,
    }
}

impl Tables {
    pub(crate) fn family(&self, rng: &mut Rng, region: Region) -> &'static str {
        self.families[self.family_by_region[region.index()].sample(rng)]
    }

    pub(crate) fn middle(&self, rng: &mut Rng, sex: Sex) -> &'static str {
        self.middle[sex_index(sex)].sample(rng)
    }

    pub(crate) fn given(&self, rng: &mut Rng, sex: Sex) -> &'static str {
        self.given[sex_index(sex)].sample(rng)
    }

    pub(crate) fn top_given(&self, sex: Sex) -> &[&'static str] {
        &self.top_given[sex_index(sex)]
    }

    pub(crate) fn year(&self, rng: &mut Rng) -> u16 {
        FIRST_YEAR + self.year_sampler.sample(rng) as u16
    }

    pub(crate) fn province(&self, rng: &mut Rng) -> usize {
        self.province_sampler.sample(rng)
    }

    /// An old ward of province `p` (index in `provinces`), as an index in `old_wards()`.
    pub(crate) fn ward_in(&self, rng: &mut Rng, p: usize) -> u32 {
        let info = &self.provinces[p];
        info.wards[info.ward_sampler.sample(rng)]
    }
}

/// Weight of a name part for one sex: its sample count plus its list evidence, times the share
/// of that sex in the evidence. Names whose evidence is ≥ 80 % the other sex get nothing.
fn sexed_weight(p: &refdata::NamePart, sex: Sex) -> f64 {
    let (m, f) = (f64::from(p.male_evidence), f64::from(p.female_evidence));
    let share = match p.sex_hint.as_str() {
        "M" => [1.0, 0.0],
        "F" => [0.0, 1.0],
        // No sexed evidence at all: the UIT sample is mostly male.
        _ if m + f == 0.0 => [0.6, 0.4],
        _ => [(m + 0.5) / (m + f + 1.0), (f + 0.5) / (m + f + 1.0)],
    }[sex_index(sex)];
    let own = match sex {
        Sex::Male => m,
        Sex::Female => f,
    };
    (f64::from(p.uit_sample_count) + 1.0 + 4.0 * own) * share
}

fn pool(parts: &'static [refdata::NamePart], sex: Sex, skip: &[&str]) -> Pool {
    let kept: Vec<&refdata::NamePart> =
        parts.iter().filter(|p| !skip.contains(&p.name.as_str())).collect();
    Pool {
        names: kept.iter().map(|p| p.name.as_str()).collect(),
        sampler: Weighted::new(kept.iter().map(|p| sexed_weight(p, sex))),
    }
}

fn top(parts: &'static [refdata::NamePart], sex: Sex, n: usize) -> Vec<&'static str> {
    let mut v: Vec<(&'static str, f64)> =
        parts.iter().map(|p| (p.name.as_str(), sexed_weight(p, sex))).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter().take(n).map(|(s, _)| s).collect()
}

/// Share of Hoàng (vs Huỳnh) and Vũ (vs Võ) by region: the southern taboo forms dominate in the
/// South, the original forms in the North (VIETNAMESE.md §4).
fn variant_share(name: &str, region: Region) -> f64 {
    let (north, central, south) = match name {
        "Hoàng" => (0.92, 0.55, 0.2),
        "Huỳnh" => (0.08, 0.45, 0.8),
        "Vũ" => (0.85, 0.35, 0.15),
        "Võ" => (0.15, 0.65, 0.85),
        _ => return 1.0,
    };
    match region {
        Region::North => north,
        Region::Central => central,
        Region::South => south,
    }
}

fn family_weights(region: Region) -> Weighted {
    let fams = refdata::family_names();
    let published: f64 = {
        // The class share (Hoàng|Huỳnh 5.1) is repeated on both rows: count each class once.
        let mut seen = Vec::new();
        let mut s = 0.0;
        for f in fams {
            if let Some(p) = f.population_share_pct
                && !seen.contains(&f.equivalence_class.as_str())
            {
                seen.push(f.equivalence_class.as_str());
                s += f64::from(p);
            }
        }
        s
    };
    let rest_count: f64 = fams
        .iter()
        .filter(|f| f.population_share_pct.is_none() && f.name != "Y")
        .map(|f| f64::from(f.uit_sample_count) + 0.5)
        .sum();
    Weighted::new(fams.iter().map(|f| {
        if f.name == "Y" {
            // "Y" is the Êđê/Jarai male name prefix, not a family name (VIETNAMESE.md §4).
            return 0.0;
        }
        match f.population_share_pct {
            Some(p) => f64::from(p) * variant_share(&f.name, region),
            None => (100.0 - published) * (f64::from(f.uit_sample_count) + 0.5) / rest_count,
        }
    }))
}

/// Mobile market shares by carrier (approximate, 2020s: Viettel about half, `MobiFone`
/// and `VinaPhone` a fifth each), spread evenly over the carrier's prefixes.
fn carrier_share(carrier: &str) -> f64 {
    match carrier {
        "viettel" => 0.50,
        "mobifone" | "vinaphone" => 0.22,
        "vietnamobile" => 0.04,
        "gmobile" => 0.02,
        _ => 0.01,
    }
}

fn year_weights() -> Weighted {
    Weighted::new((FIRST_YEAR..=LAST_YEAR).map(|y| {
        // Linear interpolation between cohort points.
        let i = COHORT_WEIGHT.partition_point(|&(cy, _)| cy <= y).saturating_sub(1);
        let (y0, w0) = COHORT_WEIGHT[i];
        match COHORT_WEIGHT.get(i + 1) {
            Some(&(y1, w1)) => w0 + (w1 - w0) * f64::from(y - y0) / f64::from(y1 - y0),
            None => w0,
        }
    }))
}

// A table of tables: one statement per lookup table the generator draws from.
#[allow(clippy::too_many_lines)]
fn build() -> Tables {
    let old_provinces = refdata::old_provinces();
    let new_provinces = refdata::new_provinces();
    let old_wards = refdata::old_wards();
    let new_code_index: FxHashMap<&str, usize> =
        new_provinces.iter().enumerate().map(|(i, p)| (p.code.as_str(), i)).collect();
    let province_map: FxHashMap<&str, &str> = refdata::province_map()
        .iter()
        .map(|m| (m.old_code.as_str(), m.new_code.as_str()))
        .collect();

    let mut provinces = Vec::with_capacity(old_provinces.len());
    let mut province_by_code = FxHashMap::default();
    for (i, p) in old_provinces.iter().enumerate() {
        let code: u8 = p.code.parse().expect("numeric province code");
        let new = province_map
            .get(p.code.as_str())
            .and_then(|c| new_code_index.get(c))
            .copied()
            .expect("every old province maps to a new one");
        province_by_code.insert(code, provinces.len());
        provinces.push(ProvinceInfo {
            old: i,
            code,
            region: Region::of(code),
            new,
            wards: Vec::new(),
            ward_sampler: Weighted::new([1.0]),
            cmnd_prefix: CMND_PREFIX
                .iter()
                .find(|&&(c, _)| c == code)
                .map(|&(_, p)| p)
                .expect("every province has a CMND prefix"),
        });
    }
    let mut ward_province = Vec::with_capacity(old_wards.len());
    for (i, w) in old_wards.iter().enumerate() {
        let code: u8 = w.province_code.parse().expect("numeric province code");
        let p = province_by_code[&code];
        provinces[p].wards.push(i as u32);
        ward_province.push(p as u16);
    }
    for p in &mut provinces {
        // Urban wards are more populous than rural communes.
        p.ward_sampler =
            Weighted::new(p.wards.iter().map(|&w| match old_wards[w as usize].kind.as_str() {
                "Phường" => 2.0,
                "Thị trấn" => 1.2,
                _ => 1.0,
            }));
    }
    let province_sampler = Weighted::new(provinces.iter().map(|p| {
        let pop = POPULATION_2019.iter().find(|&&(c, _)| c == p.code).map_or(1000, |&(_, n)| n);
        f64::from(pop)
    }));

    let ward_index: FxHashMap<&str, usize> =
        old_wards.iter().enumerate().map(|(i, w)| (w.code.as_str(), i)).collect();
    let new_ward_index: FxHashMap<&str, usize> =
        refdata::new_wards().iter().enumerate().map(|(i, w)| (w.code.as_str(), i)).collect();
    let mut successors = vec![Vec::new(); old_wards.len()];
    for m in refdata::ward_map() {
        if let (Some(&o), Some(&n)) =
            (ward_index.get(m.old_ward_code.as_str()), new_ward_index.get(m.new_ward_code.as_str()))
        {
            successors[o].push((n as u32, m.is_default));
        }
    }

    let district_by_code =
        refdata::old_districts().iter().enumerate().map(|(i, d)| (d.code.as_str(), i)).collect();

    let agreed: Vec<&refdata::MobilePrefix> =
        refdata::mobile_prefixes().iter().filter(|p| p.all_three_agree == "yes").collect();
    let per_carrier = |c: &str| agreed.iter().filter(|p| p.carrier_vn_ident == c).count() as f64;
    let phone_sampler = Weighted::new(
        agreed
            .iter()
            .map(|p| carrier_share(&p.carrier_vn_ident) / per_carrier(&p.carrier_vn_ident)),
    );
    let old_prefix = agreed
        .iter()
        .map(|p| {
            refdata::prefix_2018()
                .iter()
                .find(|c| c.new_prefix == p.prefix)
                .map(|c| c.old_prefix.as_str())
        })
        .collect();

    let families = refdata::family_names().iter().map(|f| f.name.as_str()).collect();
    let markers = ["Văn", "Thị"];
    Tables {
        families,
        family_by_region: [
            family_weights(Region::North),
            family_weights(Region::Central),
            family_weights(Region::South),
        ],
        middle: [
            pool(refdata::middle_names(), Sex::Male, &markers),
            pool(refdata::middle_names(), Sex::Female, &markers),
        ],
        given: [
            pool(refdata::given_names(), Sex::Male, &[]),
            pool(refdata::given_names(), Sex::Female, &[]),
        ],
        top_given: [
            top(refdata::given_names(), Sex::Male, 8),
            top(refdata::given_names(), Sex::Female, 8),
        ],
        provinces,
        province_sampler,
        district_by_code,
        ward_province,
        successors,
        phone_prefixes: agreed.iter().map(|p| p.prefix.as_str()).collect(),
        phone_sampler,
        old_prefix,
        year_sampler: year_weights(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn tables_cover_the_reference_data() {
        let t = tables();
        assert_eq!(t.provinces.len(), 63);
        assert!(t.provinces.iter().all(|p| !p.wards.is_empty()));
        assert_eq!(t.successors.len(), refdata::old_wards().len());
        assert!(t.successors.iter().all(|s| !s.is_empty() && s.iter().any(|&(_, d)| d)));
        assert!(t.phone_prefixes.len() >= 25);
        assert!(t.phone_prefixes.contains(&"039"));
        let i39 = t.phone_prefixes.iter().position(|&p| p == "039").unwrap();
        assert_eq!(t.old_prefix[i39], Some("0169"));
        let i90 = t.phone_prefixes.iter().position(|&p| p == "090").unwrap();
        assert_eq!(t.old_prefix[i90], None);
        assert!(t.top_given[0].contains(&"Huy") || t.top_given[0].contains(&"Tuấn"));
    }

    #[test]
    fn samplers_follow_their_weights() {
        let tab = tables();
        let mut rng = Rng::seed_from_u64(7);
        let draws = 20_000;
        let mut nguyen = 0;
        let mut huynh_south = 0;
        let mut years_85_94 = 0;
        for _ in 0..draws {
            if tab.family(&mut rng, Region::North) == "Nguyễn" {
                nguyen += 1;
            }
            if tab.family(&mut rng, Region::South) == "Huỳnh" {
                huynh_south += 1;
            }
            if (1985..1995).contains(&tab.year(&mut rng)) {
                years_85_94 += 1;
            }
        }
        let share = f64::from(nguyen) / f64::from(draws);
        assert!((0.35..0.42).contains(&share), "Nguyễn share {share}");
        // Hoàng|Huỳnh is 5.1 %, 80 % of it Huỳnh in the South.
        let huynh = f64::from(huynh_south) / f64::from(draws);
        assert!((0.03..0.05).contains(&huynh), "Huỳnh share in the South {huynh}");
        let cohort = f64::from(years_85_94) / f64::from(draws);
        assert!((0.15..0.25).contains(&cohort), "births 1985–1994 {cohort}");
        // Given names respect sex: no female draw of a male-only name.
        for _ in 0..2000 {
            let name = tab.given(&mut rng, Sex::Female);
            let part = refdata::given_names().iter().find(|p| p.name == name).unwrap();
            assert_ne!(part.sex_hint, "M", "{name}");
        }
    }

    #[test]
    fn weighted_sampler_never_picks_zero_weight() {
        let w = Weighted::new([0.0, 1.0, 0.0, 3.0]);
        let mut rng = Rng::seed_from_u64(1);
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            counts[w.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert_eq!(counts[2], 0);
        assert!(counts[3] > 2 * counts[1]);
    }
}
