use crate::common::{TestEnv, b3, record_files, write};

#[test]
fn record_writes_a_content_addressed_manifest() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "a,b\n1,2\n");
    write(&repo.join("model/model.bin"), [0u8, 1, 2, 3]);
    let run = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "train",
                "--name",
                "fraud-model",
                "-i",
                "dataset=data/train.csv",
                "-o",
                "model/model.bin",
                "-p",
                "lr=0.1",
            ],
        )
        .success();
    let id = run.stdout.trim();
    let files = record_files(&repo);
    assert_eq!(files.len(), 1);
    let bytes = std::fs::read(&files[0]).unwrap();
    assert_eq!(b3(&bytes), id);
    assert_eq!(
        files[0],
        repo.join(format!(".lineage/records/{}/{id}.yaml", &id[..2]))
    );
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains(&format!("hash: blake3:{}", b3(b"a,b\n1,2\n"))),
        "{text}"
    );
}
