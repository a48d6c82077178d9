#!/usr/bin/env python3
"""Splink 5 (DuckDB) on English-language person files of any layout: the configuration a competent
Splink user writes by hand for such data, following Splink's documentation and examples.

  PY=~/.cache/vnlink-peer/venv/bin/python          # the peer's environment (bash /work/shared/peer/setup.sh)
  $PY splink_english.py dedupe FILE.csv --out DIR [--truth TRUTH.csv] [--columns role=header,...]
  $PY splink_english.py link LEFT.csv RIGHT.csv --out DIR [--truth TRUTH.csv] [--columns ...]

Columns are found by their headers (an alias table below, case-insensitive), or given with
--columns role=header,... (roles: record_id first_name middle last_name full_name dob sex id
street_number street unit city state zip address phone). Only the fields every input has, with
at least one value, are compared. A full_name is split into first name
(first token), middle and last name (last token); an address is taken as one text line.

Cleaning (DuckDB SQL): names lower case without accents and punctuation; dates of birth parsed
from mm/dd/yyyy, yyyymmdd, yyyy-mm-dd, dd/mm/yyyy (in that order of preference); ids and phones
digits only; sex m/f; zip first 5 characters; street line = number + street + unit.

Model:
  first and last name  NameComparison (exact, Jaro-Winkler 0.92/0.88/0.7) with term frequencies
  middle               first letter equal (the files hold initials)
  dob                  DateOfBirthComparison (exact, one edit, within a month, a year, ten years)
  sex                  exact
  id (ssn, ...)        Damerau-Levenshtein 1, 2
  street line          exact (term frequencies), Jaro-Winkler 0.9, 0.8
  city                 exact (term frequencies), Jaro-Winkler 0.9;  zip: exact, Levenshtein 1
  phone                exact, Damerau-Levenshtein 1
Blocking (the rules whose columns exist): first+last name; dob; id; last name+street line;
first name+street line; first initial+last name+birth year.
Training: prior from the deterministic rules first+last+dob and id (recall 0.7); u by random
sampling (1e7 pairs, seed 42); m by EM on the dob block and on the first+last name block (on the id
and name blocks when there is no dob). Predict at 0.95; dedupe: connected components at 0.95.

Writes DIR/clusters.csv (dedupe) or DIR/links.csv (link), and DIR/result.json (times, the columns
used, the blocking rules, candidate pairs, and the score by /work/shared/peer/score.py when --truth).
"""
from __future__ import annotations

import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402

import duckdb  # noqa: E402
import splink  # noqa: E402
import splink.comparison_level_library as cll  # noqa: E402
import splink.comparison_library as cl  # noqa: E402
from splink import DuckDBAPI, Linker, SettingsCreator, block_on  # noqa: E402

sys.dont_write_bytecode = True
PEER = os.environ.get("PEER_DIR", "/work/shared/peer")
sys.path.insert(0, PEER)
import score as scorer  # noqa: E402

T_IMPORTED = time.perf_counter()

ALIASES = {
    "record_id": ["record_id", "rec_id", "id", "form_key", "person_key", "unique_id", "key"],
    "first_name": ["first_name", "given_name", "forename", "firstname", "first", "given"],
    "middle": ["middle_name", "middle_initial", "middle", "middlename"],
    "last_name": ["last_name", "surname", "family_name", "lastname", "last"],
    "full_name": ["full_name", "name", "fullname", "patient_name"],
    "dob": ["dob", "date_of_birth", "birth_date", "birthdate"],
    "sex": ["sex", "gender"],
    "id": ["ssn", "soc_sec_id", "id_number", "national_id", "citizen_no", "social_security_number"],
    "street_number": ["street_number", "house_number", "mailing_address_street_number"],
    "street": ["street_name", "street", "address_1", "mailing_address_street_name"],
    "unit": ["unit_number", "unit", "address_2", "mailing_address_unit_number"],
    "city": ["city", "suburb", "town", "mailing_address_city"],
    "state": ["state", "mailing_address_state"],
    "zip": ["zipcode", "zip", "postcode", "postal_code", "mailing_address_zipcode"],
    "address": ["address", "home_address", "full_address"],
    "phone": ["phone", "phone_number", "telephone", "contact_no"],
}


def sql_str(s):
    return "'" + str(s).replace("'", "''") + "'"


def q(c):
    return '"' + c.replace('"', '""') + '"'


def find_columns(headers, overrides):
    low = {h.lower(): h for h in headers}
    roles = {}
    for role, names in ALIASES.items():
        for n in names:
            if n in low:
                roles[role] = low[n]
                break
    for role, h in overrides.items():
        if h in headers:
            roles[role] = h
        elif role in roles and roles[role] not in headers:
            del roles[role]
    if "record_id" not in roles:
        roles["record_id"] = headers[0]
    return roles


def norm_text(expr):
    return f"nullif(trim(regexp_replace(lower(strip_accents(coalesce({expr}, ''))), '[^a-z0-9 ]+', ' ', 'g')), '')"


def clean_sql(src, roles):
    """The cleaned table: always the same column names; columns the file lacks are null."""
    r = {k: q(v) for k, v in roles.items()}
    name_tok = "list_filter(regexp_split_to_array(trim(regexp_replace(lower(strip_accents(coalesce({}, ''))), " \
               "'[^a-z ]+', ' ', 'g')), '\\s+'), lambda x: x <> '')"
    if "first_name" in r or "last_name" in r:
        first = norm_text(r["first_name"]) if "first_name" in r else "null"
        last = norm_text(r["last_name"]) if "last_name" in r else "null"
        middle = norm_text(r["middle"]) if "middle" in r else "null"
    elif "full_name" in r:
        t = name_tok.format(r["full_name"])
        first = f"case when len({t}) >= 1 then {t}[1] end"
        last = f"case when len({t}) >= 2 then {t}[len({t})] end"
        middle = f"case when len({t}) >= 3 then array_to_string({t}[2:len({t}) - 1], ' ') end"
    else:
        first = last = middle = "null"
    if "dob" in r:
        d = f"trim(coalesce({r['dob']}, ''))"
        dob = (f"strftime(coalesce(try_strptime({d}, '%m/%d/%Y'), try_strptime({d}, '%Y%m%d'), "
               f"try_strptime({d}, '%Y-%m-%d'), try_strptime({d}, '%d/%m/%Y'))::date, '%Y-%m-%d')")
    else:
        dob = "null"
    sex = (f"case when lower(trim(coalesce({r['sex']}, ''))) in ('m', 'male', 'man') then 'm' "
           f"when lower(trim(coalesce({r['sex']}, ''))) in ('f', 'female', 'woman') then 'f' end") if "sex" in r else "null"
    ident = f"nullif(regexp_replace(coalesce({r['id']}, ''), '[^0-9]', '', 'g'), '')" if "id" in r else "null"
    phone = f"nullif(regexp_replace(coalesce({r['phone']}, ''), '[^0-9]', '', 'g'), '')" if "phone" in r else "null"
    parts = [r[k] for k in ("street_number", "street", "unit") if k in r]
    if parts:
        street = norm_text("concat_ws(' ', " + ", ".join(parts) + ")")
    elif "address" in r:
        street = norm_text(r["address"])
    else:
        street = "null"
    city = norm_text(r["city"]) if "city" in r else "null"
    zipc = f"nullif(substr(regexp_replace(upper(coalesce({r['zip']}, '')), '[^A-Z0-9]', '', 'g'), 1, 5), '')" \
        if "zip" in r else "null"
    return f"""
select cast({r['record_id']} as varchar) as unique_id,
  {first} as first_name, {middle} as middle, {last} as last_name,
  {dob} as dob, {sex} as sex, {ident} as id, {phone} as phone,
  {street} as street_line, {city} as city, {zipc} as zip
from {src}"""


FIELD_ROLES = {  # cleaned column -> the roles that can fill it
    "first_name": ("first_name", "full_name"), "last_name": ("last_name", "full_name"),
    "middle": ("middle", "full_name"), "dob": ("dob",), "sex": ("sex",), "id": ("id",), "phone": ("phone",),
    "street_line": ("street_number", "street", "unit", "address"), "city": ("city",), "zip": ("zip",),
}


def model(fields, link):
    has = set(fields)
    comps = []
    if "first_name" in has:
        comps.append(cl.NameComparison("first_name").configure(term_frequency_adjustments=True))
    if "last_name" in has:
        comps.append(cl.NameComparison("last_name").configure(term_frequency_adjustments=True))
    if "middle" in has:
        comps.append(cl.CustomComparison(output_column_name="middle", comparison_levels=[
            cll.NullLevel("middle"),
            cll.CustomLevel("substr(middle_l, 1, 1) = substr(middle_r, 1, 1)", label_for_charts="same initial"),
            cll.ElseLevel()]))  # initials only: census and W-2 files carry a middle initial, not the name
    if "dob" in has:
        comps.append(cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"))
    if "sex" in has:
        comps.append(cl.ExactMatch("sex"))
    if "id" in has:
        comps.append(cl.DamerauLevenshteinAtThresholds("id", [1, 2]))
    if "phone" in has:
        comps.append(cl.DamerauLevenshteinAtThresholds("phone", [1]))
    if "street_line" in has:
        comps.append(cl.CustomComparison(output_column_name="street_line", comparison_levels=[
            cll.NullLevel("street_line"), cll.ExactMatchLevel("street_line", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("street_line", 0.9), cll.JaroWinklerLevel("street_line", 0.8), cll.ElseLevel()]))
    if "city" in has:
        comps.append(cl.CustomComparison(output_column_name="city", comparison_levels=[
            cll.NullLevel("city"), cll.ExactMatchLevel("city", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("city", 0.9), cll.ElseLevel()]))
    if "zip" in has:
        comps.append(cl.LevenshteinAtThresholds("zip", [1]))
    candidates = [
        (("first_name", "last_name"), block_on("first_name", "last_name")),
        (("dob",), block_on("dob")),
        (("id",), block_on("id")),
        (("phone",), block_on("phone")),
        (("last_name", "street_line"), block_on("last_name", "street_line")),
        (("first_name", "street_line"), block_on("first_name", "street_line")),
        (("first_name", "last_name", "dob"),
         block_on("substr(first_name, 1, 1)", "last_name", "substr(dob, 1, 4)")),
    ]
    blocking = [(cols, br) for cols, br in candidates if has.issuperset(cols)]
    deterministic = [br for cols, br in ((("first_name", "last_name", "dob"), block_on("first_name", "last_name", "dob")),
                                         (("id",), block_on("id"))) if has.issuperset(cols)]
    if not deterministic:
        deterministic = [block_on("first_name", "last_name", "street_line")]
    em = []
    if "dob" in has:
        em.append(block_on("dob"))
    elif "id" in has:
        em.append(block_on("id"))
    if has.issuperset(("first_name", "last_name")):
        em.append(block_on("first_name", "last_name"))
    settings = SettingsCreator(unique_id_column_name="unique_id",
                               link_type="link_only" if link else "dedupe_only",
                               blocking_rules_to_generate_predictions=[br for _, br in blocking],
                               comparisons=comps, retain_intermediate_calculation_columns=False,
                               retain_matching_columns=False)
    return settings, [" + ".join(c) for c, _ in blocking], deterministic, em


def run(args):
    link = args.mode == "link"
    inputs = [args.left, args.right] if link else [args.records]
    overrides = dict(kv.split("=", 1) for kv in args.columns.split(",") if kv) if args.columns else {}
    os.makedirs(args.out, exist_ok=True)
    tmp_dir = os.path.join(args.out, ".duckdb_tmp")
    logging.getLogger("splink").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    stages = {}
    con = duckdb.connect()
    con.execute(f"set threads to {int(args.threads)}")
    con.execute(f"set temp_directory = {sql_str(tmp_dir)}")
    db_api = DuckDBAPI(connection=con)
    roles_all, counts = [], []
    for i, p in enumerate(inputs):
        reader = f"read_csv({sql_str(p)}, all_varchar=true, header=true, quote='\"', escape='\"')"
        con.execute(f"create table raw_{i} as select * from {reader}")
        headers = [r[0] for r in con.execute(f"describe raw_{i}").fetchall()]
        roles = find_columns(headers, overrides)
        roles_all.append(roles)
        con.execute(f"create table clean_{i} as " + clean_sql(f"raw_{i}", roles))
        counts.append(con.execute(f"select count(*) from clean_{i}").fetchall()[0][0])
    # the fields every input has
    fields = [f for f, rs in FIELD_ROLES.items() if all(any(x in roles for x in rs) for roles in roles_all)]
    if "middle" in fields and any("middle" not in ro and "full_name" not in ro for ro in roles_all):
        fields.remove("middle")
    # a column that is empty in some input (e.g. an id header with no values) is not compared
    fields = [f for f in fields if all(con.execute(f"select count({f}) from clean_{i}").fetchall()[0][0] > 0
                                       for i in range(len(inputs)))]
    settings, rule_names, deterministic, em = model(fields, link)
    names = ("left_file", "right_file") if link else ("records",)
    sdfs = [db_api.register(con.table(f"clean_{i}"), dataset_display_name=names[i]) for i in range(len(inputs))]
    stages["load_clean_s"] = time.perf_counter() - t0

    t = time.perf_counter()
    linker = Linker(sdfs if link else sdfs[0], settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=args.u_max_pairs, seed=args.seed)
    for br in em:
        linker.training.estimate_parameters_using_expectation_maximisation(br)
    stages["train_s"] = time.perf_counter() - t
    t = time.perf_counter()
    preds = linker.inference.predict(threshold_match_probability=args.threshold)
    stages["predict_s"] = time.perf_counter() - t
    t = time.perf_counter()
    if link:
        output = os.path.join(args.out, "links.csv")
        left = "case when source_dataset_l = 'left_file'"
        con.execute(
            f"copy (select {left} then unique_id_l else unique_id_r end as left_id, "
            f"{left} then unique_id_r else unique_id_l end as right_id, match_probability "
            f"from {preds.physical_name} where match_probability >= {args.threshold} "
            f"and source_dataset_l <> source_dataset_r order by 1, 2) to {sql_str(output)} (header)")
    else:
        output = os.path.join(args.out, "clusters.csv")
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            preds, threshold_match_probability=args.threshold)
        con.execute(f"copy (select unique_id as record_id, cluster_id from {clusters.physical_name} "
                    f"order by cluster_id, record_id) to {sql_str(output)} (header)")
    stages["cluster_write_s"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    res = {"tool": f"splink {splink.__version__} + duckdb {duckdb.__version__}", "mode": args.mode,
           "inputs": [{"path": os.path.abspath(p), "records": n, "columns": ro}
                      for p, n, ro in zip(inputs, counts, roles_all)],
           "fields_compared": fields, "blocking_rules": rule_names, "threads": args.threads,
           "threshold": args.threshold, "total_s": total, "stages_s": stages,
           "import_s": T_IMPORTED - T_START, "peak_rss_mb": rss, "output": os.path.abspath(output),
           "pairs_above_threshold": int(con.execute(
               f"select count(*) from {preds.physical_name} where match_probability >= {args.threshold}").fetchall()[0][0]),
           "training": {"u_max_pairs": args.u_max_pairs, "seed": args.seed, "prior_recall": 0.7}}
    if args.truth:
        truth = scorer.read_truth(args.truth)
        kind, pred = scorer.read_pred(output)
        res["score"] = scorer.score(truth, kind, pred, link=link)
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(res, f, indent=2, default=str)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    print(f"splink_english {args.mode}: records={sum(counts)} fields={','.join(fields)} total={total:.1f}s "
          f"pairs>={args.threshold}={res['pairs_above_threshold']}")
    if "score" in res:
        print(scorer.format_report(res["score"]))
    return res


def main(argv=None):
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", required=True)
    common.add_argument("--truth")
    common.add_argument("--columns", default="", help="role=header,... (overrides the header aliases)")
    common.add_argument("--threshold", type=float, default=0.95)
    common.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    common.add_argument("--u-max-pairs", type=float, default=1e7)
    common.add_argument("--seed", type=int, default=42)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    d = sub.add_parser("dedupe", parents=[common])
    d.add_argument("records")
    lk = sub.add_parser("link", parents=[common])
    lk.add_argument("left")
    lk.add_argument("right")
    run(ap.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
