#!/usr/bin/env python3
"""Address resolution of one or more vnlink binaries on a corpus of benches/external/addresses.py.

    python3 benches/external/address_eval.py CORPUS.csv --bin target/release/vnlink \
        [--bin /path/to/other/vnlink …] [--json OUT.json] [--show-wrong N] [--cross-check]

Runs `vnlink normalize --kind address` on every address and reports, per style and overall:
  province %      a province resolved (province_new not null)
  prov ok %       resolved to the true province (old addresses: the new province of the true
                  old province, and province_old, when given, the true one)
  prov wrong      resolved, to another province
  ward %          a ward resolved (ward_old or ward_new), among addresses that name a ward
  ward ok %       the true ward: old addresses ward_old == the true old ward (or, without
                  ward_old, ward_new[0] one of its successors); new addresses the true new ward
                  in ward_new
  ward wrong      resolved, to another ward
  invented        addresses that name no ward but got one
  ambiguous       addresses with an ambiguity warning (ambiguous_province / ambiguous_unit /
                  ambiguous_spelling)
With several binaries, one table per binary, in the order given.

--decoys N runs N addresses with no ward, a street or hamlet in its place ("Bình An, Huyện Phú
Vang, Thành phố Huế", some misspelt, some without diacritics), and counts the wards each binary
invents for them (precision of the spelling correction).

--cross-check compares with the `vietnamadminunits` package (pip install vietnamadminunits; MIT)
on the addresses both resolve: agreement of the province and ward names per level.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN = os.path.join(HERE, "..", "..", "data", "vn-admin")


def read(name):
    with open(os.path.join(ADMIN, name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_maps():
    prov = {m["old_code"]: m["new_code"] for m in read("map_province.csv")}
    succ = defaultdict(list)
    for m in read("map_ward.csv"):
        if m["old_ward_code"]:
            succ[m["old_ward_code"]].append(m["new_ward_code"])
    return prov, succ


def run(binary, addresses):
    """JSON objects of `vnlink normalize --kind address`, one per address."""
    # One line per value: newlines inside a value would shift everything after it.
    text = "".join(a.replace("\n", " ").replace("\r", " ") + "\n" for a in addresses)
    p = subprocess.run([binary, "normalize", "--kind", "address"], input=text.encode("utf-8"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if p.returncode not in (0, 1):
        sys.exit(f"{binary}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
    out = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines() if line.strip()]
    if len(out) != len(addresses):
        sys.exit(f"{binary}: {len(out)} results for {len(addresses)} addresses")
    return out


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def judge(row, res, prov_map, succ):
    """(province resolved, province correct, ward resolved, ward correct, ambiguous)."""
    old = row["era"] == "old"
    true_pn = prov_map.get(row["old_province"]) if old else row["new_province"]
    pn = res.get("province_new")
    po = res.get("province_old")
    p_res = pn is not None
    p_ok = p_res and pn == true_pn and (not old or po is None or po == row["old_province"])
    wn = as_list(res.get("ward_new"))
    wo = res.get("ward_old")
    w_res = wo is not None or bool(wn)
    if old:
        if wo is not None:
            w_ok = wo == row["old_ward"]
        else:
            w_ok = bool(wn) and wn[0] in succ.get(row["old_ward"], [])
    else:
        w_ok = row["new_ward"] in wn
    amb = (res.get("warning") or "").startswith("ambiguous")
    return p_res, p_ok, w_res, w_ok, amb


def table(rows, results, prov_map, succ):
    stats = defaultdict(lambda: defaultdict(int))
    for row, res in zip(rows, results):
        p_res, p_ok, w_res, w_ok, amb = judge(row, res, prov_map, succ)
        keys = ["all", "style=" + row["style"], "era=" + row["era"]]
        if row["typo"]:
            keys.append("typo in " + row["typo"])
        for k in keys:
            s = stats[k]
            s["n"] += 1
            s["p_res"] += p_res
            s["p_ok"] += p_ok
            s["p_wrong"] += p_res and not p_ok
            s["amb"] += amb
            if row["names_ward"] == "1":
                s["wn"] += 1
                s["w_res"] += w_res
                s["w_ok"] += w_ok
                s["w_wrong"] += w_res and not w_ok
            else:
                s["w_fp"] += w_res
    return stats


def pct(a, b):
    return f"{100.0 * a / b:6.1f}" if b else "     -"


def order(k):
    return (0 if k == "all" else 1 if k.startswith("style") else 2 if k.startswith("era") else 3, k)


def print_table(name, stats, out=sys.stdout):
    print(f"\n{name}", file=out)
    print(f"{'':22} {'n':>5} {'prov%':>6} {'ok%':>6} {'wrong':>5} {'ward n':>6} {'ward%':>6} "
          f"{'ok%':>6} {'wrong':>5} {'invent':>6} {'ambig':>5}", file=out)
    for k in sorted(stats, key=order):
        s = stats[k]
        print(f"{k:22} {s['n']:5d} {pct(s['p_res'], s['n'])} {pct(s['p_ok'], s['n'])} "
              f"{s['p_wrong']:5d} {s['wn']:6d} {pct(s['w_res'], s['wn'])} {pct(s['w_ok'], s['wn'])} "
              f"{s['w_wrong']:5d} {s['w_fp']:6d} {s['amb']:5d}", file=out)


def cross_check(rows, results):
    """Agreement with vietnamadminunits (codes of the same era) on the addresses both resolve,
    and its own resolution and accuracy against the corpus' truth, per level."""
    try:
        from vietnamadminunits import parse_address, ParseMode
    except ImportError:
        print("\ncross-check: vietnamadminunits is not installed", file=sys.stderr)
        return
    agree = defaultdict(lambda: [0, 0])
    theirs = defaultdict(lambda: [0, 0, 0])  # named, resolved, correct
    for row, res in zip(rows, results):
        old = row["era"] == "old"
        try:
            u = parse_address(row["address"], mode=ParseMode.LEGACY if old else ParseMode.FROM_2025)
        except Exception:  # noqa: BLE001 - the package raises on what it cannot parse
            u = None
        their_p = getattr(u, "province_code", None) if u else None
        their_w = getattr(u, "ward_code", None) if u else None
        if old:
            ours_p, ours_w = res.get("province_old"), res.get("ward_old")
            true_p, true_w = row["old_province"], row["old_ward"]
        else:
            wn = as_list(res.get("ward_new"))
            ours_p, ours_w = res.get("province_new"), (wn[0] if len(wn) == 1 else None)
            true_p, true_w = row["new_province"], row["new_ward"]
        for lvl, ours, their, true, named in (
            ("province", ours_p, their_p, true_p, True),
            ("ward", ours_w, their_w, true_w, row["names_ward"] == "1"),
        ):
            if ours and their:
                agree[lvl][0] += ours == their
                agree[lvl][1] += 1
            if named:
                t = theirs[lvl]
                t[0] += 1
                t[1] += bool(their)
                t[2] += their == true
    print("\ncross-check with vietnamadminunits (same era's codes):")
    for lvl, (same, both) in agree.items():
        named, resolved, correct = theirs[lvl]
        print(f"  {lvl:9} agree on {same}/{both} both resolve ({pct(same, both).strip()} %); "
              f"vietnamadminunits alone: resolved {pct(resolved, named).strip()} %, "
              f"correct {pct(correct, named).strip()} % of {named}")


def decoys(n, seed=5):
    """Addresses whose first field is a street or hamlet where a ward would be."""
    import random
    sys.path.insert(0, HERE)
    import addresses as gen  # the corpus generator's street and hamlet lists
    g = gen.Gaz()
    rng = random.Random(seed)
    districts = sorted(g.od.values(), key=lambda d: d["code"])
    out = []
    for _ in range(n):
        d = rng.choice(districts)
        p = g.op[d["province_code"]]
        lead = rng.choice([
            rng.choice(gen.STREETS), "Thôn " + rng.choice(gen.HAMLET_NAMES),
            rng.choice(gen.HAMLET_NAMES), "Đường " + rng.choice(gen.STREETS),
            "Khu " + rng.choice(gen.HAMLET_NAMES), gen.typo(rng, rng.choice(gen.STREETS)),
            gen.typo(rng, rng.choice(gen.HAMLET_NAMES)),
        ])
        if rng.random() < 0.5:
            lead = gen.strip_marks(lead)
        out.append(f"{lead}, {d['full_name']}, {p['full_name']}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--bin", action="append", required=True, help="vnlink binary (repeatable)")
    ap.add_argument("--json", help="write the figures of every binary as JSON")
    ap.add_argument("--show-wrong", type=int, default=0, metavar="N",
                    help="print N wrong resolutions of the last binary")
    ap.add_argument("--show-unresolved", type=int, default=0, metavar="N",
                    help="print N addresses whose ward the last binary left unresolved")
    ap.add_argument("--cross-check", action="store_true")
    ap.add_argument("--decoys", type=int, default=0, metavar="N")
    args = ap.parse_args()
    with open(args.corpus, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    prov_map, succ = load_maps()
    all_stats = {}
    results = None
    for b in args.bin:
        results = run(b, [r["address"] for r in rows])
        stats = table(rows, results, prov_map, succ)
        all_stats[b] = stats
        print_table(b, stats)
    if args.show_wrong or args.show_unresolved:
        wrong, unres = [], []
        for row, res in zip(rows, results):
            p_res, p_ok, w_res, w_ok, _ = judge(row, res, prov_map, succ)
            if (p_res and not p_ok) or (w_res and not w_ok and row["names_ward"] == "1"):
                wrong.append((row, res))
            elif row["names_ward"] == "1" and not w_res:
                unres.append((row, res))
        for title, items, n in (("wrong", wrong, args.show_wrong),
                                ("unresolved ward", unres, args.show_unresolved)):
            if n:
                print(f"\n{title} ({len(items)}):")
            for row, res in items[:n]:
                want = (row["old_ward"], row["old_district"], row["old_province"]) \
                    if row["era"] == "old" else (row["new_ward"], row["new_province"])
                got = (res.get("ward_old"), res.get("district_old"), res.get("province_old"),
                       res.get("ward_new"), res.get("province_new"), res.get("warning"))
                print(f"  [{row['style']}] {row['address']}\n      want {want} got {got}")
    if args.decoys:
        texts = decoys(args.decoys)
        print(f"\ndecoys: {len(texts)} addresses without a ward (street or hamlet in its place)")
        for b in args.bin:
            res = run(b, texts)
            invented = [(t, r) for t, r in zip(texts, res)
                        if r.get("ward_old") or as_list(r.get("ward_new"))]
            print(f"  {b}: {len(invented)} with a ward invented")
            for t, r in invented[:args.show_wrong]:
                print(f"      {t} → {r.get('ward_old')} {r.get('ward_new')}")
    if args.cross_check:
        cross_check(rows, results)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({b: {k: dict(v) for k, v in s.items()} for b, s in all_stats.items()}, f,
                      indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
