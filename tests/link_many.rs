//! Link and dedupe of many files (issue 14): `vnlink link A B C` clusters records across all the
//! inputs and inside each, one cluster per person; its outputs name each record's source.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::util::{rows, s, vnlink_ok};

const HEADER: &str = "record_id,full_name,dob,sex,address,id_number,phone\n";

/// Three agency lists of four people written differently, one person twice in one list, and
/// a namesake of another person (other date, other id) who must stay apart.
fn three_files(dir: &Path) -> [std::path::PathBuf; 3] {
    let files = [
        (
            "registry.csv",
            "R1,Nguyễn Văn Hùng,05/03/1980,Nam,\"12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM\",079080001234,0903123456\n\
             R2,Trần Thị Thu Hà,12/11/1992,Nữ,\"Thôn Đông, xã Tiên Dương, huyện Đông Anh, Hà Nội\",001192004567,0988111222\n\
             R3,Lê Minh Tuấn,03/04/1988,Nam,\"45 Lê Văn Việt, P. Hiệp Phú, Q.9, TP.HCM\",079088005678,0912345678\n\
             R4,Phạm Thị Lan,20/07/1975,Nữ,\"Số 7 Hàng Bông, P. Hàng Gai, Q. Hoàn Kiếm, Hà Nội\",001175009876,0977000111\n\
             R5,Nguyễn Văn Hùng,22/09/1985,Nam,\"Số 3 Kim Mã, P. Kim Mã, Q. Ba Đình, Hà Nội\",001085007777,0965432100\n",
        ),
        (
            "school.csv",
            "S1,NGUYEN VAN HUNG,1980-03-05,M,\"12 Le Loi, phuong Ben Nghe, quan 1, Ho Chi Minh\",079080001234,\n\
             S2,Tran Thi Thu Ha,1992-11-12,F,\"thon Dong, xa Tien Duong, Dong Anh, Ha Noi\",001192004567,\n\
             S3,Le Minh Tuan,1988-04-03,M,\"45 Le Van Viet, Hiep Phu, Thu Duc, Ho Chi Minh\",079088005678,\n\
             S4,Trần Thị Thu Hà,12/11/1992,Nữ,\"Thôn Đông, Tiên Dương, Đông Anh, Hà Nội\",001192004567,0988111222\n",
        ),
        (
            "phones.csv",
            "P1,Hùng Nguyễn Văn,05/03/1980,Nam,\"12 Lê Lợi, Bến Nghé, Quận 1, TP Hồ Chí Minh\",,84903123456\n\
             P2,Phạm Thị Lan,20/07/1975,Nữ,\"7 Hàng Bông, Hàng Gai, Hoàn Kiếm, Hà Nội\",001175009876,+84 977 000 111\n\
             P3,Lê Minh Tuấn,03/04/1988,Nam,,079088005678,0912 345 678\n",
        ),
    ];
    files.map(|(name, body)| {
        let p = dir.join(name);
        std::fs::write(&p, format!("{HEADER}{body}")).unwrap();
        p
    })
}

#[test]
fn three_files_give_one_cluster_per_person() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b, c] = three_files(dir.path());
    let out = dir.path().join("out");
    // Exit 1: too few pairs to train on, the reference model is used (and said).
    vnlink_ok(&["link", s(&a), s(&b), s(&c), "--out", s(&out), "-q"], 1);

    let clusters = rows(&out.join("clusters.csv"));
    assert_eq!(clusters.len(), 12, "every record once");
    let cluster: HashMap<(String, String), String> =
        clusters.into_iter().map(|r| ((r[0].clone(), r[1].clone()), r[2].clone())).collect();
    let of = |src: &str, id: &str| cluster[&(src.to_owned(), id.to_owned())].clone();
    let people: [&[(&str, &str)]; 5] = [
        &[("registry", "R1"), ("school", "S1"), ("phones", "P1")],
        &[("registry", "R2"), ("school", "S2"), ("school", "S4")],
        &[("registry", "R3"), ("school", "S3"), ("phones", "P3")],
        &[("registry", "R4"), ("phones", "P2")],
        &[("registry", "R5")],
    ];
    let mut seen = HashSet::new();
    for person in people {
        let ids: HashSet<String> = person.iter().map(|(s, i)| of(s, i)).collect();
        assert_eq!(ids.len(), 1, "{person:?} is one cluster: {ids:?}");
        assert!(seen.insert(ids.into_iter().next().unwrap()), "{person:?} has its own cluster");
    }
    assert_eq!(of("registry", "R1"), "registry:R1", "a cluster is named by its first record");

    // links.csv holds the pairs across files only; pairs.csv every pair, with its levels.
    let links = rows(&out.join("links.csv"));
    assert!(!links.is_empty() && links.iter().all(|r| r[0] != r[2]), "links are across inputs");
    let pairs = rows(&out.join("pairs.csv"));
    assert!(pairs.len() >= links.len());
    // A level per field, and the cluster column.
    assert!(pairs.iter().all(|r| r.len() == links[0].len() + 7), "a level per field");
    assert!(
        pairs.iter().all(|r| r[r.len() - 1] == "joined" || r[r.len() - 1] == "split_cannot_link")
    );
    assert!(pairs.iter().any(|r| r[..4] == ["registry", "R2", "school", "S4"]));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["mode"], "link_and_dedupe");
    assert_eq!(report["sources"], serde_json::json!(["registry", "school", "phones"]));
}

#[test]
fn link_and_dedupe_matches_a_dedupe_of_the_union() {
    // One generated file split in three by row: the clusters of the three are those of the
    // union, as good as a dedupe of the one file.
    let dir = tempfile::tempdir().unwrap();
    crate::util::generate(dir.path(), "dedupe", 1500, 9);
    let all = rows(&dir.path().join("records.csv"));
    let mut parts = vec![String::from(HEADER); 3];
    for (i, r) in all.iter().enumerate() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(r).unwrap();
        parts[i % 3].push_str(&String::from_utf8(w.into_inner().unwrap()).unwrap());
    }
    let files: Vec<std::path::PathBuf> = parts
        .iter()
        .enumerate()
        .map(|(k, body)| {
            let p = dir.path().join(format!("part{k}.csv"));
            std::fs::write(&p, body).unwrap();
            p
        })
        .collect();
    let out = dir.path().join("many");
    vnlink_ok(&["link", s(&files[0]), s(&files[1]), s(&files[2]), "--out", s(&out), "-q"], 0);
    let truth = dir.path().join("truth.csv");
    let e = crate::util::eval(&truth, "--clusters", &out.join("clusters.csv"));
    let f1 = e["pairwise"]["f1"].as_f64().unwrap();
    let one = dir.path().join("one");
    vnlink_ok(&["dedupe", s(&dir.path().join("records.csv")), "--out", s(&one), "-q"], 0);
    let single = crate::util::eval(&truth, "--clusters", &one.join("clusters.csv"));
    let f1_single = single["pairwise"]["f1"].as_f64().unwrap();
    assert!(f1 >= 0.97 && (f1 - f1_single).abs() < 0.01, "three files {f1}, one file {f1_single}");
}
