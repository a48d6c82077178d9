#!/usr/bin/env python3
"""sanity.py: check a vnpop output directory against the facts it is meant to reproduce.

  python3 benches/external/vnpop.py dedupe --people 50000 --dup-rate 0.1 --seed 1 --out /tmp/d --with-people
  python3 benches/external/sanity.py /tmp/d

Needs people.csv (--with-people). Prints family-name shares against the published ones, the
Văn/Thị markers, CCCD consistency with province of birth, sex and birth year, the largest namesake
groups, twins, shared phones, the duplicate rate achieved and the mix of formats in the records.
Exits 1 when a hard check fails (CCCD inconsistent, duplicate CCCDs, rate off by more than 1 %).
Standard library only.
"""

import collections
import csv
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "data"))


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main():
    d = sys.argv[1]
    people = read(os.path.join(d, "people.csv"))
    meta = json.load(open(os.path.join(d, "meta.json"), encoding="utf-8"))
    fails = []
    n = len(people)
    print(f"{n} people, {len({p['household'] for p in people})} households")

    # family names against the published shares (Hoàng/Huỳnh and Vũ/Võ together)
    ref = {r["name"]: r for r in read(os.path.join(DATA, "vn-names", "family_names.csv"))}
    cls = collections.Counter()
    for p in people:
        fam = p["full_name"].split(" ")[0]
        if p["ethnic"] == "ede":
            fam = p["full_name"].split(" ")[-1]
        cls[ref[fam]["equivalence_class"] if fam in ref else fam] += 1
    print("family name       share %   published %")
    seen = set()
    for name, r in ref.items():
        c = r["equivalence_class"]
        if r["population_share_pct"] and c not in seen:
            seen.add(c)
            print(f"  {c:15s} {100 * cls[c] / n:7.2f}   {float(r['population_share_pct']):7.2f}")

    # middle-name markers by sex and age
    for sex, marker in (("M", "Văn"), ("F", "Thị")):
        by = collections.Counter()
        tot = collections.Counter()
        for p in people:
            if p["sex"] != sex or p["ethnic"]:
                continue
            band = "born<1975" if int(p["dob"][:4]) < 1975 else "born>=1975"
            tot[band] += 1
            by[band] += p["full_name"].split(" ")[1:2] == [marker]
        print(f"  {marker}: " + ", ".join(f"{b} {100 * by[b] / max(1, tot[b]):.0f} %" for b in sorted(tot)))

    # CCCD: 3-digit birth province + century/sex + 2-digit year + 6 digits; unique
    codes = {r["old_province_code"]: r["cccd_code"] for r in read(os.path.join(DATA, "vn-id", "cccd_province_codes.csv"))}
    bad = 0
    for p in people:
        c, y = p["cccd"], int(p["dob"][:4])
        cent = (y // 100 - 19) * 2 + (p["sex"] == "F")
        if not (len(c) == 12 and c[:3] == codes[p["birth_prov"]] and int(c[3]) == cent and c[4:6] == f"{y % 100:02d}"):
            bad += 1
    dup_cccd = n - len({p["cccd"] for p in people})
    print(f"CCCD inconsistent with birth province/sex/year: {bad}; duplicate CCCDs: {dup_cccd}")
    if bad or dup_cccd:
        fails.append("cccd")
    cm = [p for p in people if p["cmnd"]]
    print(f"CMND held by {100 * len(cm) / n:.1f} % (9 digits: {all(len(p['cmnd']) == 9 for p in cm)}); "
          f"CMND only: {sum(p['cmnd_only'] == '1' for p in people)}")
    mob = [p["mobile"] for p in people if p["mobile"]]
    print(f"mobiles: {100 * len(mob) / n:.1f} % of people, all 10 digits from 0: "
          f"{all(len(m) == 10 and m[0] == '0' for m in mob)}; landline households: "
          f"{len({p['household'] for p in people if p['landline']})}")

    # namesakes, twins, fathers and sons
    names = collections.Counter((p["full_name"], p["prov"], p["dob"][:4]) for p in people)
    print("largest namesake groups (name, province, birth year):",
          ", ".join(f"{k[0]} {k[1]} {k[2]}: {v}" for k, v in names.most_common(4)))
    print(f"most common full names: {collections.Counter(p['full_name'] for p in people).most_common(5)}")
    byid = {p["entity_id"]: p for p in people}
    twins = [p for p in people if p["twin"]]
    same = sum(1 for p in twins if byid[p["twin"]]["full_name"] == p["full_name"])
    print(f"twins: {len(twins) // 2} pairs (identical names: {same // 2})")
    fs = sum(1 for p in people if p["father"] in byid and byid[p["father"]]["full_name"] == p["full_name"])
    print(f"sons named exactly as their father: {fs}")
    print(f"ethnic-minority naming: {collections.Counter(p['ethnic'] for p in people if p['ethnic'])}")
    ages = collections.Counter(min(8, (2025 - int(p["dob"][:4])) // 10) for p in people)
    print("age bands %: " + " ".join(f"{10 * k}-: {100 * v / n:.1f}" for k, v in sorted(ages.items())))

    # records
    if os.path.exists(os.path.join(d, "records.csv")):
        truth = read(os.path.join(d, "truth.csv"))
        per = collections.Counter(t["entity_id"] for t in truth)
        achieved = sum(1 for v in per.values() if v > 1) / n
        print(f"records {len(truth)}; people written 2+ times {100 * achieved:.2f} % "
              f"(requested {100 * meta['dup_rate_requested']:.2f} %); copies: "
              f"{sorted(collections.Counter(per.values()).items())}")
        if abs(achieved - meta["dup_rate_requested"]) > 0.01:
            fails.append("dup rate")
        recs = read(os.path.join(d, "records.csv"))
        if "full_name" in recs[0]:
            shape = lambda s: re.sub(r"[0-9]", "9", s)
            names = [r["full_name"] for r in recs]
            print(f"names: ALL CAPS {100 * sum(x.isupper() for x in names) / len(names):.1f} %, ASCII only "
                  f"{100 * sum(x.isascii() for x in names) / len(names):.1f} %, not NFC "
                  f"{100 * sum(unicodedata.normalize('NFC', x) != x for x in names) / len(names):.1f} %")
            print("dob shapes: " + ", ".join(f"{k or '(empty)'} {100 * v / len(recs):.1f} %"
                                             for k, v in collections.Counter(shape(r["dob"]) for r in recs).most_common(10)))
            print("id digits: " + ", ".join(f"{k} {100 * v / len(recs):.1f} %" for k, v in sorted(
                collections.Counter(len(re.sub(r"\D", "", r["id_number"])) for r in recs).items())))
            print("phone digits: " + ", ".join(f"{k} {100 * v / len(recs):.1f} %" for k, v in sorted(
                collections.Counter(len(re.sub(r"\D", "", r["phone"])) for r in recs).items())))
    print("FAIL: " + ", ".join(fails) if fails else "all hard checks pass")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
