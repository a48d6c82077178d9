#!/usr/bin/env python3
"""Export English-language dedupe files with ground truth from pseudopeople's sample population.

pseudopeople (IHME, BSD-3) ships a small simulated US population (the "sample data") and writes
the records of simulated surveys and registers with realistic, default-rate noise: typos, phonetic
and OCR errors, nicknames, swapped fields, missing values, copies from a guardian's record. Each
record keeps the `simulant_id` of the person it describes, which is our entity id.

Writes in --out:
  census.csv, census_truth.csv   decennial census of 2020, 2030 and 2040 (every year in the sample):
                                 one record per person per census; headers record_id, full_name, dob,
                                 sex, address, id_number, phone (vnlink's standard names; no id, no phone)
  w2.csv, w2_truth.csv           W-2 and 1099 forms of one tax year: a person with several jobs has
                                 several forms; an unfamiliar id header (`form_key`) and pseudopeople's
                                 own column names (first_name, middle_initial, last_name, ssn,
                                 mailing_address_*), with no date of birth and no sex.
  link_census.csv, link_ssa.csv, link_truth.csv   (with --link) a link task between two different
                                 sources of the same people: the 2020 census (pseudopeople's own column
                                 names: first_name, middle_initial, last_name, date_of_birth mm/dd/yyyy,
                                 sex, street_number, street_name, unit_number, city, state, zipcode) and
                                 the Social Security file up to 2020, creation events only, one record a
                                 person (first_name, middle_name, last_name, date_of_birth yyyymmdd, sex,
                                 ssn); ids `c…` and `s…`; truth record_id,entity_id,source (census|ssa)
  meta.json                      counts and versions

--seed changes pseudopeople's noise (the population is the same sample for every seed).

Needs: pip install pseudopeople (it brings pandas); see README.md. Not stdlib-only, unlike vnpop.py.
"""

import argparse
import json
import os
import sys
import warnings


def s(v):
    """pandas value -> str ('' for missing)."""
    if v is None:
        return ""
    try:
        import pandas as pd
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v).strip()


def join(*parts, sep=" "):
    return sep.join(p for p in (s(x) for x in parts) if p)


def export_link(args, pd, psp):
    """Census of --link-year x the SSA file up to that year (creation events): the same people, two sources."""
    c = psp.generate_decennial_census(seed=args.seed, year=args.link_year, verbose=False).reset_index(drop=True)
    a = psp.generate_social_security(seed=args.seed, year=args.link_year, verbose=False)
    a = a[a["event_type"] == "creation"].reset_index(drop=True)
    left, right, truth = [], [], []
    for i, r in enumerate(c.itertuples(index=False), 1):
        rid = f"c{i}"
        left.append({"record_id": rid, "first_name": s(r.first_name), "middle_initial": s(r.middle_initial),
                     "last_name": s(r.last_name), "date_of_birth": s(r.date_of_birth), "sex": s(r.sex),
                     "street_number": s(r.street_number), "street_name": s(r.street_name),
                     "unit_number": s(r.unit_number), "city": s(r.city), "state": s(r.state),
                     "zipcode": s(r.zipcode)})
        truth.append({"record_id": rid, "entity_id": s(r.simulant_id), "source": "census"})
    for i, r in enumerate(a.itertuples(index=False), 1):
        rid = f"s{i}"
        right.append({"record_id": rid, "first_name": s(r.first_name), "middle_name": s(r.middle_name),
                      "last_name": s(r.last_name), "date_of_birth": s(r.date_of_birth), "sex": s(r.sex),
                      "ssn": s(r.ssn)})
        truth.append({"record_id": rid, "entity_id": s(r.simulant_id), "source": "ssa"})
    pd.DataFrame(left).to_csv(os.path.join(args.out, "link_census.csv"), index=False)
    pd.DataFrame(right).to_csv(os.path.join(args.out, "link_ssa.csv"), index=False)
    pd.DataFrame(truth).to_csv(os.path.join(args.out, "link_truth.csv"), index=False)
    ca, sa = set(c["simulant_id"]), set(a["simulant_id"])
    ssa_per = a["simulant_id"].value_counts()
    return {"year": args.link_year, "census_records": len(c), "ssa_records": len(a),
            "people_in_both": len(ca & sa),
            "true_cross_pairs": int(sum(ssa_per.get(e, 0) for e in c["simulant_id"]))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0, help="pseudopeople's noise seed")
    ap.add_argument("--w2-year", type=int, default=2020)
    ap.add_argument("--link", action="store_true", help="also write the census 2020 x SSA link task")
    ap.add_argument("--link-year", type=int, default=2020)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    import pandas as pd
    import pseudopeople as psp

    os.makedirs(args.out, exist_ok=True)
    meta = {"pseudopeople": psp.__version__, "pandas": pd.__version__, "seed": args.seed}

    # ---- decennial census, all years of the sample
    c = psp.generate_decennial_census(seed=args.seed, year=None, verbose=False)
    c = c.reset_index(drop=True)
    rows, truth = [], []
    for i, r in enumerate(c.itertuples(index=False), 1):
        rid = f"c{i}"
        street = join(r.street_number, r.street_name, r.unit_number)
        addr = join(street, r.city, sep=", ")
        addr = join(addr, join(r.state, r.zipcode), sep=", ")
        rows.append({"record_id": rid, "full_name": join(r.first_name, r.middle_initial, r.last_name),
                     "dob": s(r.date_of_birth), "sex": s(r.sex), "address": addr, "id_number": "", "phone": ""})
        truth.append({"record_id": rid, "entity_id": s(r.simulant_id)})
    pd.DataFrame(rows).to_csv(os.path.join(args.out, "census.csv"), index=False)
    pd.DataFrame(truth).to_csv(os.path.join(args.out, "census_truth.csv"), index=False)
    vc = c["simulant_id"].value_counts()
    meta["census"] = {"records": len(c), "entities": int(len(vc)), "entities_with_2plus": int((vc > 1).sum()),
                      "years": sorted(int(y) for y in c["year"].unique())}

    # ---- W-2 and 1099 forms of one tax year
    w = psp.generate_taxes_w2_and_1099(seed=args.seed, year=args.w2_year, verbose=False)
    w = w.reset_index(drop=True)
    rows, truth = [], []
    for i, r in enumerate(w.itertuples(index=False), 1):
        rid = f"F{args.w2_year}-{i:06d}"
        rows.append({"form_key": rid, "first_name": s(r.first_name), "middle_initial": s(r.middle_initial),
                     "last_name": s(r.last_name), "ssn": s(r.ssn),
                     "mailing_address_street_number": s(r.mailing_address_street_number),
                     "mailing_address_street_name": s(r.mailing_address_street_name),
                     "mailing_address_unit_number": s(r.mailing_address_unit_number),
                     "mailing_address_city": s(r.mailing_address_city),
                     "mailing_address_state": s(r.mailing_address_state),
                     "mailing_address_zipcode": s(r.mailing_address_zipcode)})
        truth.append({"record_id": rid, "entity_id": s(r.simulant_id)})
    pd.DataFrame(rows).to_csv(os.path.join(args.out, "w2.csv"), index=False)
    pd.DataFrame(truth).to_csv(os.path.join(args.out, "w2_truth.csv"), index=False)
    vc = w["simulant_id"].value_counts()
    meta["w2"] = {"records": len(w), "entities": int(len(vc)), "entities_with_2plus": int((vc > 1).sum()),
                  "tax_year": args.w2_year}
    if args.link:
        meta["link"] = export_link(args, pd, psp)
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta), file=sys.stderr)


if __name__ == "__main__":
    main()
