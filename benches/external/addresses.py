#!/usr/bin/env python3
"""Vietnamese addresses "as registers write them", with their true gazetteer codes.

An independent corpus for measuring vnlink's address resolution: it shares nothing with
vnlink's own generator (src/synth) but the gazetteer files of data/vn-admin, which it reads
directly. Python 3 standard library only.

    python3 benches/external/addresses.py [-n 3000] [--seed 11] [-o addresses.csv]

Each row: id, address, style, era, typo (the level whose name carries a typo, or empty),
names_ward / names_district (1 when the text names that unit), and the true codes:
old_province, old_district, old_ward (era "old": the units before 2025-07-01) or
new_province, new_ward (era "new": the two-level units after the reform).

Styles (one per address; every address may also get a house number, alley or street):
  full       unit words spelled out ("Phường", "Huyện", "Tỉnh"), sometimes the old tone
             placement ("Hoà", "Thuỷ")
  abbrev     P. / F. / Q. / H. / X. / TX / TT / TP / Tp. / T.
  numbered   numbered wards and districts: "Phường 05", "P.5", "F5", "Q.3", "Quận 03"
  bare       names without unit words
  two_level  an old ward and its province without the district (pre-2025 unit, new form)
  alias      province aliases and clerk abbreviations (HN, HCM, TPHCM, SG, HP, CT, TH, BRVT,
             TT Huế, ĐN, QN, BD …)
  ascii      no diacritics
  caps       ALL CAPS
  nfd        decomposed Unicode (NFD)
  nocomma    no commas between the parts
  extra      hamlet, alley and house parts (thôn, xóm, ấp, tổ dân phố, ngõ/ngách/hẻm,
             123/45/6, kiệt)
  typo       one-letter typo or swap of adjacent letters in one unit name, over another style
  noward     no ward (district and province, or province only)
"""

import argparse
import csv
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN = os.path.join(HERE, "..", "..", "data", "vn-admin")

STYLES = [
    ("full", 10),
    ("abbrev", 11),
    ("numbered", 5),
    ("bare", 7),
    ("two_level", 5),
    ("alias", 10),
    ("ascii", 9),
    ("caps", 5),
    ("nfd", 5),
    ("nocomma", 7),
    ("extra", 11),
    ("typo", 10),
    ("noward", 5),
]

STREETS = [
    "Lê Lợi", "Nguyễn Trãi", "Trần Hưng Đạo", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
    "Nguyễn Huệ", "Phan Chu Trinh", "Võ Thị Sáu", "Điện Biên Phủ", "Cách Mạng Tháng Tám",
    "3 Tháng 2", "Hùng Vương", "Bạch Đằng", "Hoàng Diệu", "Nam Kỳ Khởi Nghĩa", "Lạc Long Quân",
    "Phạm Văn Đồng", "Nguyễn Văn Linh", "Tôn Đức Thắng", "Nguyễn Thị Minh Khai", "Lê Duẩn",
    "Trường Chinh", "Giải Phóng", "Kim Mã", "Xuân Thủy", "Cầu Giấy", "Phan Đình Phùng",
]
HAMLET_NAMES = [
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân Lập", "Phú Mỹ", "An Bình",
    "Đồng Tâm", "Hòa Bình", "Quyết Tiến", "Thống Nhất", "Đoàn Kết", "Chiến Thắng", "Bình An",
]

# Clerk forms of provinces (old codes), beside their names; several are ambiguous on purpose
# (ĐN: Đà Nẵng / Đồng Nai; QN: Quảng Ninh / Quảng Nam / Quảng Ngãi; BD: Bình Dương / Bình
# Định), which only the units below can decide.
CLERK_OLD = {
    "01": ["HN", "TP HN", "Ha Noi", "Hanoi", "TP. Hà Nội", "Hà Nội"],
    "79": ["HCM", "TPHCM", "TP.HCM", "Tp. HCM", "TP HCM", "SG", "Sài Gòn", "HCMC",
           "TP Hồ Chí Minh", "Tp.Hồ Chí Minh"],
    "31": ["HP", "TP HP", "TP. Hải Phòng", "Hải Phòng"],
    "92": ["CT", "TP Cần Thơ", "Cần Thơ", "TP. CT"],
    "38": ["TH", "T. Thanh Hoá", "Thanh Hoá", "Thanh Hóa"],
    "46": ["TT Huế", "TT-Huế", "Thừa Thiên Huế", "Thừa Thiên - Huế", "TTH", "Huế"],
    "77": ["BRVT", "BR-VT", "Bà Rịa - Vũng Tàu", "Bà Rịa Vũng Tàu"],
    "48": ["ĐN", "DN", "TP Đà Nẵng", "Đà Nẵng", "TP. ĐN"],
    "75": ["ĐN", "Đồng Nai", "T. Đồng Nai"],
    "74": ["BD", "Bình Dương"],
    "52": ["BĐ", "Bình Định"],
    "22": ["QN", "Quảng Ninh"],
    "49": ["QN", "Quảng Nam"],
    "51": ["QN", "Quảng Ngãi"],
    "40": ["NA", "Nghệ An"],
    "56": ["KH", "Khánh Hoà"],
}
CLERK_NEW = {
    "01": ["HN", "Ha Noi", "TP Hà Nội"],
    "79": ["HCM", "TPHCM", "TP.HCM", "SG", "HCMC", "TP Hồ Chí Minh"],
    "31": ["HP", "TP Hải Phòng"],
    "92": ["CT", "TP Cần Thơ"],
    "38": ["TH", "Thanh Hoá"],
    "46": ["TP Huế", "Huế"],
    "48": ["ĐN", "DN", "TP Đà Nẵng"],
    "75": ["ĐN", "Đồng Nai"],
    "22": ["QN", "Quảng Ninh"],
    "51": ["QN", "Quảng Ngãi"],
    "40": ["NA", "Nghệ An"],
}

# Abbreviations of unit words, most common first.
ABBREV = {
    "Phường": ["P.", "P ", "P. ", "F.", "F ", "Ph."],
    "Xã": ["X.", "xã ", "X. "],
    "Thị trấn": ["TT.", "TT ", "Tt.", "TT. "],
    "Đặc khu": ["Đặc khu "],
    "Quận": ["Q.", "Q ", "Q. "],
    "Huyện": ["H.", "H. ", "huyện "],
    "Thị xã": ["TX.", "TX ", "Tx. "],
    "Thành phố": ["TP.", "TP ", "Tp.", "Tp ", "T.P "],
    "Tỉnh": ["T.", "T. ", "tỉnh "],
}

# Old-convention tone placement (hoà, thuỷ, khoẻ) as some software writes it.
OLD_TONE = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}

LETTERS = "abcdeghiklmnopqrstuvxy"


def read(name):
    with open(os.path.join(ADMIN, name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def strip_marks(s):
    """ASCII without diacritics (đ → d)."""
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def old_tone(s):
    out = []
    for w in s.split(" "):
        for a, b in OLD_TONE.items():
            if w.endswith(a):
                w = w[: -len(a)] + b
        out.append(w)
    return " ".join(out)


class Gaz:
    def __init__(self):
        self.op = {p["code"]: p for p in read("old_provinces.csv")}
        self.np = {p["code"]: p for p in read("new_provinces.csv")}
        self.od = {d["code"]: d for d in read("old_districts.csv")}
        self.ow = read("old_wards.csv")
        self.nw = read("new_wards.csv")
        self.numbered_old = [w for w in self.ow if w["name"].isdigit()]
        self.numbered_districts = [d for d in self.od.values() if d["name"].isdigit()]
        self.ow_in, self.nw_in = {}, {}
        for w in self.ow:
            self.ow_in.setdefault(w["province_code"], []).append(w)
        for w in self.nw:
            self.nw_in.setdefault(w["province_code"], []).append(w)


def unit_word(rng, type_word, style):
    """The unit word as written: spelled out, or abbreviated."""
    if style == "abbrev" or (style in ("extra", "nocomma", "typo") and rng.random() < 0.35):
        return rng.choice(ABBREV[type_word])
    return type_word + " "


def numbered(rng, type_word, n):
    """A numbered ward or district in one of the clerk forms."""
    k = int(n)
    if type_word == "Phường":
        forms = [f"Phường {k:02d}", f"Phường {k}", f"P.{k}", f"P{k}", f"F{k}", f"F.{k:02d}",
                 f"P. {k}", f"P.{k:02d}"]
    else:
        forms = [f"Quận {k:02d}", f"Quận {k}", f"Q.{k}", f"Q{k}", f"Q. {k}"]
    return rng.choice(forms)


def typo(rng, name):
    """One-letter typo (substitution, deletion, insertion) or swap of two adjacent letters in
    `name` ("Kin Giang", "Chíj", "àH Nội", "Đôg"); the folded text always changes."""
    for _ in range(50):
        chars = list(name)
        pos = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(pos) < 3:
            return name
        op = rng.choice(["sub", "del", "ins", "swap", "swap"])
        i = rng.choice(pos)
        if op == "sub":
            upper = chars[i].isupper()
            chars[i] = rng.choice(LETTERS)
            if upper:
                chars[i] = chars[i].upper()
        elif op == "del":
            del chars[i]
        elif op == "ins":
            chars.insert(i + rng.choice([0, 1]), rng.choice(LETTERS))
        else:
            j = i + 1
            if j >= len(chars) or not chars[j].isalpha():
                continue
            chars[i], chars[j] = chars[j], chars[i]
        out = "".join(chars)
        if strip_marks(out).lower().replace(" ", "") != strip_marks(name).lower().replace(" ", ""):
            return out
    return name


def province_text(rng, era, p, style):
    """The province as written: full name, bare name, abbreviated or a clerk form."""
    full, bare, tw = p["full_name"], p["name"], p["type"]
    if style == "alias":
        table = CLERK_OLD if era == "old" else CLERK_NEW
        forms = table.get(p["code"])
        if forms:
            return rng.choice(forms), True
    if style == "full":
        return (full if rng.random() < 0.7 else bare), False
    if style in ("abbrev",):
        return unit_word(rng, tw, "abbrev") + bare, False
    if style == "bare":
        return bare, False
    r = rng.random()
    if r < 0.4:
        return full, False
    if r < 0.8:
        return bare, False
    return unit_word(rng, tw, "abbrev") + bare, False


def street_part(rng, style):
    """House number, alley and street, or a hamlet, or nothing."""
    r = rng.random()
    if style != "extra" and r < 0.45:
        return []
    st = rng.choice(STREETS)
    hamlet = rng.choice(HAMLET_NAMES)
    forms = [
        [f"{rng.randint(1, 300)} {st}"],
        [f"Số {rng.randint(1, 200)}", f"ngõ {rng.randint(1, 400)}", f"phố {st}"],
        [f"Số {rng.randint(1, 99)} ngõ {rng.randint(1, 400)} ngách {rng.randint(1, 90)} {st}"],
        [f"{rng.randint(1, 400)}/{rng.randint(1, 90)}/{rng.randint(1, 20)} {st}"],
        [f"{rng.randint(1, 300)}/{rng.randint(1, 60)} Đường {st}"],
        [f"hẻm {rng.randint(1, 200)} {st}"],
        [f"Thôn {hamlet}"],
        [f"Thôn {rng.randint(1, 12)}"],
        [f"Xóm {rng.randint(1, 15)}"],
        [f"Ấp {hamlet}"],
        [f"Ấp {rng.randint(1, 9)}"],
        [f"Tổ dân phố {rng.randint(1, 30)}"],
        [f"Tổ {rng.randint(1, 40)}", f"Khu phố {rng.randint(1, 9)}"],
        [f"SN {rng.randint(1, 200)}", f"Đ. {st}"],
        [f"K{rng.randint(1, 200)}/{rng.randint(1, 30)} {st}"],
        [f"Số nhà {rng.randint(1, 99)}", f"Tổ {rng.randint(1, 20)}"],
    ]
    return rng.choice(forms)


def ward_text(rng, w, style, tone):
    name = w["name"]
    if tone:
        name = old_tone(name)
    if name.isdigit() and w["type"] == "Phường":
        return numbered(rng, "Phường", name)
    if style == "bare":
        return name
    return unit_word(rng, w["type"], style) + name


def district_text(rng, d, style, tone):
    name = d["name"]
    if tone:
        name = old_tone(name)
    if name.isdigit() and d["type"] == "Quận":
        return numbered(rng, "Quận", name)
    if style == "bare":
        return name
    return unit_word(rng, d["type"], style) + name


def make(rng, g, style):
    """One address: (text, row of truth)."""
    base = style
    if style == "typo":
        base = rng.choice(["full", "abbrev", "bare", "ascii", "nocomma", "two_level", "caps"])
    era = "old" if rng.random() < 0.6 else "new"
    if base in ("numbered", "two_level"):
        era = "old"
    tone = base == "full" and rng.random() < 0.3
    truth = {"era": era, "typo": "", "names_ward": 1, "names_district": 0,
             "old_province": "", "old_district": "", "old_ward": "",
             "new_province": "", "new_ward": ""}
    parts = []  # (level, text) from the most specific
    if era == "old":
        if base == "numbered":
            if rng.random() < 0.7:
                w = rng.choice(g.numbered_old)
            else:
                d0 = rng.choice(g.numbered_districts)
                w = rng.choice([x for x in g.ow if x["district_code"] == d0["code"]])
        elif style == "alias":
            w = rng.choice(g.ow_in[rng.choice(sorted(CLERK_OLD))])
        else:
            w = rng.choice(g.ow)
        d = g.od[w["district_code"]]
        p = g.op[w["province_code"]]
        truth.update(old_province=p["code"], old_district=d["code"], old_ward=w["code"])
        if style == "noward":
            truth["names_ward"] = 0
            truth["old_ward"] = ""
            if rng.random() < 0.75:
                parts.append(("district", district_text(rng, d, "full", False)))
                truth["names_district"] = 1
            else:
                truth["old_district"] = ""
        else:
            parts.append(("ward", ward_text(rng, w, base, tone)))
            if base != "two_level":
                parts.append(("district", district_text(rng, d, base, tone)))
                truth["names_district"] = 1
            else:
                truth["old_district"] = ""
    else:
        if style == "alias":
            w = rng.choice(g.nw_in[rng.choice(sorted(CLERK_NEW))])
        else:
            w = rng.choice(g.nw)
        p = g.np[w["province_code"]]
        truth.update(new_province=p["code"], new_ward=w["code"])
        if style == "noward":
            truth["names_ward"] = 0
            truth["new_ward"] = ""
        else:
            parts.append(("ward", ward_text(rng, w, base, tone)))
    ptext, _ = province_text(rng, era, p, base if style != "alias" else "alias")
    if tone:
        ptext = old_tone(ptext)
    parts.append(("province", ptext))

    if style == "typo":
        # One unit name (not a short clerk form) gets the typo; the unit word stays.
        choices = [i for i, (lvl, t) in enumerate(parts) if sum(c.isalpha() for c in t) >= 5]
        weights = [3 if parts[i][0] == "ward" else 2 if parts[i][0] == "district" else 2
                   for i in choices]
        if choices:
            i = rng.choices(choices, weights)[0]
            lvl, t = parts[i]
            # Keep the unit word: the typo is in the name.
            word = ""
            for tw in sorted(ABBREV, key=len, reverse=True):
                for a in [tw + " "] + ABBREV[tw]:
                    if t.startswith(a) and len(t) > len(a):
                        word = a
                        break
                if word:
                    break
            name = t[len(word):]
            t2 = word + typo(rng, name)
            if t2 != t:
                parts[i] = (lvl, t2)
                truth["typo"] = lvl

    units = [t for _, t in parts]
    lead = street_part(rng, style)
    text_parts = lead + units
    sep = ", " if rng.random() < 0.85 else ","
    if base == "nocomma":
        text = " ".join(text_parts)
    else:
        text = sep.join(text_parts)
    if base == "ascii":
        text = strip_marks(text)
        if rng.random() < 0.3:
            text = text.lower()
    elif base == "caps":
        text = text.upper()
    elif base == "nfd":
        text = unicodedata.normalize("NFD", text)
    if rng.random() < 0.05:
        text += rng.choice([", Việt Nam", ", VN", " Vietnam"])
    return text, truth


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=3000, help="number of addresses (3000)")
    ap.add_argument("--seed", type=int, default=11, help="random seed (11)")
    ap.add_argument("-o", "--out", default="-", help="output CSV (default: standard output)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    g = Gaz()
    names = [s for s, _ in STYLES]
    weights = [w for _, w in STYLES]
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8", newline="")
    wr = csv.writer(out)
    cols = ["id", "address", "style", "era", "typo", "names_ward", "names_district",
            "old_province", "old_district", "old_ward", "new_province", "new_ward"]
    wr.writerow(cols)
    for i in range(args.n):
        style = rng.choices(names, weights)[0]
        text, t = make(rng, g, style)
        wr.writerow([i + 1, text, style] + [t[c] for c in cols[3:]])
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
