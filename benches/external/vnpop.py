#!/usr/bin/env python3
"""vnpop: an independent generator of Vietnamese person registers with ground truth.

Standard library only; seeded and deterministic (same arguments -> byte-identical files).
It reads the project's reference CSVs (data/vn-names, data/vn-admin, data/vn-phone, data/vn-id,
data/vn-encoding) and builds its own population and clerk noise on top of them; it shares no
code and no design with vnlink's own generator.

Shapes:
  python3 vnpop.py dedupe --people N --dup-rate R --seed S --out DIR [--schema ...]
      records.csv, truth.csv (record_id,entity_id), meta.json
  python3 vnpop.py lookup --people N --register-dup-rate R --queries Q --in-register P --seed S --out DIR
      registry.csv, queries.csv, queries.jsonl (standard keys), truth.csv (both files),
      query_kinds.csv (record_id,kind), meta.json
Schemas (--schema): standard | clerk | english_ids | split.
"""

import argparse
import bisect
import csv
import datetime as dt
import itertools
import json
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "data"))
NOW_YEAR = 2025          # the population is as of late 2025
REFORM_YEAR = 2025.5     # 2025-07-01: 63 -> 34 provinces, districts abolished
EXCEL_EPOCH = dt.date(1899, 12, 30)

# --------------------------------------------------------------------------------------------
# Facts of this generator's own design (not taken from vnlink)
# --------------------------------------------------------------------------------------------

# Population of the 63 old provinces, thousands (2019 census, rounded); weights the residences.
PROVINCE_POP = {
    "01": 8054, "02": 854, "04": 530, "06": 314, "08": 785, "10": 731, "11": 599, "12": 460,
    "14": 1248, "15": 822, "17": 854, "19": 1287, "20": 782, "22": 1320, "24": 1804, "25": 1464,
    "26": 1152, "27": 1368, "30": 1893, "31": 2029, "33": 1253, "34": 1861, "35": 853, "36": 1781,
    "37": 983, "38": 3641, "40": 3327, "42": 1289, "44": 896, "45": 633, "46": 1129, "48": 1135,
    "49": 1496, "51": 1232, "52": 1487, "54": 873, "56": 1232, "58": 591, "60": 1231, "62": 541,
    "64": 1514, "66": 1870, "67": 623, "68": 1297, "70": 995, "72": 1170, "74": 2456, "75": 3097,
    "77": 1149, "79": 8993, "80": 1689, "82": 1765, "83": 1289, "84": 1010, "86": 1023, "87": 1600,
    "89": 1908, "91": 1724, "92": 1236, "93": 734, "94": 1200, "95": 908, "96": 1194,
}

# 9-digit CMND: issuing-police prefix by old province (commonly published table; approximate).
CMND_PREFIX = {
    "01": "01", "79": "02", "31": "03", "11": "04", "12": "04", "14": "05", "10": "06", "15": "06",
    "02": "07", "08": "07", "20": "08", "04": "08", "19": "09", "06": "095", "22": "10", "17": "11",
    "24": "12", "27": "12", "25": "13", "26": "13", "30": "14", "33": "14", "34": "15", "36": "16",
    "35": "16", "37": "16", "38": "17", "40": "18", "42": "18", "44": "19", "45": "19", "46": "19",
    "49": "20", "48": "20", "51": "21", "52": "21", "56": "22", "54": "22", "64": "23", "62": "23",
    "66": "24", "67": "24", "68": "25", "58": "26", "60": "26", "75": "27", "77": "27", "74": "280",
    "70": "285", "72": "29", "80": "30", "82": "31", "83": "32", "86": "33", "84": "33", "87": "34",
    "89": "35", "92": "36", "93": "36", "94": "36", "91": "37", "95": "38", "96": "38",
}

# Landline area codes since 2017 (without the trunk 0); a landline is 11 digits with the 0.
AREA_CODE = {
    "01": "24", "79": "28", "31": "225", "48": "236", "92": "292", "22": "203", "24": "204",
    "20": "205", "04": "206", "08": "207", "19": "208", "06": "209", "25": "210", "26": "211",
    "14": "212", "12": "213", "10": "214", "11": "215", "15": "216", "17": "218", "02": "219",
    "30": "220", "33": "221", "27": "222", "35": "226", "34": "227", "36": "228", "37": "229",
    "44": "232", "45": "233", "46": "234", "49": "235", "38": "237", "40": "238", "42": "239",
    "75": "251", "60": "252", "77": "254", "51": "255", "52": "256", "54": "257", "56": "258",
    "58": "259", "62": "260", "67": "261", "66": "262", "68": "263", "64": "269", "86": "270",
    "70": "271", "80": "272", "82": "273", "74": "274", "83": "275", "72": "276", "87": "277",
    "96": "290", "95": "291", "93": "293", "84": "294", "89": "296", "91": "297", "94": "299",
}

# Mobile prefixes and a market-share-like weight (own estimate).
MOBILE_WEIGHTS = {
    "032": 4, "033": 4, "034": 4, "035": 4, "036": 4, "037": 4, "038": 4, "039": 4, "086": 4,
    "096": 8, "097": 9, "098": 9, "081": 2, "082": 2, "083": 2, "084": 2, "085": 2, "088": 3,
    "091": 7, "094": 6, "070": 2, "076": 2, "077": 2, "078": 2, "079": 2, "089": 2, "090": 7,
    "093": 5, "052": 0.3, "056": 0.5, "058": 0.5, "092": 1.5, "059": 0.3, "099": 0.2, "087": 0.5,
}


def region_of(prov):
    c = int(prov)
    if c <= 37:
        return "N"     # North
    if c <= 46:
        return "NC"    # Thanh Hóa .. Huế
    if c <= 68:
        return "C"     # South-central coast and Central Highlands
    return "S"


# Share of the southern taboo forms (Huỳnh for Hoàng, Võ for Vũ) by region.
SOUTHERN_FORM = {"N": 0.04, "NC": 0.35, "C": 0.8, "S": 0.85}

STREETS = [
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
    "Nguyễn Trãi", "Lê Duẩn", "Hùng Vương", "Điện Biên Phủ", "Trần Phú", "Nguyễn Du",
    "Phan Chu Trinh", "Phan Bội Châu", "Lê Lai", "Nguyễn Thị Minh Khai", "Võ Thị Sáu",
    "Cách Mạng Tháng Tám", "Ba Tháng Hai", "Nguyễn Văn Cừ", "Lê Hồng Phong", "Nguyễn Chí Thanh",
    "Trường Chinh", "Lạc Long Quân", "Âu Cơ", "Nguyễn Văn Linh", "Phạm Văn Đồng", "Võ Nguyên Giáp",
    "Tôn Đức Thắng", "Hoàng Văn Thụ", "Ngô Quyền", "Đinh Tiên Hoàng", "Lê Thánh Tông",
    "Nguyễn Thái Học", "Bà Triệu", "Chu Văn An", "Nguyễn Bỉnh Khiêm", "Trần Quốc Toản",
    "Lý Tự Trọng", "Nguyễn Công Trứ", "Phan Đình Phùng", "Hoàng Diệu", "Nguyễn Khuyến", "Kim Mã",
    "Giải Phóng", "Xuân Thủy", "Cầu Giấy", "Tây Sơn", "Minh Khai", "Bạch Đằng", "Lò Đúc",
    "Trần Khát Chân", "Nguyễn An Ninh", "Pasteur", "Nam Kỳ Khởi Nghĩa", "Xô Viết Nghệ Tĩnh",
    "Lê Văn Sỹ", "Huỳnh Tấn Phát", "Nguyễn Văn Trỗi", "Phan Xích Long", "Bùi Thị Xuân",
    "Nguyễn Đình Chiểu", "Cộng Hòa", "Lũy Bán Bích", "Mậu Thân", "30 Tháng 4", "Trần Văn Ơn",
    "Đồng Khởi", "Quốc lộ 1A", "Tỉnh lộ 10", "Lê Quý Đôn", "Nguyễn Trung Trực", "Trần Quang Khải",
    "Nguyễn Văn Trỗi", "Lê Thị Riêng", "Hà Huy Tập", "Trần Nhân Tông", "Yersin", "Nguyễn Sinh Sắc",
]
HAMLET_NAMES = [
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân Lập", "Tân Hòa", "Tân Phú",
    "Phú Mỹ", "An Bình", "Bình An", "Hòa Bình", "Thống Nhất", "Đoàn Kết", "Quyết Thắng",
    "Thắng Lợi", "Tiến Bộ", "Phú Thọ", "Mỹ Lợi", "Long Hòa", "An Phú", "Vĩnh Phước", "Tân Thành",
    "Phước Lộc", "Hòa Thuận", "Đồng Tâm", "Chợ", "Đình", "Nội", "Ngoại", "Cầu", "Mới", "Đồng",
    "Phú Lợi", "Tân Hưng", "Bình Minh", "Hưng Thịnh", "Lộc Thọ", "Thạnh Phú", "Mỹ Hòa",
]
BAN_NAMES = ["Nà Sản", "Pá Khoang", "Co Mạ", "Huổi Một", "Nậm Cang", "Phố", "Mường", "Nà Hẩu",
             "Tả Van", "Lao Chải", "Sín Chải", "Cốc Lếu", "Pác Bó", "Nà Lòa", "Hua Pàng"]
BUON_NAMES = ["Ky", "Đôn", "Ea Kmar", "Kô Siêr", "Tơng Jú", "Ako Dhông", "Ea Sar", "Jun",
              "Plei Ốp", "Kon Klor", "Ea Na", "Trấp"]
NOTES = ["Thường trú", "Tạm trú", "Chuyển đến", "Hộ nghèo", "Đã cấp thẻ", "Cập nhật 2024",
         "Chủ hộ", "Con", "Vợ", "Ở nhờ", "Đi làm ăn xa", "Cần xác minh", "KT3", "Hộ cận nghèo"]

# Given names that were fashionable in a cohort get a boost (own choice of names).
CLASSIC_M = {"Hùng", "Dũng", "Minh", "Tuấn", "Thắng", "Hải", "Sơn", "Bình", "Nam", "Hòa", "Thanh",
             "Hưng", "Cường", "Chiến", "Thành", "Long", "Quang", "Tâm", "Trung", "Lợi", "Hiền",
             "Phúc", "Lộc", "Toàn", "Thịnh", "Vinh", "Hòa", "Định", "Tiến", "Đức", "Mạnh"}
CLASSIC_F = {"Lan", "Hương", "Hoa", "Hà", "Mai", "Hồng", "Thu", "Nga", "Hằng", "Thủy", "Loan",
             "Tuyết", "Liên", "Huệ", "Cúc", "Đào", "Yến", "Hạnh", "Dung", "Nhung", "Oanh",
             "Phương", "Thảo", "Vân", "Xuân", "Bích", "Thoa", "Lý", "Hiền", "Tâm", "Hoa", "Lệ"}
MODERN_M = {"Huy", "Khoa", "Bảo", "Khang", "Phúc", "Minh", "Đức", "Anh", "Nam", "Khôi", "Kiệt",
            "Nguyên", "Quân", "Duy", "Hoàng", "Long", "Đạt", "Khánh", "Thịnh", "Hiếu", "Tín", "Phát"}
MODERN_F = {"Linh", "Trang", "Anh", "Ngọc", "Vy", "Nhi", "Như", "Thư", "My", "Hân", "Ngân",
            "Trâm", "Uyên", "Quỳnh", "Thảo", "Hà", "Vân", "Chi", "Giang", "Diệp", "Ánh", "Yến"}
NOT_MIDDLE = {"Nguyễn", "Trần", "Lê", "Phạm", "Phan", "Huỳnh", "Võ", "Đặng", "Đỗ", "Ngô",
              "Trương", "Trịnh", "Đào", "Lý", "Châu", "Đinh", "Đoàn", "Văn", "Thị", "Tri", "Tự",
              "Phát", "Bé", "Nữ", "Tăng", "Cấn", "Doãn", "Hàn", "Nương", "Thân", "Tứ", "Tử", "Ất"}
NOT_GIVEN = {"Văn", "Nguyễn"}

# Naming systems of some ethnic minorities whose names break the Kinh pattern (own samples).
MINORITY = {
    "hmong": {"share": {"02": 0.33, "10": 0.25, "11": 0.35, "12": 0.25, "14": 0.15, "15": 0.1},
              "family": ["Giàng", "Sùng", "Vàng", "Thào", "Mùa", "Lầu", "Hờ", "Lý", "Vừ", "Hạng",
                         "Tráng", "Sình"],
              "mid_m": ["A"], "mid_f": ["Thị"],
              "given_m": ["Páo", "Sử", "Chứ", "Dình", "Pó", "Lử", "Sính", "Chá", "Dế", "Tủa",
                          "Súa", "Vàng", "Pao", "Chính", "Dìa"],
              "given_f": ["Mỷ", "Dợ", "Xua", "Say", "Mai", "Sua", "Pàng", "Chứ", "Sùng", "Súa",
                          "Dung", "Lan", "Chía"]},
    "thai": {"share": {"14": 0.5, "11": 0.35, "12": 0.3, "40": 0.04, "38": 0.05, "15": 0.1},
             "family": ["Lò", "Lường", "Cầm", "Quàng", "Tòng", "Vì", "Lự", "Hà", "Lù", "Điêu"],
             "mid_m": ["Văn"], "mid_f": ["Thị"],
             "given_m": ["Pánh", "Xuân", "Ơn", "Thương", "Bun", "Chiến", "Tấn", "Dân", "Hặc"],
             "given_f": ["Xuân", "Ín", "Lả", "Piêng", "Ỏn", "Hương", "Pọm", "Thoa", "Kim"]},
    # Êđê: "Y Moan Ênuôl" (man), "H'Hen Niê" (woman): the clan name comes last
    "ede": {"share": {"66": 0.18, "67": 0.08},
            "family": ["Niê", "Êban", "Mlô", "Adrơng", "Byă", "Hmok", "Ayŭn", "Êya", "Ênuôl",
                       "Kbuôr", "Buôn Yă", "Knul", "Mlô Duôn Du"],
            "mid_m": ["Y"], "mid_f": ["H'"],
            "given_m": ["Moan", "Bih", "Jut", "Blô", "Ngông", "Khoa", "Tlam", "Dhăm", "Thuột",
                        "Phôn", "Sơn", "Kơ", "Wang", "Mông", "Kuăn", "Djao", "Nuê", "Kông", "Siêng"],
            "given_f": ["Hen", "Ly", "Blăng", "Juin", "Nhi", "Wen", "Djuin", "Yơn", "Mai", "Dung",
                        "Loan", "Ngơn", "Bia", "Lim", "Trinh", "Zơ", "Nga"]},
    # Jarai: clan first, "Ksor Kơk", "Rơ Mah H'Bla"
    "jarai": {"share": {"64": 0.28, "62": 0.2},
              "family": ["Ksor", "Siu", "Nay", "Kpă", "Rơ Mah", "Rơ Châm", "Puih", "Rah Lan", "Rơ Lan"],
              "mid_m": [""], "mid_f": [""],
              "given_m": ["Kơk", "Phai", "Tuk", "Blek", "Đin", "Yă", "Hyưn", "Nhớ", "Chăn", "Thun",
                          "Pơ", "Jú", "Dương", "Ngơl"],
              "given_f": ["H'Bla", "H'Yuin", "H'Ngọc", "H'Lan", "H'Nhi", "H'Ler", "Nhiên", "H'Ben",
                          "H'Mai", "H'Linh"]},
    "khmer": {"share": {"94": 0.3, "84": 0.3, "91": 0.12, "89": 0.05, "95": 0.08},
              "family": ["Thạch", "Sơn", "Kim", "Danh", "Lâm", "Chau", "Lý", "Trà", "Dương"],
              "mid_m": ["", "Văn", "Sóc"], "mid_f": ["Thị", "Thị", "Néang"],
              "given_m": ["Sa Rươne", "Sóc", "Phol", "Kha", "Ra", "Sa Ri", "Pho", "Sang", "Rinh",
                          "Thươl", "Ky", "Đa Ra"],
              "given_f": ["Sa Mây", "Sa Phia", "Sa Rinh", "Mol", "Sa Ly", "Phương", "Đa Ni",
                          "Sóc Kha", "Ry", "Kim Thoa"]},
}

TWIN_GIVEN_PAIRS = [("Phúc", "Lộc"), ("Long", "Phụng"), ("An", "Khang"), ("Minh", "Mẫn"),
                    ("Hùng", "Hưng"), ("Tâm", "Tân"), ("Hoàng", "Hoàn"), ("Vy", "Vi"),
                    ("Nhi", "Như"), ("Thanh", "Thành"), ("Trúc", "Mai"), ("Sơn", "Hà"),
                    ("Kim", "Ngân"), ("Bảo", "Ngọc"), ("Lan", "Huệ"), ("Anh", "Em")]

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Weighted:
    """Deterministic weighted choice with cumulative weights."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(float(w) for w in weights))
        if not self.items or self.cum[-1] <= 0:
            raise ValueError("empty weighted list")

    def pick(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


class Ref:
    def __init__(self, data_dir):
        d = data_dir
        self.old_prov = {r["code"]: r for r in read_csv(f"{d}/vn-admin/old_provinces.csv")}
        self.old_dist = {r["code"]: r for r in read_csv(f"{d}/vn-admin/old_districts.csv")}
        self.old_ward = {r["code"]: r for r in read_csv(f"{d}/vn-admin/old_wards.csv")}
        self.new_prov = {r["code"]: r for r in read_csv(f"{d}/vn-admin/new_provinces.csv")}
        self.new_ward = {r["code"]: r for r in read_csv(f"{d}/vn-admin/new_wards.csv")}
        self.prov_map = {r["old_code"]: r["new_code"] for r in read_csv(f"{d}/vn-admin/map_province.csv")}
        self.ward_map = {}
        for r in read_csv(f"{d}/vn-admin/map_ward.csv"):
            if r["old_ward_code"]:
                self.ward_map.setdefault(r["old_ward_code"], []).append(
                    (r["new_ward_code"], 3.0 if r["is_default"] == "1" else 1.0))
        wards_by_prov = {}
        for code, w in self.old_ward.items():
            wards_by_prov.setdefault(w["province_code"], []).append(code)
        self.wards_by_prov = {}
        for p, codes in wards_by_prov.items():
            codes.sort()
            wt = [{"Phường": 3.0, "Thị trấn": 1.6, "Xã": 1.0}[self.old_ward[c]["type"]] for c in codes]
            self.wards_by_prov[p] = Weighted(codes, wt)
        provs = sorted(self.old_prov)
        self.province = Weighted(provs, [PROVINCE_POP[p] for p in provs])
        self.cccd_codes = {r["old_province_code"]: r["cccd_code"]
                           for r in read_csv(f"{d}/vn-id/cccd_province_codes.csv")}
        # names
        fam = read_csv(f"{d}/vn-names/family_names.csv")
        classes = {}
        for r in fam:
            classes.setdefault(r["equivalence_class"], []).append(r)
        names, weights = [], []
        rest = [r for r in fam if not r["population_share_pct"] and r["name"] not in ("Y", "Văn")]
        rest_total = sum(int(r["uit_sample_count"]) + 0.5 for r in rest)
        seen = set()
        for r in fam:
            c = r["equivalence_class"]
            if r["population_share_pct"] and c not in seen:
                seen.add(c)
                names.append(c)      # "Hoàng|Huỳnh" and "Vũ|Võ" resolved by region later
                weights.append(float(r["population_share_pct"]))
        for r in rest:
            names.append(r["name"])
            weights.append(10.9 * (int(r["uit_sample_count"]) + 0.5) / rest_total)
        self.family = Weighted(names, weights)
        self.family_names = [r["name"] for r in fam]
        mids = read_csv(f"{d}/vn-names/middle_names.csv")
        givs = read_csv(f"{d}/vn-names/given_names.csv")
        self.mid_m, self.mid_f = self._sexed(mids, NOT_MIDDLE, female_boost=2.0)
        self.giv = {}
        for cohort in ("old", "mid", "young"):
            self.giv[cohort] = self._sexed(givs, NOT_GIVEN, female_boost=2.5, cohort=cohort)
        self.equiv = {}
        for r in read_csv(f"{d}/vn-names/name_equivalences.csv"):
            if r["kind"] in ("hoi_nga_confusion",):
                continue
            self.equiv.setdefault(r["a"], []).append(r["b"])
            self.equiv.setdefault(r["b"], []).append(r["a"])
        self.prefix_old = {r["new_prefix"]: r["old_prefix"] for r in read_csv(f"{d}/vn-phone/prefix_2018.csv")}
        pf = sorted(MOBILE_WEIGHTS)
        self.mobile = Weighted(pf, [MOBILE_WEIGHTS[p] for p in pf])
        self.vni = {r["unicode"]: r["vni_as_cp1252"] for r in read_csv(f"{d}/vn-encoding/vni_windows.csv")}
        self.tcvn3 = {r["unicode"]: r["as_cp1252"] for r in read_csv(f"{d}/vn-encoding/tcvn3.csv")}

    @staticmethod
    def _sexed(rows, exclude, female_boost, cohort=None):
        m_items, m_w, f_items, f_w = [], [], [], []
        for r in rows:
            n = r["name"]
            if n in exclude:
                continue
            cnt = int(r["uit_sample_count"] or 0)
            me, fe = int(r["male_evidence"] or 0), int(r["female_evidence"] or 0)
            hint = r["sex_hint"]
            base = cnt + 1.0 + me + fe
            mfrac = (me + 1.0) / (me + fe + 2.0)
            if hint == "M":
                mfrac = 1.0
            elif hint == "F":
                mfrac = 0.0
            elif hint == "":
                mfrac = 0.5
                base *= 0.5
            wm = base * mfrac
            wf = base * (1 - mfrac) * female_boost
            if cohort == "old":
                wm *= 5 if n in CLASSIC_M else (0.3 if n in MODERN_M - CLASSIC_M else 1)
                wf *= 5 if n in CLASSIC_F else (0.3 if n in MODERN_F - CLASSIC_F else 1)
            elif cohort == "young":
                wm *= 4 if n in MODERN_M else (0.4 if n in CLASSIC_M - MODERN_M else 1)
                wf *= 4 if n in MODERN_F else (0.4 if n in CLASSIC_F - MODERN_F else 1)
            elif cohort == "mid":
                wm *= 2 if n in CLASSIC_M else 1
                wf *= 2 if n in CLASSIC_F else 1
            if wm >= 0.3:
                m_items.append(n)
                m_w.append(wm)
            if wf >= 0.3:
                f_items.append(n)
                f_w.append(wf)
        return Weighted(m_items, m_w), Weighted(f_items, f_w)

    def new_of_ward(self, ward, rng):
        opts = self.ward_map[ward]
        return Weighted([o[0] for o in opts], [o[1] for o in opts]).pick(rng)


# --------------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------------


class Address:
    __slots__ = ("prov", "dist", "ward", "new_ward", "new_prov", "line")

    def __init__(self, ref, ward, new_ward, line):
        w = ref.old_ward[ward]
        self.ward, self.dist, self.prov = ward, w["district_code"], w["province_code"]
        self.new_ward = new_ward
        self.new_prov = ref.prov_map[self.prov]
        self.line = line


class Person:
    __slots__ = ("pid", "hid", "family", "middle", "given", "sex", "dob", "year_only", "birth_prov",
                 "cccd", "cmnd", "cmnd_only", "mobile", "mobile_prev", "mobile_since", "addr",
                 "addr_prev", "moved_year", "hometown", "role", "twin", "father", "mother", "hh",
                 "ethnic", "kind")

    def __init__(self):
        self.middle = []
        self.cmnd = self.cccd = self.mobile = self.mobile_prev = None
        self.addr_prev = None
        self.moved_year = None
        self.twin = self.father = self.mother = None
        self.cmnd_only = False
        self.year_only = False
        self.kind = "person"

    @property
    def full_name(self):
        return written_name(self.family, self.middle, self.given, self.ethnic)

    def age(self, year=NOW_YEAR):
        return year - self.dob.year


def written_name(fam, mids, giv, ethnic=None):
    if ethnic == "ede":                     # Y Moan Ênuôl, H'Hen Niê
        pre = " ".join(mids)
        lead = (pre + giv) if pre.endswith("'") else " ".join(x for x in (pre, giv) if x)
        return f"{lead} {fam}"
    return " ".join(x for x in [fam] + list(mids) + [giv] if x)


class Household:
    __slots__ = ("hid", "addr", "landline", "members", "region", "hometown", "ethnic")


class Population:
    """Households of people with names, dates, ids, phones and addresses."""

    def __init__(self, ref, rng):
        self.ref, self.rng = ref, rng
        self.people, self.households = [], []
        self.used_cccd, self.used_cmnd, self.used_phone = set(), set(), set()

    # ---- identifiers ----
    def _unique(self, used, make):
        while True:
            v = make()
            if v not in used:
                used.add(v)
                return v

    def make_cccd(self, p):
        r = self.rng
        code = self.ref.cccd_codes[p.birth_prov]
        cent = (p.dob.year // 100 - 19) * 2 + (1 if p.sex == "F" else 0)
        head = f"{code}{cent}{p.dob.year % 100:02d}"
        return self._unique(self.used_cccd, lambda: head + f"{r.randrange(10**6):06d}")

    def make_cmnd(self, prov):
        r = self.rng
        pre = CMND_PREFIX[prov]
        return self._unique(self.used_cmnd, lambda: pre + "".join(str(r.randrange(10)) for _ in range(9 - len(pre))))

    def make_mobile(self):
        r = self.rng
        return self._unique(self.used_phone, lambda: self.ref.mobile.pick(r) + f"{r.randrange(10**7):07d}")

    def make_landline(self, prov):
        r = self.rng
        code = AREA_CODE[prov]
        return self._unique(self.used_phone,
                            lambda: "0" + code + str(r.randrange(2, 10)) + "".join(
                                str(r.randrange(10)) for _ in range(9 - len(code))))

    # ---- places ----
    def make_line(self, ward):
        r = self.rng
        w = self.ref.old_ward[ward]
        prov = w["province_code"]
        reg = region_of(prov)
        house = str(r.choice([r.randrange(1, 60), r.randrange(1, 200), r.randrange(1, 600)]))
        if r.random() < 0.06:
            house += r.choice("ABCD")
        if w["type"] == "Phường" or (w["type"] == "Thị trấn" and r.random() < 0.5):
            street = r.choice(STREETS)
            x = r.random()
            if prov in ("01", "31") and x < 0.4:
                return ("ngo", house, str(r.randrange(1, 300)), street)
            if reg == "S" and x < 0.45:
                return ("hem", str(r.randrange(1, 400)), house, street)
            if prov in ("46", "48") and x < 0.35:
                return ("kiet", str(r.randrange(1, 200)), house, street)
            if x < 0.85:
                return ("street", house, street)
            return ("to", r.choice(["Tổ", "Tổ dân phố", "Khu phố"]), str(r.randrange(1, 40)))
        if w["type"] == "Thị trấn":
            return ("to", r.choice(["Tổ dân phố", "Khu", "Khu phố", "Khóm" if reg == "S" else "Tổ"]),
                    str(r.randrange(1, 20)))
        # rural commune
        if prov in ("02", "10", "11", "12", "14", "15", "04", "06", "20") and r.random() < 0.5:
            return ("hamlet", "Bản", r.choice(BAN_NAMES))
        if prov in ("66", "64", "62", "67") and r.random() < 0.3:
            return ("hamlet", "Buôn", r.choice(BUON_NAMES))
        kw = "Ấp" if reg == "S" else r.choice(["Thôn", "Thôn", "Xóm"] if reg != "C" else ["Thôn"])
        name = str(r.randrange(1, 15)) if r.random() < 0.4 else r.choice(HAMLET_NAMES)
        return ("hamlet", kw, name)

    def make_address(self, prov=None, ward=None):
        r = self.rng
        if ward is None:
            if prov is None:
                prov = self.ref.province.pick(r)
            ward = self.ref.wards_by_prov[prov].pick(r)
        return Address(self.ref, ward, self.ref.new_of_ward(ward, r), self.make_line(ward))

    # ---- names ----
    def family_name(self, region, ethnic):
        r = self.rng
        if ethnic:
            return r.choice(MINORITY[ethnic]["family"])
        f = self.ref.family.pick(r)
        if f == "Hoàng|Huỳnh":
            return "Huỳnh" if r.random() < SOUTHERN_FORM[region] else "Hoàng"
        if f == "Vũ|Võ":
            return "Võ" if r.random() < SOUTHERN_FORM[region] else "Vũ"
        return f

    def cohort(self, year):
        return "old" if year < 1970 else ("mid" if year < 1992 else "young")

    def given_name(self, sex, year, ethnic):
        r = self.rng
        if ethnic:
            return r.choice(MINORITY[ethnic]["given_m" if sex == "M" else "given_f"])
        gm, gf = self.ref.giv[self.cohort(year)]
        return (gm if sex == "M" else gf).pick(r)

    def middle_name(self, sex, year, ethnic):
        r = self.rng
        if ethnic:
            m = r.choice(MINORITY[ethnic]["mid_m" if sex == "M" else "mid_f"])
            return [m] if m else []
        marker = "Văn" if sex == "M" else "Thị"
        pm = (0.62 if year < 1960 else 0.5 if year < 1975 else 0.38 if year < 1990 else 0.16) \
            if sex == "M" else (0.8 if year < 1960 else 0.7 if year < 1975 else 0.5 if year < 1990 else 0.2)
        x = r.random()
        mids = self.ref.mid_m if sex == "M" else self.ref.mid_f
        if x < 0.03:
            return []
        if x < 0.03 + pm:
            out = [marker]
            if sex == "F" and r.random() < 0.12:
                out.append(mids.pick(r))            # "Thị Thanh", "Thị Ngọc"
            return out
        out = [mids.pick(r)]
        if year >= 1980 and r.random() < 0.07:
            out.append(mids.pick(r))                # "Ngọc Bảo", "Gia Minh"
            if out[0] == out[1]:
                out.pop()
        return out

    # ---- people ----
    def new_person(self, hh, sex, year, family, middle=None, given=None, role="adult", birth_prov=None,
                   dob=None):
        r = self.rng
        p = Person()
        p.pid = len(self.people) + 1
        p.hid = hh.hid
        p.hh = hh
        p.sex = sex
        if dob is None:
            dob = dt.date(year, 1, 1) + dt.timedelta(days=r.randrange(365 if year % 4 else 366))
        p.dob = dob
        p.year_only = dob.year < 1955 and r.random() < 0.3
        p.ethnic = hh_ethnic = hh.ethnic
        p.family = family
        p.middle = middle if middle is not None else self.middle_name(sex, year, hh_ethnic)
        p.given = given if given is not None else self.given_name(sex, year, hh_ethnic)
        for _ in range(10):
            if given is not None or p.given not in p.middle:
                break
            p.given = self.given_name(sex, year, hh_ethnic)     # not "Phạm Minh Tuyền Minh"
        p.role = role
        p.addr = hh.addr
        p.hometown = hh.hometown
        if birth_prov is None:
            birth_prov = hh.addr.prov if (role == "child" or r.random() < 0.82) else self.ref.province.pick(r)
        p.birth_prov = birth_prov
        p.cccd = self.make_cccd(p)
        age = p.age()
        if dob.year <= 2005 and r.random() < 0.93:          # CMND: issued from 14, until 2021
            p.cmnd = self.make_cmnd(birth_prov if r.random() < 0.7 else hh.addr.prov)
            p.cmnd_only = r.random() < (0.25 if dob.year < 1960 else 0.05)
        pm = 0.0 if age < 14 else 0.55 if age < 18 else 0.94 if age < 60 else 0.72 if age < 75 else 0.35
        if r.random() < pm:
            p.mobile = self.make_mobile()
            p.mobile_since = r.randrange(max(2005, dob.year + 14), NOW_YEAR + 1) if dob.year + 14 < NOW_YEAR else NOW_YEAR
            if r.random() < 0.15:
                p.mobile_prev = self.make_mobile()
        if age >= 18 and r.random() < 0.10:
            # moved in: an earlier address, in the same province or elsewhere
            p.moved_year = r.randrange(2012, NOW_YEAR + 1)
            p.addr_prev = self.make_address(prov=hh.addr.prov if r.random() < 0.6 else None)
        self.people.append(p)
        hh.members.append(p)
        return p

    def new_household(self, prov=None, anchor=None):
        r = self.rng
        hh = Household()
        hh.hid = len(self.households) + 1
        hh.members = []
        if prov is None:
            prov = self.ref.province.pick(r)
        hh.addr = self.make_address(prov=prov)
        hh.region = region_of(prov)
        hh.ethnic = None
        for eth, spec in MINORITY.items():
            if anchor is None and r.random() < spec["share"].get(prov, 0.0):
                hh.ethnic = eth
                break
        # quê quán: the father's place of origin, inherited by the children
        hp = prov if r.random() < 0.7 else self.ref.province.pick(r)
        hh.hometown = self.ref.wards_by_prov[hp].pick(r)
        hh.landline = None
        self.households.append(hh)
        kind = Weighted(["single", "couple", "nuclear", "three", "siblings"],
                        [0.12, 0.10, 0.50, 0.22, 0.06]).pick(r)
        if anchor is not None and anchor["sex"] == "F" and kind == "siblings":
            kind = "nuclear"
        region = hh.region
        eth = hh.ethnic
        fam = self.family_name(region, eth)
        if anchor is not None:
            fam = anchor["family"]
        decade = Weighted([1940, 1950, 1960, 1970, 1980, 1990], [0.02, 0.07, 0.16, 0.22, 0.27, 0.26]).pick(r)
        year_head = decade + r.randrange(10)
        if anchor is not None:
            year_head = anchor["year"] if anchor["sex"] == "M" else anchor["year"] - r.randrange(0, 7)
        if kind == "single":
            year = Weighted([1935, 1950, 1965, 1980, 1995], [0.07, 0.15, 0.15, 0.25, 0.38]).pick(r) + r.randrange(15)
            year = min(year, 2006)
            sex = "M" if r.random() < 0.5 else "F"
            if anchor:
                year, sex = anchor["year"], anchor["sex"]
            self.new_person(hh, sex, year, fam, anchor and anchor["middle"], anchor and anchor["given"],
                            role="head")
        elif kind == "siblings":
            mid = self.middle_name("M", year_head, eth)
            n = r.choice([2, 2, 3])
            for i in range(n):
                sex = "M" if (i == 0 or r.random() < 0.5) else "F"
                y = min(2006, year_head + (0 if i == 0 else r.randrange(1, 8)))
                m = (["Thị"] if sex == "F" and mid == ["Văn"] else mid) if r.random() < 0.6 else None
                if i == 0 and anchor:
                    self.new_person(hh, "M", anchor["year"], fam, anchor["middle"], anchor["given"], role="head")
                else:
                    self.new_person(hh, sex, y, fam, m, role="sibling")
        else:
            # a couple, maybe children and grandparents
            hy = max(1935, min(2000, year_head))
            wy = min(2003, hy + r.choice([0, 1, 2, 2, 3, 4, 5, 7, -1, -2]))
            if anchor and anchor["sex"] == "F":
                wy = anchor["year"]
            if kind == "couple":
                hy = r.randrange(1938, 1972) if r.random() < 0.55 else r.randrange(1985, 2002)
                wy = hy + r.randrange(0, 6)
                if anchor:
                    hy = anchor["year"] if anchor["sex"] == "M" else anchor["year"] - r.randrange(0, 6)
                    wy = anchor["year"] if anchor["sex"] == "F" else hy + r.randrange(0, 6)
            grand = None
            if kind == "three":
                gy = hy - r.randrange(22, 36)
                if gy >= 1938:
                    gmid = self.middle_name("M", gy, eth)
                    grand = self.new_person(hh, "M", gy, fam, gmid, role="grandfather")
                    gm = self.new_person(hh, "F", min(gy + r.randrange(0, 6), hy - 18),
                                         self.family_name(region, eth), role="grandmother")
            if anchor and anchor["sex"] == "M":
                father = self.new_person(hh, "M", hy, fam, anchor["middle"], anchor["given"], role="head")
            else:
                fmid = None
                if grand is not None and grand.middle == ["Văn"] and r.random() < 0.5:
                    fmid = ["Văn"]
                father = self.new_person(hh, "M", hy, fam, fmid, role="head")
            if grand is not None:
                father.father = grand
            if anchor and anchor["sex"] == "F":
                mother = self.new_person(hh, "F", wy, anchor["family"], anchor["middle"], anchor["given"],
                                         role="spouse")
            else:
                mother = self.new_person(hh, "F", wy, self.family_name(region, eth), role="spouse")
            if kind in ("nuclear", "three"):
                n_kids = r.choice([3, 4, 4, 5, 2]) if wy < 1960 else (
                    r.choice([2, 2, 3, 3, 1]) if wy < 1980 else r.choice([1, 2, 2, 2, 3, 3]))
                y = wy + r.randrange(19, 28)
                k = 0
                while k < n_kids and y <= NOW_YEAR:
                    if NOW_YEAR - y > 32 and r.random() < 0.7:     # grown-up children moved out
                        y += r.randrange(1, 5)
                        k += 1
                        continue
                    twins = r.random() < 0.022
                    kids_dob = dt.date(y, 1, 1) + dt.timedelta(days=r.randrange(365))
                    sexes = ["M" if r.random() < 0.52 else "F" for _ in range(2 if twins else 1)]
                    pair = r.choice(TWIN_GIVEN_PAIRS) if twins and r.random() < 0.5 else None
                    made = []
                    for j, sx in enumerate(sexes):
                        mid = None
                        giv = None
                        if sx == "M" and father.middle and r.random() < 0.35:
                            mid = list(father.middle)                  # the lineage middle name
                        if sx == "M" and r.random() < 0.006:
                            mid, giv = list(father.middle), father.given     # named after the father
                        if twins:
                            if made and made[0].sex == sx and r.random() < 0.7:
                                mid = list(made[0].middle)
                            if pair:
                                giv = pair[j]
                        if made and giv is None:
                            for _ in range(20):
                                giv = self.given_name(sx, y, eth)
                                if giv != made[0].given:
                                    break
                        cfam = mother.family if eth == "ede" else fam      # Êđê clans pass through the mother
                        c = self.new_person(hh, sx, y, cfam, mid, giv, role="child", dob=kids_dob)
                        c.father, c.mother = father, mother
                        made.append(c)
                    if twins:
                        made[0].twin, made[1].twin = made[1], made[0]
                    y += r.randrange(1, 5)
                    k += 1
        # the household's landline (more common for older heads) and children's phones
        head = hh.members[0]
        if r.random() < (0.35 if head.dob.year < 1965 else 0.15):
            hh.landline = self.make_landline(prov)
        return hh

    def build(self, n_people, namesakes=True):
        r = self.rng
        if namesakes and n_people >= 200:
            self.plant_namesakes(n_people)
        while len(self.people) < n_people:
            self.new_household()
        # trim to exactly n_people (drop members of the last households)
        while len(self.people) > n_people:
            p = self.people.pop()
            p.hh.members.remove(p)
            if p.twin is not None:
                p.twin.twin = None
            self.used_cccd.discard(p.cccd)
        return self

    def plant_namesakes(self, n_people):
        """Groups of people with one common name, one province and one birth year: what a
        national register holds thousands of (e.g. Nguyễn Văn Hùng, Hà Nội, 1985)."""
        r = self.rng
        specs = [("Nguyễn", ["Văn"], "Hùng", "M", 0.01), ("Nguyễn", ["Thị"], "Hương", "F", 0.004),
                 ("Nguyễn", ["Văn"], "Dũng", "M", 0.003), ("Trần", ["Thị"], "Lan", "F", 0.002),
                 ("Nguyễn", ["Thị"], "Lan", "F", 0.002), ("Lê", ["Văn"], "Minh", "M", 0.002),
                 ("Nguyễn", ["Văn"], "Nam", "M", 0.0015), ("Phạm", ["Thị"], "Hoa", "F", 0.0015)]
        self.namesake_groups = []
        for fam, mid, giv, sex, share in specs:
            size = max(2, int(round(share * n_people)))
            prov = self.ref.province.pick(r)
            year = r.randrange(1960, 2001)
            if fam in ("Hoàng", "Vũ") and region_of(prov) in ("C", "S"):
                fam = {"Hoàng": "Huỳnh", "Vũ": "Võ"}[fam]
            for _ in range(size):
                self.new_household(prov=prov, anchor={"family": fam, "middle": list(mid), "given": giv,
                                                      "sex": sex, "year": year})
            self.namesake_groups.append({"name": " ".join([fam] + mid + [giv]), "province": prov,
                                         "birth_year": year, "size": size})

    # ---- explicit hard negatives for lookups ----
    def clone_namesake(self, p, same_dob=False):
        """A different person with p's name, sex and birth year, in p's province (or, with the same
        date of birth, anywhere)."""
        r = self.rng
        hh = Household()
        hh.hid = len(self.households) + 1
        hh.members = []
        prov = p.addr.prov if not same_dob else self.ref.province.pick(r)
        hh.addr = self.make_address(prov=prov)
        hh.region = region_of(prov)
        hh.ethnic = p.ethnic
        hh.hometown = self.ref.wards_by_prov[prov].pick(r)
        hh.landline = None
        self.households.append(hh)
        dob = p.dob if same_dob else None
        q = self.new_person(hh, p.sex, p.dob.year, p.family, list(p.middle), p.given, role="head", dob=dob)
        q.kind = "namesake_dob" if same_dob else "namesake"
        return q

    def make_junior(self, p):
        """p's son with p's full name, living in p's household (a father and son sharing a name)."""
        r = self.rng
        y = p.dob.year + r.randrange(20, 36)
        if y > 2007:
            y = 2007
        q = self.new_person(p.hh, "M", y, p.family, list(p.middle), p.given, role="child")
        q.father = p
        q.kind = "father_son"
        return q


# --------------------------------------------------------------------------------------------
# Text transforms
# --------------------------------------------------------------------------------------------

TONES = {"\u0300": "huyền", "\u0301": "sắc", "\u0303": "ngã", "\u0309": "hỏi", "\u0323": "nặng"}
VOWELS = set("aăâeêioôơuưy")


def strip_accents(s):
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return s.replace("đ", "d").replace("Đ", "D").replace("ð", "d").replace("Ð", "D")


def split_tone(ch):
    d = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in d if c in TONES)
    base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES))
    return base, tone


def with_tone(base, tone):
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", base) + tone)


def new_tone_placement(text):
    """Traditional 'hòa, thủy, khỏe' -> new-convention 'hoà, thuỷ, khoẻ' (open oa/oe/uy only)."""
    out = []
    for word in text.split(" "):
        low = word.lower()
        base = strip_accents(low)
        if len(word) >= 2 and not base.startswith("qu") and base[-2:] in ("oa", "oe", "uy"):
            b1, t1 = split_tone(word[-2])
            b2, t2 = split_tone(word[-1])
            if t1 and not t2:
                word = word[:-2] + b1 + with_tone(b2, t1)
        out.append(word)
    return " ".join(out)


def windows1258_like(text):
    """Base letter (with its quality mark) + combining tone: what cp1258 text decodes to."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        b, t = split_tone(ch)
        out.append(b + t)
    return "".join(out)


def legacy(text, table, tcvn=False):
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in table:
            out.append(table[ch])
        elif tcvn and ch.lower() in table:
            out.append(table[ch.lower()])      # no toned capitals in TCVN3
        else:
            out.append(ch)
    return "".join(out)


SIMILAR = {"a": "ăâ", "ă": "aâ", "â": "aă", "e": "ê", "ê": "e", "o": "ôơ", "ô": "oơ", "ơ": "oô",
           "u": "ư", "ư": "u", "i": "y", "y": "i", "n": "m", "m": "n", "d": "đ", "đ": "d", "t": "c",
           "c": "t", "s": "x", "x": "s", "h": "g", "g": "h", "l": "n", "r": "d", "v": "b", "b": "v",
           "k": "c", "q": "g", "p": "b"}
TONE_SWAP = {"\u0309": "\u0303", "\u0303": "\u0309", "\u0301": "\u0323", "\u0323": "\u0301",
             "\u0300": "", "": "\u0300"}


def typo_token(tok, rng):
    """One keyboard/handwriting slip in a name token, preserving its capital."""
    if len(tok) < 2:
        return tok
    cap = tok[0].isupper()
    s = list(tok.lower())
    op = rng.random()
    i = rng.randrange(1, len(s))
    if op < 0.22:
        del s[i]
    elif op < 0.40:
        s[i - 1], s[i] = s[i], s[i - 1]
        if i - 1 == 0 and len(s) > 2 and s[0] == s[1]:
            pass
    elif op < 0.65:
        b, t = split_tone(s[i])
        alts = SIMILAR.get(b) or "aeiounhtcg"
        s[i] = with_tone(rng.choice(alts), t)
    elif op < 0.80:
        s.insert(i, s[i])
    else:
        # a wrong tone: hỏi/ngã, sắc/nặng, or a tone lost / added
        idx = [k for k, c in enumerate(s) if split_tone(c)[0] in VOWELS]
        if idx:
            k = rng.choice(idx)
            b, t = split_tone(s[k])
            s[k] = with_tone(b, TONE_SWAP.get(t, ""))
    out = "".join(s)
    return out[:1].upper() + out[1:] if cap else out


def dialect_token(tok, rng):
    """Spelling by pronunciation: tr/ch, s/x, d/gi, l/n at the start."""
    low = tok.lower()
    for a, b in (("tr", "ch"), ("ch", "tr"), ("gi", "d"), ("s", "x"), ("x", "s"), ("d", "gi"),
                 ("l", "n"), ("n", "l")):
        if low.startswith(a) and not (a == "n" and low.startswith("ng")) and not (a == "n" and low.startswith("nh")):
            if rng.random() < 0.7:
                out = b + low[len(a):]
                return out[:1].upper() + out[1:]
    return tok


# --------------------------------------------------------------------------------------------
# Sources (clerks / agencies) and rendering
# --------------------------------------------------------------------------------------------

DEFAULT_NOISE = {
    # names
    "name_typo": 0.04, "name_order": 0.03, "name_taboo": 0.25, "name_drop_marker": 0.12,
    "name_add_marker": 0.02, "name_drop_middle": 0.03, "name_variant": 0.03, "name_dialect": 0.01,
    "name_lost_accent_syllable": 0.03, "name_honorific": 0.005, "name_middle_given_merge": 0.01,
    # dates
    "dob_missing": 0.03, "dob_swap": 0.025, "dob_digit": 0.015, "dob_year_only": 0.02,
    "dob_placeholder": 0.01, "dob_year_off": 0.01, "dob_month_year": 0.005,
    # sex
    "sex_missing": 0.05, "sex_wrong": 0.005,
    # identity number
    "id_missing": 0.10, "id_digit": 0.03, "id_transpose": 0.015, "id_other_person": 0.002,
    "id_sci": 0.003, "id_spaces": 0.01,
    # phone
    "phone_missing": 0.12, "phone_digit": 0.02, "phone_relative": 0.04, "phone_transpose": 0.01,
    # address
    "addr_missing": 0.04, "addr_partial": 0.10, "addr_typo": 0.03, "addr_mixed_units": 0.05,
}


HABITS = {
    "case": {"title": 0.62, "upper": 0.30, "lower": 0.03, "mixed": 0.05},
    "accents": {"nfc": 0.665, "ascii": 0.16, "nfd": 0.06, "cp1258": 0.03, "newtone": 0.06,
                "vni": 0.017, "tcvn3": 0.008},
    "date": {"dmy": 0.42, "d/m/y": 0.12, "iso": 0.12, "dmy-": 0.06, "dmy.": 0.05, "excel": 0.05,
             "d/m/yy": 0.05, "mdy": 0.04, "ymd": 0.03, "text": 0.03, "dmy_sp": 0.03},
    "sex": {("Nam", "Nữ"): 0.55, ("nam", "nữ"): 0.08, ("Nam", "Nu"): 0.07, ("M", "F"): 0.1,
            ("1", "0"): 0.04, ("1", "2"): 0.03, ("NAM", "NỮ"): 0.07, ("Male", "Female"): 0.04},
    "addr": {"full": 0.35, "abbr": 0.35, "bare": 0.18, "short": 0.12},
    "id": {"plain": 0.85, "dash": 0.03, "spaces": 0.04, "quote": 0.08},
    "phone": {"plain": 0.55, "+84": 0.1, "84": 0.05, "dots": 0.1, "spaces": 0.12, "dash": 0.04,
              "paren": 0.04},
    "excel": {True: 0.15, False: 0.85},
}
EXCEL_DATES = {"excel": 0.5, "iso": 0.2, "mdy": 0.3}


def stratified(rng, weights, count):
    """count values in the proportions of weights (largest remainder, ties at random), shuffled:
    every file gets about the same mix of habits, whatever its seed."""
    keys = list(weights)
    tot = sum(weights.values())
    exact = [weights[k] * count / tot for k in keys]
    base = [int(x) for x in exact]
    order = sorted(range(len(keys)), key=lambda i: (-(exact[i] - base[i]), rng.random()))
    for i in order[:count - sum(base)]:
        base[i] += 1
    out = [k for k, n in zip(keys, base) for _ in range(n)]
    rng.shuffle(out)
    return out


def clean_source(name, era_lo, era_hi):
    return {"name": name, "era": (era_lo, era_hi), "case": "title", "accents": "nfc",
            "date": "dmy", "sex": ("Nam", "Nữ"), "addr": "full", "id": "plain",
            "phone": "plain", "clean": True, "excel": False, "id_lost0": 0.0, "phone_lost0": 0.0}


def make_sources(rng, count, era_lo=2012.0, era_hi=2026.5):
    """Clerks and agencies, each with its own habits, constant across the records it writes, and
    its own years of activity. A dedupe file is a merge of their records."""
    habits = {k: stratified(rng, w, count) for k, w in HABITS.items()}
    out = []
    for k in range(count):
        a = era_lo + (era_hi - 1.0 - era_lo) * rng.random() ** 0.6     # more recent sources
        b = min(era_hi, a + rng.uniform(0.5, 6.0))
        src = {"name": f"src{k + 1}", "era": (a, b), "clean": False}
        for h in HABITS:
            src[h] = habits[h][k]
        if src["excel"]:
            src["date"] = Weighted(list(EXCEL_DATES), list(EXCEL_DATES.values())).pick(rng)
            src["id_lost0"], src["phone_lost0"] = 0.7, 0.7
        else:
            src["id_lost0"], src["phone_lost0"] = 0.01, 0.01
        out.append(src)
    return out


UNIT_ABBR = {
    "Phường": ["P.", "P. ", "P", "F", "Phường "], "Xã": ["X.", "Xã ", "xã ", "X. "],
    "Thị trấn": ["TT.", "TT ", "Tt. ", "T.T "], "Quận": ["Q.", "Q. ", "Q", "Quận "],
    "Huyện": ["H.", "H. ", "huyện ", "Huyện "], "Thị xã": ["TX.", "TX ", "Tx. "],
    "Thành phố": ["TP.", "TP ", "Tp. ", "T.P ", "Tp."], "Tỉnh": ["T.", "Tỉnh ", "", "", "tỉnh "],
    "Đặc khu": ["ĐK ", "Đặc khu "],
}
CITY_ALIASES = {
    "79": ["TP.HCM", "TPHCM", "Tp HCM", "HCM", "Tp. Hồ Chí Minh", "TP Hồ Chí Minh", "Sài Gòn", "TP.HCM"],
    "01": ["HN", "Hà Nội", "TP Hà Nội", "Tp. Hà Nội", "Hà Nội"],
    "46": ["TT Huế", "Thừa Thiên Huế", "Thừa Thiên - Huế", "TT-Huế", "Huế"],
    "77": ["BR-VT", "Bà Rịa - Vũng Tàu", "Bà Rịa Vũng Tàu", "BRVT"],
    "48": ["Đà Nẵng", "TP Đà Nẵng", "Tp.Đà Nẵng"],
}


def render_unit(full, typ, name, mode, rng, prov_code=None):
    if mode == "full":
        return full
    numbered = name.isdigit()
    if mode == "bare" and not numbered and typ != "Thành phố":
        return name
    if mode in ("abbr", "short", "bare"):
        if prov_code and prov_code in CITY_ALIASES and rng.random() < 0.7:
            return rng.choice(CITY_ALIASES[prov_code])
        if typ == "Tỉnh" and mode != "abbr":
            return name
        ab = rng.choice(UNIT_ABBR.get(typ, [typ + " "]))
        if ab == "F" and not numbered:
            ab = "P."
        if numbered:
            num = name
            x = rng.random()
            if x < 0.25:
                num = num.zfill(2)
            if ab.endswith(" ") and rng.random() < 0.5:
                ab = ab.rstrip()
            return ab + num if not ab.endswith(" ") else ab + num
        return (ab if ab.endswith((" ", ".")) or ab == "" else ab + " ") + name if ab else name
    return full


def render_line(line, mode, rng):
    k = line[0]
    if k == "street":
        _, house, street = line
        x = rng.random()
        if mode == "full":
            return rng.choice([f"Số {house} {street}", f"{house} {street}", f"Số {house} đường {street}",
                               f"{house} Đường {street}"])
        if x < 0.15:
            return f"{house} Đ. {street}"
        if x < 0.25:
            return f"SN {house} {street}"
        return f"{house} {street}"
    if k == "ngo":
        _, house, ngo, street = line
        return rng.choice([f"Số {house} ngõ {ngo} phố {street}", f"{house} ngõ {ngo} {street}",
                           f"số {house}, ngõ {ngo}, {street}", f"{house}/{ngo} {street}",
                           f"Ngõ {ngo} {street}, số {house}"])
    if k == "hem":
        _, main, house, street = line
        return rng.choice([f"{main}/{house} {street}", f"{main}/{house} Đường {street}",
                           f"Số {main}/{house} {street}", f"{main}/{house} đường {street}",
                           f"hẻm {main} {street}, số {house}"])
    if k == "kiet":
        _, main, house, street = line
        return rng.choice([f"K{main}/{house} {street}", f"Kiệt {main}/{house} {street}",
                           f"{main}/{house} {street}", f"kiệt {main} {street}, số {house}"])
    if k == "to":
        _, word, num = line
        ab = {"Tổ dân phố": ["TDP ", "Tổ DP ", "Tổ dân phố ", "Tổ "], "Khu phố": ["KP", "KP ", "Khu phố "],
              "Tổ": ["Tổ ", "T. "], "Khu": ["Khu ", "K"], "Khóm": ["Khóm ", "K. "]}
        if mode == "full":
            return f"{word} {num}"
        return rng.choice(ab.get(word, [word + " "])) + num
    if k == "hamlet":
        _, word, name = line
        if mode == "full":
            return f"{word} {name}"
        x = rng.random()
        if x < 0.2:
            return name if not name.isdigit() else f"{word} {name}"
        if x < 0.45:
            return f"{word.lower()} {name}"
        if x < 0.55 and word in ("Thôn", "Xóm", "Ấp"):
            return {"Thôn": "Th. ", "Xóm": "X. ", "Ấp": "A. "}[word] + name
        return f"{word} {name}"
    raise ValueError(k)


def clean_units_new(ref, addr):
    w = ref.new_ward[addr.new_ward]
    p = ref.new_prov[addr.new_prov]
    return [(w["full_name"], w["type"], w["name"], None), (p["full_name"], p["type"], p["name"], addr.new_prov)]


def clean_units_old(ref, addr):
    w = ref.old_ward[addr.ward]
    d = ref.old_dist[addr.dist]
    p = ref.old_prov[addr.prov]
    pfull, pname = p["full_name"], p["name"]
    if addr.prov == "46":
        pfull, pname = "Tỉnh Thừa Thiên Huế", "Thừa Thiên Huế"   # as written before 2025-01-01
    return [(w["full_name"], w["type"], w["name"], None), (d["full_name"], d["type"], d["name"], None),
            (pfull, "Tỉnh" if addr.prov == "46" else p["type"], pname, addr.prov)]


def render_address(ref, addr, era, src, noise, rng, parts=False):
    """Returns the address string (or, with parts=True, a dict of split parts)."""
    mode = src["addr"]
    new_units = era >= REFORM_YEAR and rng.random() < (0.97 if src["clean"] else 0.75)
    units = clean_units_new(ref, addr) if new_units else clean_units_old(ref, addr)
    if not new_units and era >= REFORM_YEAR:
        pass   # a clerk still writing the abolished units after the reform
    if noise and new_units is False and era >= REFORM_YEAR - 0.5 and rng.random() < noise["addr_mixed_units"]:
        # old ward and district, new province
        units[-1] = clean_units_new(ref, addr)[-1]
    line = render_line(addr.line, "full" if mode == "full" else mode, rng)
    rendered = [render_unit(f, t, n, mode, rng, pc) for (f, t, n, pc) in units]
    if noise and rng.random() < noise["addr_partial"]:
        x = rng.random()
        if x < 0.4:
            line = ""
        elif x < 0.7 and len(rendered) == 3:
            rendered.pop(1)                       # district left out
        elif x < 0.85:
            rendered.pop(0)                       # ward left out
        else:
            rendered = rendered[-1:]              # province only
    if parts:
        out = {"house": "", "street": "", "ward": "", "district": "", "province": ""}
        k = addr.line[0]
        if k in ("street", "ngo", "hem", "kiet"):
            l2 = render_line(addr.line, "full" if mode == "full" else mode, rng)
            # split the house number from the street: the leading number(s)
            toks = l2.split(" ")
            i = 0
            while i < len(toks) and (any(ch.isdigit() for ch in toks[i]) or toks[i].lower() in ("số", "sn", "k", "kiệt", "hẻm", "ngõ")):
                i += 1
            out["house"] = " ".join(toks[:i]).strip(",")
            out["street"] = " ".join(toks[i:]).strip(", ")
        else:
            out["street"] = render_line(addr.line, mode, rng)
        ws = units[0]
        out["ward"] = render_unit(ws[0], ws[1], ws[2], mode, rng)
        if len(units) == 3:
            ds = units[1]
            out["district"] = render_unit(ds[0], ds[1], ds[2], mode, rng)
        ps = units[-1]
        out["province"] = render_unit(ps[0], ps[1], ps[2], mode, rng, ps[3])
        if noise and rng.random() < noise["addr_missing"]:
            out = {k: "" for k in out}
        return out
    s = ", ".join([x for x in [line] + rendered if x])
    if noise and rng.random() < noise["addr_typo"]:
        toks = s.split(" ")
        cand = [i for i, t in enumerate(toks) if len(t) > 3 and t.isalpha()]
        if cand:
            i = rng.choice(cand)
            toks[i] = typo_token(toks[i], rng)
            s = " ".join(toks)
    if noise and rng.random() < noise["addr_missing"]:
        return ""
    return s


def apply_text_style(s, src, rng, is_name=False):
    if not s:
        return s
    case = src["case"]
    if case == "upper":
        s = s.upper()
    elif case == "lower":
        s = s.lower()
    elif case == "mixed" and is_name:
        s = s.upper() if rng.random() < 0.5 else s
    acc = src["accents"]
    if acc == "ascii":
        s = strip_accents(s)
    elif acc == "nfd":
        s = unicodedata.normalize("NFD", s)
    elif acc == "cp1258":
        s = windows1258_like(s)
    elif acc == "newtone":
        s = new_tone_placement(s)
    elif acc == "vni":
        s = legacy(s, src["_vni"])
    elif acc == "tcvn3":
        s = legacy(s, src["_tcvn3"], tcvn=True)
    return s


def fmt_date(d, fmt, rng):
    y, m, dd = d.year, d.month, d.day
    if fmt == "dmy":
        return f"{dd:02d}/{m:02d}/{y:04d}"
    if fmt == "d/m/y":
        return f"{dd}/{m}/{y}"
    if fmt == "iso":
        return f"{y:04d}-{m:02d}-{dd:02d}"
    if fmt == "dmy-":
        return f"{dd:02d}-{m:02d}-{y:04d}"
    if fmt == "dmy.":
        return f"{dd:02d}.{m:02d}.{y:04d}"
    if fmt == "excel":
        return str((d - EXCEL_EPOCH).days)
    if fmt == "d/m/yy":
        return f"{dd}/{m}/{y % 100:02d}"
    if fmt == "mdy":
        return f"{m}/{dd}/{y:04d}"
    if fmt == "ymd":
        return f"{y:04d}{m:02d}{dd:02d}"
    if fmt == "text":
        return f"ngày {dd:02d} tháng {m:02d} năm {y}"
    if fmt == "dmy_sp":
        return f"{dd:02d} / {m:02d} / {y:04d}"
    raise ValueError(fmt)


def digit_typo(s, rng):
    if not s:
        return s
    i = rng.randrange(len(s))
    c = s[i]
    if not c.isdigit():
        return s
    n = str((int(c) + rng.choice([1, 9, 2, 8, 3, 5])) % 10)
    return s[:i] + n + s[i + 1:]


def transpose(s, rng):
    if len(s) < 2:
        return s
    for _ in range(6):
        i = rng.randrange(len(s) - 1)
        if s[i] != s[i + 1]:
            return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s


def fmt_phone(num, src, rng):
    if not num:
        return ""
    style = src["phone"]
    if rng.random() < src["phone_lost0"]:
        return num[1:]
    body = num[1:]
    if style == "plain":
        return num
    if style == "+84":
        return "+84" + (" " + body if rng.random() < 0.5 else body)
    if style == "84":
        return "84" + body
    if style == "dots":
        return f"{num[:4]}.{num[4:7]}.{num[7:]}"
    if style == "spaces":
        return f"{num[:4]} {num[4:7]} {num[7:]}" if rng.random() < 0.6 else f"{num[:3]} {num[3:6]} {num[6:]}"
    if style == "dash":
        return f"{num[:4]}-{num[4:7]}-{num[7:]}"
    if style == "paren":
        return f"({num[:4]}) {num[4:]}"
    return num


def fmt_id(num, src, rng, noise):
    if not num:
        return ""
    if noise and rng.random() < noise["id_sci"] and len(num) >= 11:
        v = int(num)
        return f"{v:.5E}".replace("E+", "E+")
    if rng.random() < src["id_lost0"]:
        num = num.lstrip("0") or "0"
    style = src["id"]
    if noise and rng.random() < noise["id_spaces"]:
        style = "spaces"
    if style == "dash" and len(num) == 12:
        return f"{num[:3]}-{num[3:6]}-{num[6:]}"
    if style == "spaces":
        return " ".join(num[i:i + 3] for i in range(0, len(num), 3))
    if style == "quote":
        return "'" + num
    return num


class Renderer:
    def __init__(self, ref, pop, noise):
        self.ref, self.pop, self.noise = ref, pop, noise

    def observe_name(self, p, src, rng, n):
        fam, mids, giv = p.family, list(p.middle), p.given
        if n:
            if fam in ("Hoàng", "Huỳnh", "Vũ", "Võ") and rng.random() < n["name_taboo"]:
                fam = {"Hoàng": "Huỳnh", "Huỳnh": "Hoàng", "Vũ": "Võ", "Võ": "Vũ"}[fam]
            if mids and mids[0] in ("Văn", "Thị") and rng.random() < n["name_drop_marker"]:
                mids = mids[1:]
            elif not p.ethnic and rng.random() < n["name_add_marker"] and (not mids or mids[0] not in ("Văn", "Thị")):
                mids = ["Văn" if p.sex == "M" else "Thị"] + mids
            if mids and rng.random() < n["name_drop_middle"]:
                mids = mids[:-1]
            if rng.random() < n["name_variant"]:
                toks = [giv] + mids
                cands = [t for t in toks if t in self.ref.equiv]
                if cands:
                    t = rng.choice(cands)
                    alt = rng.choice(self.ref.equiv[t])
                    if giv == t:
                        giv = alt
                    else:
                        mids = [alt if x == t else x for x in mids]
            if rng.random() < n["name_dialect"]:
                if rng.random() < 0.6:
                    giv = dialect_token(giv, rng)
                elif mids:
                    mids[-1] = dialect_token(mids[-1], rng)
            if rng.random() < n["name_typo"]:
                which = rng.random()
                if which < 0.55:
                    giv = typo_token(giv, rng)
                elif which < 0.8 and mids:
                    k = rng.randrange(len(mids))
                    mids[k] = typo_token(mids[k], rng)
                else:
                    fam = typo_token(fam, rng)
            if rng.random() < n["name_lost_accent_syllable"]:
                if rng.random() < 0.5:
                    giv = strip_accents(giv)
                else:
                    fam = strip_accents(fam)
        return fam, mids, giv

    def full_name_str(self, fam, mids, giv, src, rng, n, ethnic=None):
        toks = written_name(fam, mids, giv, ethnic).split(" ")
        if n and ethnic != "ede" and rng.random() < n["name_order"]:
            x = rng.random()
            if x < 0.5:
                toks = [giv] + mids + [fam]
            elif x < 0.8:
                toks = [giv, fam]
            else:
                toks = mids + [giv, fam]
        s = " ".join(t for t in toks if t)
        if n and rng.random() < n["name_honorific"]:
            s = rng.choice(["Ông ", "Bà ", "Anh ", "Chị ", "Cháu "]) + s
        if n and rng.random() < 0.002:
            s = "  " + s.replace(" ", "  ", 1) + " "       # stray spaces
        return apply_text_style(s, src, rng, is_name=True)

    def observe(self, p, src, rng, era=None):
        """One record of person p written by source src. Returns a dict of canonical fields and
        split parts."""
        n = None if src["clean"] else self.noise
        if era is None:
            era = rng.uniform(*src["era"])
        era = max(era, p.dob.year + 0.3)      # nobody is registered before birth
        ref = self.ref
        rec = {}
        # ---- name
        fam, mids, giv = self.observe_name(p, src, rng, n)
        rec["full_name"] = self.full_name_str(fam, mids, giv, src, rng, n, p.ethnic)
        if p.ethnic == "ede":       # a clerk splits the written name mechanically
            toks = written_name(fam, mids, giv, "ede").split(" ")
            fam, mids, giv = toks[0], toks[1:-1], toks[-1]
        rec["_family"] = apply_text_style(fam, src, rng, True)
        rec["_middle"] = apply_text_style(" ".join(mids), src, rng, True)
        rec["_given"] = apply_text_style(giv, src, rng, True)
        if n and rng.random() < n["name_middle_given_merge"] and mids:
            rec["_given"] = rec["_middle"] + " " + rec["_given"]
            rec["_middle"] = ""
        # ---- date of birth
        d = p.dob
        dob = ""
        year_only = p.year_only
        fmt = src["date"]
        if n and rng.random() < n["dob_year_off"]:
            try:
                d = d.replace(year=d.year + rng.choice([-1, 1]))
            except ValueError:
                d = d.replace(year=d.year + 1, day=28)
        if n and rng.random() < n["dob_swap"] and d.day <= 12 and fmt not in ("excel",):
            d = dt.date(d.year, d.day, d.month)
        if n and rng.random() < n["dob_year_only"] * (5 if d.year < 1960 else 1):
            year_only = True
        if year_only:
            if src["clean"]:
                dob = str(d.year)
            else:
                x = rng.random()
                dob = str(d.year) if x < 0.6 else (f"01/01/{d.year}" if x < 0.85 else
                                                   (f"00/00/{d.year}" if x < 0.92 else f"1/1/{d.year}"))
        elif n and rng.random() < n["dob_placeholder"]:
            dob = f"01/01/{d.year}"
        elif n and rng.random() < n["dob_month_year"]:
            dob = f"{d.month:02d}/{d.year}"
        else:
            dob = fmt_date(d, fmt, rng)
            if n and rng.random() < n["dob_digit"]:
                idx = [i for i, c in enumerate(dob) if c.isdigit()]
                i = rng.choice(idx)
                dob = dob[:i] + str((int(dob[i]) + rng.choice([1, 9, 3])) % 10) + dob[i + 1:]
        if n and rng.random() < n["dob_missing"]:
            dob = ""
        rec["dob"] = dob
        # ---- sex
        sx = p.sex
        if n and rng.random() < n["sex_wrong"]:
            sx = "F" if sx == "M" else "M"
        m, f = src["sex"]
        rec["sex"] = (m if sx == "M" else f)
        if n and rng.random() < n["sex_missing"]:
            rec["sex"] = ""
        # ---- identity number, as held at the time of writing
        age = era - p.dob.year
        idn = ""
        if age >= 14:
            if p.cmnd_only:
                idn = p.cmnd or ""
            elif era < 2016:
                idn = p.cmnd or ""
            elif era < 2021:
                idn = p.cccd if (rng.random() < 0.35 or not p.cmnd) else p.cmnd
            else:
                idn = p.cccd if (rng.random() < 0.92 or not p.cmnd) else p.cmnd
            if src["clean"]:
                idn = p.cmnd if (p.cmnd_only and p.cmnd) else p.cccd
        elif era >= 2020 and rng.random() < (0.75 if src["clean"] else 0.4):
            idn = p.cccd
        if n:
            if rng.random() < n["id_digit"]:
                idn = digit_typo(idn, rng)
            if rng.random() < n["id_transpose"]:
                idn = transpose(idn, rng)
            if rng.random() < n["id_other_person"] and p.hh.members:
                other = rng.choice(p.hh.members)
                idn = other.cccd if other is not p else idn
            if rng.random() < n["id_missing"]:
                idn = ""
        rec["id_number"] = fmt_id(idn, src, rng, n) if idn else ""
        # ---- phone
        ph = ""
        if p.mobile and era >= p.mobile_since:
            ph = p.mobile
        elif p.mobile_prev and era >= 2008:
            ph = p.mobile_prev
        elif p.mobile and era < p.mobile_since and rng.random() < 0.3:
            ph = p.mobile          # updated later
        if not ph:
            parent = p.mother if (p.mother and rng.random() < 0.6) else p.father
            if parent is not None and parent.mobile and (src["clean"] or rng.random() < 0.75):
                ph = parent.mobile
            elif p.hh.landline and rng.random() < 0.6:
                ph = p.hh.landline
        if n:
            if p.hh.landline and rng.random() < 0.04:
                ph = p.hh.landline
            if rng.random() < n["phone_relative"] and len(p.hh.members) > 1:
                other = rng.choice(p.hh.members)
                if other is not p and other.mobile:
                    ph = other.mobile
        if ph and ph[:3] in ref.prefix_old and len(ph) == 10 and not src["clean"]:
            since = p.mobile_since if ph == p.mobile else 2010
            if since < 2018.7 and (era < 2018.7 or rng.random() < 0.08):
                ph = ref.prefix_old[ph[:3]] + ph[3:]      # 11-digit form of before 2018-09
        if ph and ph.startswith(("024", "028")) and era < 2017.5 and not src["clean"]:
            ph = "0" + ph[2] + ph[3:]                      # 04 / 08 landlines of before 2017
        if n:
            if rng.random() < n["phone_digit"]:
                ph = digit_typo(ph, rng)
            if rng.random() < n["phone_transpose"]:
                ph = transpose(ph, rng)
            if rng.random() < n["phone_missing"]:
                ph = ""
        rec["phone"] = fmt_phone(ph, src, rng)
        # ---- address, as it was at the time of writing
        addr = p.addr
        if p.addr_prev is not None and era < p.moved_year:
            addr = p.addr_prev
        rec["address"] = apply_text_style(render_address(ref, addr, era, src, n, rng), src, rng)
        parts = render_address(ref, addr, era, src, n, rng, parts=True)
        rec["_addr_parts"] = {k: apply_text_style(v, src, rng) for k, v in parts.items()}
        # ---- hometown (quê quán) and a note, for the clerk schema
        hw = ref.old_ward[p.hometown]
        hp = ref.old_prov[hw["province_code"]]
        x = rng.random()
        if x < 0.45:
            home = hp["name"]
        elif x < 0.8:
            home = f"{ref.old_dist[hw['district_code']]['name']}, {hp['name']}"
        else:
            home = f"{hw['full_name']}, {ref.old_dist[hw['district_code']]['full_name']}, {hp['full_name']}"
        rec["_hometown"] = apply_text_style(home, src, rng)
        rec["_note"] = rng.choice(NOTES) if rng.random() < 0.15 else ""
        rec["_era"] = round(era, 2)
        return rec


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------

SCHEMAS = {
    "standard": ["record_id", "full_name", "dob", "sex", "address", "id_number", "phone"],
    "clerk": ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Điện thoại",
              "Địa chỉ thường trú", "Quê quán", "Ghi chú"],
    "english_ids": ["person_key", "patient_name", "birth_date", "gender", "home_address",
                    "citizen_no", "contact_no"],
    "split": ["Mã hồ sơ", "Họ", "Chữ đệm", "Tên", "Ngày sinh", "Giới tính", "Số CCCD",
              "Số điện thoại", "Số nhà", "Đường/Thôn", "Phường/Xã", "Quận/Huyện", "Tỉnh/Thành phố"],
}


def record_row(schema, rid, rec):
    if schema == "standard":
        return [rid, rec["full_name"], rec["dob"], rec["sex"], rec["address"], rec["id_number"], rec["phone"]]
    if schema == "clerk":
        return [rid, rec["full_name"], rec["dob"], rec["sex"], rec["id_number"], rec["phone"],
                rec["address"], rec["_hometown"], rec["_note"]]
    if schema == "english_ids":
        return [rid, rec["full_name"], rec["dob"], rec["sex"], rec["address"], rec["id_number"], rec["phone"]]
    if schema == "split":
        a = rec["_addr_parts"]
        return [rid, rec["_family"], rec["_middle"], rec["_given"], rec["dob"], rec["sex"], rec["id_number"],
                rec["phone"], a["house"], a["street"], a["ward"], a["district"], a["province"]]
    raise ValueError(schema)


def record_id(schema, k):
    if schema == "english_ids":
        return f"PK-{k:07d}"
    return str(k)


def jsonl_of(rec):
    return {"full_name": rec["full_name"], "dob": rec["dob"], "sex": rec["sex"], "address": rec["address"],
            "id_number": rec["id_number"], "phone": rec["phone"]}


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------


def copies_count(rng):
    return Weighted([2, 3, 4, 5], [0.74, 0.18, 0.06, 0.02]).pick(rng)


def attach_legacy(sources, ref):
    for s in sources:
        s["_vni"], s["_tcvn3"] = ref.vni, ref.tcvn3


def write_people(path, people, ref):
    rows = []
    for p in people:
        rows.append([p.pid, p.hid, p.full_name, p.dob.isoformat(), int(p.year_only), p.sex, p.birth_prov,
                     p.cccd, p.cmnd or "", int(p.cmnd_only), p.mobile or "", p.hh.landline or "",
                     p.addr.prov, p.addr.ward, p.addr.new_ward, p.role, p.twin.pid if p.twin else "",
                     p.father.pid if p.father else "", p.ethnic or "", p.kind])
    write_csv(path, ["entity_id", "household", "full_name", "dob", "year_only", "sex", "birth_prov", "cccd",
                     "cmnd", "cmnd_only", "mobile", "landline", "prov", "old_ward", "new_ward", "role",
                     "twin", "father", "ethnic", "kind"], rows)


def shape_dedupe(args, ref):
    rng = random.Random(f"vnpop-dedupe-{args.seed}")
    noise = {k: min(1.0, v * args.noise) for k, v in DEFAULT_NOISE.items()}
    pop = Population(ref, rng).build(args.people, namesakes=not args.no_namesakes)
    people = pop.people
    rrng = random.Random(f"vnpop-dedupe-render-{args.seed}")
    sources = make_sources(rrng, args.sources)
    attach_legacy(sources, ref)
    src_w = Weighted(range(len(sources)), [rrng.uniform(0.5, 1.0) for _ in sources])
    rend = Renderer(ref, pop, noise)
    n_dup = int(round(args.dup_rate * len(people)))
    dup_people = set(p.pid for p in rrng.sample(people, n_dup)) if n_dup else set()
    recs = []
    for p in people:
        k = copies_count(rrng) if p.pid in dup_people else 1
        first_src = None
        first_rec = None
        for j in range(k):
            if j > 0 and rrng.random() < 0.05 and first_rec is not None:
                recs.append((p.pid, dict(first_rec)))     # the same record keyed twice
                continue
            s = sources[src_w.pick(rrng)]
            if j > 0 and s is first_src and rrng.random() < 0.6:
                s = sources[src_w.pick(rrng)]
            rec = rend.observe(p, s, rrng)
            rec["_src"] = s["name"]
            if j == 0:
                first_src, first_rec = s, rec
            recs.append((p.pid, rec))
    rrng.shuffle(recs)
    os.makedirs(args.out, exist_ok=True)
    rows, truth = [], []
    for k, (pid, rec) in enumerate(recs, 1):
        rid = record_id(args.schema, k)
        rows.append(record_row(args.schema, rid, rec))
        truth.append([rid, pid])
    write_csv(os.path.join(args.out, "records.csv"), SCHEMAS[args.schema], rows)
    write_csv(os.path.join(args.out, "truth.csv"), ["record_id", "entity_id"], truth)
    if args.with_people:
        write_people(os.path.join(args.out, "people.csv"), people, ref)
    per = {}
    for pid, _ in recs:
        per[pid] = per.get(pid, 0) + 1
    meta = {
        "shape": "dedupe", "people": len(people), "records": len(recs), "seed": args.seed,
        "schema": args.schema, "dup_rate_requested": args.dup_rate,
        "dup_rate_achieved": sum(1 for v in per.values() if v > 1) / len(people),
        "true_pairs": sum(v * (v - 1) // 2 for v in per.values()),
        "households": len(pop.households), "twins": sum(1 for p in people if p.twin) // 2,
        "namesake_groups": getattr(pop, "namesake_groups", []),
        "sources": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in s.items() if not k.startswith("_")}
                    for s in sources],
        "noise": noise, "generator": "benches/external/vnpop.py",
    }
    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
    return meta


def shape_lookup(args, ref):
    rng = random.Random(f"vnpop-lookup-{args.seed}")
    noise = {k: min(1.0, v * args.noise) for k, v in DEFAULT_NOISE.items()}
    pool_size = int(args.people * 1.45) + 10
    pop = Population(ref, rng).build(pool_size, namesakes=not args.no_namesakes)
    base = list(pop.people)
    registry = rng.sample(base, args.people)
    reg_ids = set(p.pid for p in registry)
    registry.sort(key=lambda p: p.pid)
    rrng = random.Random(f"vnpop-lookup-render-{args.seed}")
    clean = clean_source("registry", 2026.0, 2026.5)
    agencies = make_sources(rrng, args.sources)
    attach_legacy([clean] + agencies, ref)
    ag_w = Weighted(range(len(agencies)), [rrng.uniform(0.5, 1.0) for _ in agencies])
    rend = Renderer(ref, pop, noise)
    # registry: one clean record each, and noisy extra records for a share R of them
    reg_recs = []
    n_dup = int(round(args.register_dup_rate * len(registry)))
    dups = set(p.pid for p in rrng.sample(registry, n_dup)) if n_dup else set()
    for p in registry:
        reg_recs.append((p.pid, rend.observe(p, clean, rrng)))
        if p.pid in dups:
            for _ in range(copies_count(rrng) - 1):
                reg_recs.append((p.pid, rend.observe(p, agencies[ag_w.pick(rrng)], rrng)))
    rrng.shuffle(reg_recs)
    # queries
    q_in = int(round(args.queries * args.in_register))
    q_out = args.queries - q_in
    queries = []
    in_people = rrng.sample(registry, q_in) if q_in <= len(registry) else [rrng.choice(registry) for _ in range(q_in)]
    for p in in_people:
        queries.append((p.pid, "in_register", p))
    # hard negatives
    non_reg = [p for p in base if p.pid not in reg_ids]
    household_neg = [p for p in non_reg if any(m.pid in reg_ids for m in p.hh.members)]
    twin_neg = [p for p in non_reg if p.twin is not None and p.twin.pid in reg_ids]
    in_reg_hh = set(p.pid for p in household_neg)
    unrelated = [p for p in non_reg if p.pid not in in_reg_hh] or non_reg
    kinds = Weighted(["household", "twin", "father_son", "namesake", "namesake_dob", "random"],
                     [0.28, 0.10, 0.08, 0.26, 0.08, 0.20])
    used_neg = set()
    reg_men = [p for p in registry if p.sex == "M" and p.dob.year <= 1985 and not p.ethnic]
    for _ in range(q_out):
        k = kinds.pick(rrng)
        q = None
        for _attempt in range(20):
            if k == "twin" and twin_neg:
                q = rrng.choice(twin_neg)
            elif k == "household" and household_neg:
                q = rrng.choice(household_neg)
            elif k == "father_son" and reg_men:
                q = pop.make_junior(rrng.choice(reg_men))
            elif k == "namesake":
                q = pop.clone_namesake(rrng.choice(registry))
            elif k == "namesake_dob":
                q = pop.clone_namesake(rrng.choice(registry), same_dob=True)
            else:
                k = "random"
                q = rrng.choice(unrelated)
            if q.pid not in used_neg:
                break
            k = "household" if k == "twin" else k
        used_neg.add(q.pid)
        queries.append((q.pid, k, q))
    rrng.shuffle(queries)
    os.makedirs(args.out, exist_ok=True)
    header = SCHEMAS[args.schema]
    rows, truth = [], []
    k = 0
    for pid, rec in reg_recs:
        k += 1
        rid = record_id(args.schema, k)
        rows.append(record_row(args.schema, rid, rec))
        truth.append([rid, pid, "registry"])
    write_csv(os.path.join(args.out, "registry.csv"), header, rows)
    qrows, kinds_rows, jl = [], [], []
    for pid, kind, p in queries:
        k += 1
        rid = record_id(args.schema, k)
        rec = rend.observe(p, agencies[ag_w.pick(rrng)], rrng)
        qrows.append(record_row(args.schema, rid, rec))
        truth.append([rid, pid, "queries"])
        kinds_rows.append([rid, kind])
        j = jsonl_of(rec)
        j["record_id"] = rid
        jl.append(j)
    write_csv(os.path.join(args.out, "queries.csv"), header, qrows)
    write_csv(os.path.join(args.out, "truth.csv"), ["record_id", "entity_id", "source"], truth)
    write_csv(os.path.join(args.out, "query_kinds.csv"), ["record_id", "kind"], kinds_rows)
    with open(os.path.join(args.out, "queries.jsonl"), "w", encoding="utf-8") as f:
        for j in jl:
            f.write(json.dumps(j, ensure_ascii=False) + "\n")
    if args.with_people:
        write_people(os.path.join(args.out, "people.csv"), pop.people, ref)
    per = {}
    for pid, _ in reg_recs:
        per[pid] = per.get(pid, 0) + 1
    kc = {}
    for _, kind, _ in queries:
        kc[kind] = kc.get(kind, 0) + 1
    meta = {
        "shape": "lookup", "registry_people": len(registry), "registry_records": len(reg_recs),
        "register_dup_rate_requested": args.register_dup_rate,
        "register_dup_rate_achieved": sum(1 for v in per.values() if v > 1) / len(registry),
        "queries": len(queries), "query_kinds": kc, "seed": args.seed, "schema": args.schema,
        "namesake_groups": getattr(pop, "namesake_groups", []), "noise": noise,
        "generator": "benches/external/vnpop.py",
    }
    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="shape", required=True)

    def common(p):
        p.add_argument("--people", type=int, required=True)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--out", required=True)
        p.add_argument("--schema", choices=sorted(SCHEMAS), default="standard")
        p.add_argument("--data", default=DEFAULT_DATA, help="the project's data/ directory")
        p.add_argument("--noise", type=float, default=1.0, help="multiplier of every noise rate")
        p.add_argument("--sources", type=int, default=40, help="clerks/agencies whose habits differ")
        p.add_argument("--no-namesakes", action="store_true", help="no planted namesake groups")
        p.add_argument("--with-people", action="store_true", help="also write people.csv (the truth)")

    d = sub.add_parser("dedupe", help="one register with duplicates")
    common(d)
    d.add_argument("--dup-rate", type=float, default=0.1)
    lk = sub.add_parser("lookup", help="a register and agency queries, with hard negatives")
    common(lk)
    lk.add_argument("--register-dup-rate", type=float, default=0.0)
    lk.add_argument("--queries", type=int, default=1000)
    lk.add_argument("--in-register", type=float, default=0.7)
    args = ap.parse_args(argv)
    if args.shape == "dedupe" and not 0 <= args.dup_rate <= 0.5:
        ap.error("--dup-rate must be in 0..0.5")
    ref = Ref(args.data)
    meta = shape_dedupe(args, ref) if args.shape == "dedupe" else shape_lookup(args, ref)
    summary = {k: v for k, v in meta.items() if k not in ("sources", "noise", "namesake_groups")}
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
