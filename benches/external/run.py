#!/usr/bin/env python3
"""run.py: measure a vnlink binary on data its own generator did not design.

Generates (or reuses) data with vnpop.py (and, when asked, pseudopeople_export.py) under --work,
runs the vnlink binary given by --vnlink on it, scores it, writes results.json and prints markdown
tables. Standard library only (the pseudopeople export runs in its own interpreter, --pp-python).

  python3 benches/external/run.py --vnlink target/release/vnlink --people 20000
  python3 benches/external/run.py --vnlink /work/exp/bin/vnlink-base --people 2000 --seeds 1 --quick

Parts (--parts, comma-separated; default all):
  dedupe   pairwise and B-cubed P/R/F1 over dup rates x seeds, and the records caught in false pairs
  lookup   build the registry, query it with --jsonl -k 10: recall@1/@10 of in-register queries,
           false matches (top candidate >= 0.95) of queries that are not in the register, by kind
  link     vnlink link registry.csv queries.csv, P/R/F1 of the links against the truth
  pseudo   English files from pseudopeople (census, W-2 with an unfamiliar id header)
  schemas  the clerk, english_ids and split schemas (dedupe, lookup and link)
"""

import argparse
import csv
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VNPOP = os.path.join(HERE, "vnpop.py")
PPEXPORT = os.path.join(HERE, "pseudopeople_export.py")
PEER = "/work/shared/peer/run.sh"
THRESHOLD = 0.95


def generator_sha():
    """Data made by another version of vnpop.py is regenerated, not reused."""
    with open(VNPOP, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, stdin=None, stdout=None, logfile=None, check=True, env=None):
    """Run a command; returns (returncode, wall seconds)."""
    t0 = time.perf_counter()
    err = open(logfile, "a") if logfile else subprocess.DEVNULL
    try:
        p = subprocess.run(cmd, stdin=stdin, stdout=stdout if stdout is not None else err, stderr=err, env=env)
    finally:
        if logfile:
            err.close()
    dt = time.perf_counter() - t0
    if check and p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {p.returncode} (log: {logfile})")
    return p.returncode, dt


def read_truth(path):
    with open(path, encoding="utf-8", newline="") as f:
        return {r["record_id"]: r["entity_id"] for r in csv.DictReader(f)}


def rate_key(r):
    return f"{r:.2f}"


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


def gen(work, args, shape, **kw):
    schema = kw.get("schema", "standard")
    if shape == "dedupe":
        key = f"dedupe-{schema}-n{kw['people']}-r{rate_key(kw['rate'])}-s{kw['seed']}"
        cmd = [sys.executable, VNPOP, "dedupe", "--people", str(kw["people"]), "--dup-rate", str(kw["rate"]),
               "--seed", str(kw["seed"]), "--schema", schema]
    else:
        key = (f"lookup-{schema}-n{kw['people']}-r{rate_key(kw['rate'])}-q{kw['queries']}"
               f"-p{rate_key(kw['in_register'])}-s{kw['seed']}")
        cmd = [sys.executable, VNPOP, "lookup", "--people", str(kw["people"]), "--register-dup-rate",
               str(kw["rate"]), "--queries", str(kw["queries"]), "--in-register", str(kw["in_register"]),
               "--seed", str(kw["seed"]), "--schema", schema]
    d = os.path.join(work, "data", key)
    sha_file = os.path.join(d, "vnpop.sha")
    sha = generator_sha()
    cached = os.path.exists(os.path.join(d, "meta.json")) and os.path.exists(sha_file) \
        and open(sha_file).read().strip() == sha
    if args.fresh or not cached:
        log(f"generating {key}")
        os.makedirs(d, exist_ok=True)
        run(cmd + ["--out", d], logfile=os.path.join(d, "gen.log"))
        with open(sha_file, "w") as f:
            f.write(sha + "\n")
    with open(os.path.join(d, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    return key, d, meta


def vnlink_cmd(args, *rest):
    cmd = [args.vnlink, *rest]
    if args.threads and rest and rest[0] in ("dedupe", "link", "build", "query"):
        cmd += ["--threads", str(args.threads)]
    return cmd


# --------------------------------------------------------------------------------------------
# measures
# --------------------------------------------------------------------------------------------


def eval_json(args, truth, clusters=None, pairs=None, logfile=None):
    cmd = [args.vnlink, "eval", "--truth", truth, "--json"]
    cmd += ["--clusters", clusters] if clusters else ["--pairs", pairs]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if logfile:
        with open(logfile, "a") as f:
            f.write(p.stderr)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"eval failed: {p.stderr}")
    return json.loads(p.stdout)


def false_pair_records(pairs_csv, truth):
    """Records in at least one predicted pair whose two records are different people."""
    recs, n_false = set(), 0
    with open(pairs_csv, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if float(r.get("match_probability") or 1.0) < THRESHOLD:
                continue
            a, b = r["left_id"], r["right_id"]
            if truth.get(a) != truth.get(b):
                n_false += 1
                recs.update((a, b))
    return len(recs), n_false


def measure_dedupe(args, work, key, d, records_file, truth_file, label):
    out = os.path.join(work, "runs", key)
    os.makedirs(out, exist_ok=True)
    logf = os.path.join(out, "vnlink.log")
    open(logf, "w").close()
    rc, secs = run(vnlink_cmd(args, "dedupe", records_file, "--out", out, "-q"), logfile=logf)
    ev = eval_json(args, truth_file, clusters=os.path.join(out, "clusters.csv"), logfile=logf)
    truth = read_truth(truth_file)
    fr, fp = false_pair_records(os.path.join(out, "pairs.csv"), truth)
    n = ev.get("records") or len(truth)
    res = {
        "label": label, "records": n, "exit": rc, "seconds": round(secs, 2),
        "pairwise": ev["pairwise"], "bcubed": ev["bcubed"],
        "pairs_true": ev.get("pairs_true"), "pairs_pred": ev.get("pairs_pred"),
        "unknown_ids_in_pred": ev.get("unknown_ids_in_pred", 0),
        "false_pairs": fp, "false_pair_records": fr, "false_pair_records_pct": round(100.0 * fr / max(1, n), 4),
    }
    return res


def measure_splink(args, work, key, records_file, truth_file):
    out = os.path.join(work, "runs", key, "splink")
    os.makedirs(out, exist_ok=True)
    cmd = ["bash", PEER, "splink_peer.py", "dedupe", records_file, "--truth", truth_file, "--out", out]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    rc, secs = run(cmd, logfile=os.path.join(out, "splink.log"), check=False)
    try:
        with open(os.path.join(out, "result.json")) as f:
            r = json.load(f)
        sc = r.get("score") or {}
        return {"pairwise_f1": sc.get("pairwise_f1"), "bcubed_f1": sc.get("bcubed_f1"),
                "pairwise_precision": sc.get("pairwise_precision"), "pairwise_recall": sc.get("pairwise_recall"),
                "total_s": r.get("total_s"), "exit": rc}
    except (OSError, ValueError):
        return {"error": f"splink exited {rc}; see {out}/splink.log", "exit": rc}


def measure_lookup(args, work, key, d, meta, schema):
    out = os.path.join(work, "runs", key)
    os.makedirs(out, exist_ok=True)
    logf = os.path.join(out, "vnlink.log")
    open(logf, "w").close()
    store = os.path.join(out, "r.vnl")
    _, t_build = run(vnlink_cmd(args, "build", os.path.join(d, "registry.csv"), "-o", store, "-q"), logfile=logf)
    # the queries without their record_id, one JSON object per line
    qids, lines = [], []
    with open(os.path.join(d, "queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            qids.append(o.pop("record_id"))
            lines.append(json.dumps(o, ensure_ascii=False))
    qin = os.path.join(out, "queries_in.jsonl")
    with open(qin, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    ans = os.path.join(out, "answers.jsonl")
    with open(qin, "rb") as fi, open(ans, "wb") as fo:
        _, t_query = run(vnlink_cmd(args, "query", store, "--jsonl", "-k", "10", "-q"), stdin=fi, stdout=fo,
                         logfile=logf)
    truth = read_truth(os.path.join(d, "truth.csv"))
    kinds = {}
    with open(os.path.join(d, "query_kinds.csv"), encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            kinds[r["record_id"]] = r["kind"]
    answers = []
    with open(ans, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                answers.append(json.loads(line)["candidates"])
    if len(answers) != len(qids):
        raise RuntimeError(f"{len(answers)} answers for {len(qids)} queries ({ans})")
    n_in = at1 = at10 = acc1 = wrong_acc = 0
    unknown = sum(1 for cands in answers for c in cands if c["record_id"] not in truth)
    neg = {}
    for qid, cands in zip(qids, answers):
        ent = truth[qid]
        kind = kinds[qid]
        ents = [truth.get(c["record_id"]) for c in cands]
        top_p = cands[0]["match_probability"] if cands else 0.0
        if kind == "in_register":
            n_in += 1
            at1 += bool(ents) and ents[0] == ent
            at10 += ent in ents[:10]
            acc1 += bool(ents) and ents[0] == ent and top_p >= THRESHOLD
            wrong_acc += bool(ents) and ents[0] != ent and top_p >= THRESHOLD
        else:
            k = neg.setdefault(kind, [0, 0])
            k[0] += 1
            k[1] += top_p >= THRESHOLD
    n_neg = sum(v[0] for v in neg.values())
    return {
        "registry_records": meta["registry_records"], "queries": len(qids), "in_register": n_in,
        "recall_at_1": at1 / max(1, n_in), "recall_at_10": at10 / max(1, n_in),
        "accepted_at_1": acc1 / max(1, n_in), "wrong_accepted_in_register": wrong_acc / max(1, n_in),
        "not_in_register": n_neg,
        "false_match_rate": sum(v[1] for v in neg.values()) / max(1, n_neg),
        "false_match_by_kind": {k: {"queries": v[0], "false_matches": v[1], "rate": v[1] / max(1, v[0])}
                                for k, v in sorted(neg.items())},
        "unknown_candidate_ids": unknown,
        "build_s": round(t_build, 2), "query_s": round(t_query, 2),
        "queries_per_s": round(len(qids) / max(1e-9, t_query), 1),
    }


def measure_link(args, work, key, d):
    out = os.path.join(work, "runs", key, "link")
    os.makedirs(out, exist_ok=True)
    logf = os.path.join(out, "vnlink.log")
    open(logf, "w").close()
    rc, secs = run(vnlink_cmd(args, "link", os.path.join(d, "registry.csv"), os.path.join(d, "queries.csv"),
                              "--out", out, "-q"), logfile=logf)
    ev = eval_json(args, os.path.join(d, "truth.csv"), pairs=os.path.join(out, "links.csv"), logfile=logf)
    return {"pairwise": ev["pairwise"], "bcubed": ev.get("bcubed"), "pairs_true": ev.get("pairs_true"),
            "pairs_pred": ev.get("pairs_pred"), "unknown_ids_in_pred": ev.get("unknown_ids_in_pred", 0),
            "seconds": round(secs, 2), "exit": rc}


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


def f4(x):
    return "—" if x is None else f"{x:.4f}"


def markdown(res):
    out = []
    cfg = res["config"]
    out.append(f"vnlink: `{cfg['vnlink']}` · people {cfg['people']} · seeds {cfg['seeds']} · "
               f"{cfg['started']} · total {res['total_s']:.0f} s\n")
    if res.get("dedupe"):
        splink = any("splink" in r for r in res["dedupe"])
        out.append("### Dedupe (vnpop, standard schema)\n")
        h = "| dup rate | seed | records | pairwise P | pairwise R | pairwise F1 | B-cubed F1 | records in false pairs | time s |"
        sep = "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        if splink:
            h += " Splink pairwise F1 | Splink B-cubed F1 |"
            sep += "---:|---:|"
        out += [h, sep]
        for r in res["dedupe"]:
            nt = not r.get("pairs_true")        # no true pairs: P, R, F1 undefined
            row = (f"| {r['dup_rate']:.2f} | {r['seed']} | {r['records']} | "
                   f"{'n/a' if nt else f4(r['pairwise']['precision'])} | {'n/a' if nt else f4(r['pairwise']['recall'])} | "
                   f"**{'n/a' if nt else f4(r['pairwise']['f1'])}** | {f4(r['bcubed']['f1'])} | "
                   f"{r['false_pair_records']} ({r['false_pair_records_pct']:.2f} %) | {r['seconds']:.1f} |")
            if splink:
                s = r.get("splink") or {}
                row += f" {f4(s.get('pairwise_f1'))} | {f4(s.get('bcubed_f1'))} |"
            out.append(row)
        out.append("")
        out.append("| dup rate | mean pairwise F1 | min | mean B-cubed F1 | mean records in false pairs |")
        out.append("|---:|---:|---:|---:|---:|")
        for rate, rows in group(res["dedupe"], "dup_rate"):
            if not any(r.get("pairs_true") for r in rows):
                out.append(f"| {rate:.2f} | n/a | n/a | {statistics.mean(r['bcubed']['f1'] for r in rows):.4f} | "
                           f"{statistics.mean(r['false_pair_records_pct'] for r in rows):.2f} % |")
                continue
            out.append(f"| {rate:.2f} | {statistics.mean(r['pairwise']['f1'] for r in rows):.4f} | "
                       f"{min(r['pairwise']['f1'] for r in rows):.4f} | "
                       f"{statistics.mean(r['bcubed']['f1'] for r in rows):.4f} | "
                       f"{statistics.mean(r['false_pair_records_pct'] for r in rows):.2f} % |")
        out.append("")
    if res.get("lookup"):
        out.append("### Lookups (registry built, queries with --jsonl -k 10)\n")
        kinds = sorted({k for r in res["lookup"] for k in r["false_match_by_kind"]})
        out.append("| register dup rate | registry records | queries in / not in | recall@1 | recall@10 | "
                   "accepted@1 (≥0.95) | false matches, not in register | " + " | ".join(kinds) +
                   " | build s | queries/s |")
        out.append("|---:" * (9 + len(kinds)) + "|")
        for r in res["lookup"]:
            ks = " | ".join(f"{r['false_match_by_kind'].get(k, {}).get('rate', 0):.3f}" for k in kinds)
            out.append(f"| {r['register_dup_rate']:.2f} | {r['registry_records']} | {r['in_register']} / "
                       f"{r['not_in_register']} | {r['recall_at_1']:.4f} | {r['recall_at_10']:.4f} | "
                       f"{r['accepted_at_1']:.4f} | **{r['false_match_rate']:.4f}** | {ks} | {r['build_s']:.1f} | "
                       f"{r['queries_per_s']:.0f} |")
        out.append("")
    if res.get("link"):
        out.append("### Link (registry.csv × queries.csv)\n")
        out.append("| register dup rate | pairwise P | pairwise R | pairwise F1 | time s |")
        out.append("|---:|---:|---:|---:|---:|")
        for r in res["link"]:
            out.append(f"| {r['register_dup_rate']:.2f} | {f4(r['pairwise']['precision'])} | "
                       f"{f4(r['pairwise']['recall'])} | **{f4(r['pairwise']['f1'])}** | {r['seconds']:.1f} |")
        out.append("")
    if res.get("pseudo"):
        out.append("### pseudopeople (English, default noise)\n")
        splink = any("splink" in r for r in res["pseudo"])
        out.append("| file | records | pairwise P | pairwise R | pairwise F1 | B-cubed F1 | ids unknown to the truth |"
                   + (" Splink pairwise F1 | Splink B-cubed F1 |" if splink else ""))
        out.append("|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if splink else ""))
        for r in res["pseudo"]:
            row = (f"| {r['label']} | {r['records']} | {f4(r['pairwise']['precision'])} | "
                   f"{f4(r['pairwise']['recall'])} | **{f4(r['pairwise']['f1'])}** | {f4(r['bcubed']['f1'])} | "
                   f"{r['unknown_ids_in_pred']} |")
            if splink:
                s = r.get("splink") or {}
                row += f" {f4(s.get('pairwise_f1'))} | {f4(s.get('bcubed_f1'))} |"
            out.append(row)
        out.append("")
    if res.get("schemas"):
        out.append("### Schemas (same people, other headers)\n")
        out.append("| schema | dedupe pairwise F1 | dedupe B-cubed F1 | ids unknown | lookup recall@1 | "
                   "lookup false matches | link F1 |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for r in res["schemas"]:
            dd, lk, ln = r.get("dedupe") or {}, r.get("lookup") or {}, r.get("link") or {}
            out.append(f"| {r['schema']} | **{f4((dd.get('pairwise') or {}).get('f1'))}** | "
                       f"{f4((dd.get('bcubed') or {}).get('f1'))} | {dd.get('unknown_ids_in_pred', '—')} | "
                       f"{f4(lk.get('recall_at_1'))} | {f4(lk.get('false_match_rate'))} | "
                       f"{f4((ln.get('pairwise') or {}).get('f1'))} |")
        out.append("")
    return "\n".join(out)


def group(rows, key):
    g = {}
    for r in rows:
        g.setdefault(r[key], []).append(r)
    return sorted(g.items())


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vnlink", required=True, help="path of the vnlink binary to measure")
    ap.add_argument("--people", type=int, default=100000)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--dup-rates", default="0,0.01,0.03,0.10,0.35,0.50")
    ap.add_argument("--register-dup-rates", default="0,0.03,0.10,0.35")
    ap.add_argument("--queries", type=int, default=0, help="lookup queries (default people/10, at least 500)")
    ap.add_argument("--in-register", type=float, default=0.5)
    ap.add_argument("--parts", default="dedupe,lookup,link,pseudo,schemas")
    ap.add_argument("--work", default="/work/exp/ext/run", help="data and runs (data is reused)")
    ap.add_argument("--fresh", action="store_true", help="regenerate the data even if present")
    ap.add_argument("--out", default=None, help="results.json (default WORK/results.json)")
    ap.add_argument("--threads", type=int, default=0, help="--threads for vnlink (default: its own)")
    ap.add_argument("--pp-python", default="/tmp/extvenv/bin/python",
                    help="interpreter with pseudopeople installed (for --parts pseudo)")
    ap.add_argument("--splink", action="store_true", help="also run the Splink peer on the dedupe files")
    ap.add_argument("--splink-seeds", default="1", help="seeds of the dedupe files Splink runs on")
    ap.add_argument("--quick", action="store_true", help="one seed, dup rates 0 and 0.10, register dup rate 0.03")
    args = ap.parse_args()
    args.vnlink = os.path.abspath(args.vnlink)
    if not os.access(args.vnlink, os.X_OK):
        ap.error(f"--vnlink {args.vnlink} is not an executable")
    seeds = [int(s) for s in args.seeds.split(",") if s]
    rates = [float(r) for r in args.dup_rates.split(",") if r]
    reg_rates = [float(r) for r in args.register_dup_rates.split(",") if r]
    if args.quick:
        seeds, rates, reg_rates = seeds[:1], [0.0, 0.10], [0.03]
    parts = set(args.parts.split(","))
    queries = args.queries or max(500, args.people // 10)
    splink_seeds = {int(s) for s in args.splink_seeds.split(",") if s}
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    t0 = time.perf_counter()
    res = {"config": {"vnlink": args.vnlink, "people": args.people, "seeds": seeds, "dup_rates": rates,
                      "register_dup_rates": reg_rates, "queries": queries, "in_register": args.in_register,
                      "threads": args.threads or None, "threshold": THRESHOLD,
                      "started": time.strftime("%Y-%m-%d %H:%M:%S")}}
    vp = subprocess.run([args.vnlink, "--version"], capture_output=True, text=True)
    res["config"]["vnlink_version"] = vp.stdout.strip()

    if "dedupe" in parts:
        res["dedupe"] = []
        for rate in rates:
            for seed in seeds:
                key, d, meta = gen(work, args, "dedupe", people=args.people, rate=rate, seed=seed)
                log(f"dedupe {key}")
                r = measure_dedupe(args, work, key, d, os.path.join(d, "records.csv"), os.path.join(d, "truth.csv"),
                                   key)
                r.update({"dup_rate": rate, "seed": seed, "people": meta["people"],
                          "dup_rate_achieved": meta["dup_rate_achieved"], "true_pairs": meta["true_pairs"]})
                if args.splink and seed in splink_seeds:
                    log(f"splink {key}")
                    r["splink"] = measure_splink(args, work, key, os.path.join(d, "records.csv"),
                                                 os.path.join(d, "truth.csv"))
                res["dedupe"].append(r)
                save(res, args, work, t0)
    lookup_data = {}
    if "lookup" in parts or "link" in parts:
        for rate in reg_rates:
            lookup_data[rate] = gen(work, args, "lookup", people=args.people, rate=rate, queries=queries,
                                    in_register=args.in_register, seed=seeds[0])
    if "lookup" in parts:
        res["lookup"] = []
        for rate in reg_rates:
            key, d, meta = lookup_data[rate]
            log(f"lookup {key}")
            r = measure_lookup(args, work, key, d, meta, "standard")
            r.update({"register_dup_rate": rate, "seed": seeds[0]})
            res["lookup"].append(r)
            save(res, args, work, t0)
    if "link" in parts:
        res["link"] = []
        for rate in reg_rates:
            key, d, meta = lookup_data[rate]
            log(f"link {key}")
            r = measure_link(args, work, key, d)
            r.update({"register_dup_rate": rate, "seed": seeds[0]})
            res["link"].append(r)
            save(res, args, work, t0)
    if "pseudo" in parts:
        pd_dir = os.path.join(work, "data", "pseudopeople")
        if args.fresh or not os.path.exists(os.path.join(pd_dir, "meta.json")):
            if not os.access(args.pp_python, os.X_OK):
                log(f"skipping pseudo: {args.pp_python} not found (see README.md for the pip install line)")
                pd_dir = None
            else:
                log("exporting pseudopeople files")
                os.makedirs(pd_dir, exist_ok=True)
                run([args.pp_python, PPEXPORT, "--out", pd_dir], logfile=os.path.join(pd_dir, "export.log"))
        if pd_dir:
            res["pseudo"] = []
            for name, label in (("census", "census 2020-2040 (standard headers)"),
                                ("w2", "W-2/1099 2020 (`form_key`, pseudopeople headers)")):
                key = f"pseudopeople-{name}"
                log(f"dedupe {key}")
                r = measure_dedupe(args, work, key, pd_dir, os.path.join(pd_dir, f"{name}.csv"),
                                   os.path.join(pd_dir, f"{name}_truth.csv"), label)
                if args.splink and name == "census":
                    log(f"splink {key}")
                    r["splink"] = measure_splink(args, work, key, os.path.join(pd_dir, f"{name}.csv"),
                                                 os.path.join(pd_dir, f"{name}_truth.csv"))
                res["pseudo"].append(r)
                save(res, args, work, t0)
    if "schemas" in parts:
        res["schemas"] = []
        seed = seeds[0]
        for schema in ("standard", "clerk", "english_ids", "split"):
            row = {"schema": schema}
            key, d, meta = gen(work, args, "dedupe", people=args.people, rate=0.10, seed=seed, schema=schema)
            log(f"dedupe {key}")
            row["dedupe"] = measure_dedupe(args, work, key, d, os.path.join(d, "records.csv"),
                                           os.path.join(d, "truth.csv"), key)
            key, d, meta = gen(work, args, "lookup", people=args.people, rate=0.03, queries=queries,
                               in_register=args.in_register, seed=seed, schema=schema)
            log(f"lookup+link {key}")
            row["lookup"] = measure_lookup(args, work, key, d, meta, schema)
            row["link"] = measure_link(args, work, key, d)
            res["schemas"].append(row)
            save(res, args, work, t0)
    save(res, args, work, t0)
    print(markdown(res))


def save(res, args, work, t0):
    res["total_s"] = round(time.perf_counter() - t0, 1)
    path = args.out or os.path.join(work, "results.json")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(res, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
