//! The bad-input corpus: every case in `tests/bad_inputs/*.case` runs one spsim command
//! in a fresh temporary folder and must fail with its expected exit code and message,
//! write nothing, change nothing (in the temporary folder, a sibling folder standing for
//! "outside", or the repository's `results/`) and never panic.
//!
//! A case file is directives, then files:
//!
//! ```text
//! # what: one line saying what is wrong
//! # setup: dir out | file out/notes.txt keep | symlink link target | fifo f | bytes f.toml 00ff
//!          | big f.toml 2000000 | chain 100 | copy case-file into/place | remove f   (any number)
//! # pre: sweep small.toml --out sw --quiet         (commands that must succeed, run
//!                                                   before the setup lines)
//! # args: run s.toml --out out --quiet             (the command under test; {root} = the
//! #                                                 temporary root, the command runs in {root}/work)
//! # exit: 2
//! # expect: s.toml:2:16                            (fragments of stderr + stdout, any number)
//! --- s.toml
//! [policy]
//! max_sessions = "ten"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::repo;

#[derive(Debug, Default)]
struct Case {
    name: String,
    what: String,
    setup: Vec<String>,
    pre: Vec<String>,
    args: String,
    exit: i32,
    expect: Vec<String>,
    files: Vec<(String, String)>,
}

fn parse(name: &str, text: &str) -> Case {
    let mut case = Case { name: name.to_string(), exit: -1, ..Case::default() };
    let mut current: Option<(String, String)> = None;
    for line in text.split_inclusive('\n') {
        if let Some(file) = line.strip_prefix("--- ") {
            if let Some(f) = current.take() {
                case.files.push(f);
            }
            current = Some((file.trim().to_string(), String::new()));
            continue;
        }
        if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            continue;
        }
        let Some(d) = line.strip_prefix("# ") else { continue };
        let (key, value) = d.split_once(':').unwrap_or_else(|| panic!("{name}: bad directive {d:?}"));
        let value = value.trim().to_string();
        match key {
            "what" => case.what = value,
            "setup" => case.setup.push(value),
            "pre" => case.pre.push(value),
            "args" => case.args = value,
            "exit" => case.exit = value.parse().unwrap(),
            "expect" => case.expect.push(value),
            other => panic!("{name}: unknown directive {other}"),
        }
    }
    if let Some(f) = current.take() {
        case.files.push(f);
    }
    assert!(!case.what.is_empty() && !case.args.is_empty() && case.exit >= 0, "{name}: needs what, args and exit");
    assert!(!case.expect.is_empty(), "{name}: needs at least one expect");
    case
}

fn setup(work: &Path, line: &str) {
    let words: Vec<&str> = line.split_whitespace().collect();
    let p = |rel: &str| work.join(rel);
    match words.as_slice() {
        ["dir", d] => std::fs::create_dir_all(p(d)).unwrap(),
        ["file", f, rest @ ..] => {
            std::fs::create_dir_all(p(f).parent().unwrap()).unwrap();
            std::fs::write(p(f), rest.join(" ")).unwrap()
        }
        ["remove", f] => std::fs::remove_file(p(f)).unwrap(),
        ["copy", from, to] => {
            std::fs::create_dir_all(p(to).parent().unwrap()).unwrap();
            std::fs::copy(p(from), p(to)).unwrap();
        }
        ["symlink", link, target] => std::os::unix::fs::symlink(target, p(link)).unwrap(),
        ["fifo", f] => {
            let ok = Command::new("mkfifo").arg(p(f)).status().unwrap().success();
            assert!(ok, "mkfifo");
        }
        ["bytes", f, hex] => {
            let bytes: Vec<u8> =
                (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
            std::fs::write(p(f), bytes).unwrap()
        }
        ["big", f, n] => {
            let n: usize = n.parse().unwrap();
            let mut text = String::from("[[region]]\n");
            while text.len() < n {
                text.push_str("# padding padding padding padding padding padding padding padding\n");
            }
            std::fs::write(p(f), text).unwrap()
        }
        ["chain", n] => {
            // c0.toml extends c1.toml ... extends cN.toml, which has a region.
            let n: usize = n.parse().unwrap();
            for i in 0..n {
                std::fs::write(p(&format!("c{i}.toml")), format!("extends = \"c{}.toml\"\n", i + 1)).unwrap();
            }
            std::fs::write(p(&format!("c{n}.toml")), "[[region]]\nname = \"a\"\n").unwrap();
        }
        other => panic!("unknown setup {other:?}"),
    }
}

/// Every path under `dir` with its kind and content (symlinks are not followed); with
/// `deep` false, files by length and modification time only.
fn snapshot_with(dir: &Path, deep: bool) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(list) = std::fs::read_dir(&d) else { continue };
        for e in list.flatten() {
            let path = e.path();
            let ft = e.file_type().unwrap();
            let what = if ft.is_symlink() {
                format!("link {}", std::fs::read_link(&path).unwrap().display())
            } else if ft.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else if ft.is_file() && !deep {
                let m = e.metadata().unwrap();
                format!("file {} {:?}", m.len(), m.modified().ok())
            } else if ft.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                format!(
                    "file {} {:x}",
                    bytes.len(),
                    bytes.iter().fold(0u64, |h, &b| h.wrapping_mul(31).wrapping_add(b as u64))
                )
            } else {
                "special".to_string()
            };
            out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), what);
        }
    }
    out
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    snapshot_with(dir, true)
}

fn words(line: &str, root: &Path) -> Vec<String> {
    line.split_whitespace().map(|w| w.replace("{root}", root.to_str().unwrap())).collect()
}

fn run_case(case: &Case) -> Result<(), String> {
    let root = tempfile::tempdir().unwrap();
    let work = root.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(root.path().join("outside")).unwrap();
    std::fs::write(root.path().join("outside/keep.txt"), "outside").unwrap();
    for (name, text) in &case.files {
        let p = work.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    for pre in &case.pre {
        let o = Command::new(env!("CARGO_BIN_EXE_spsim"))
            .args(words(pre, root.path()))
            .current_dir(&work)
            .output()
            .unwrap();
        if !o.status.success() {
            return Err(format!("pre-command `{pre}` failed: {}", String::from_utf8_lossy(&o.stderr)));
        }
    }
    for s in &case.setup {
        setup(&work, s);
    }
    let before = snapshot(root.path());
    let results_before = snapshot_with(&repo("results"), false);
    let o = Command::new(env!("CARGO_BIN_EXE_spsim"))
        .args(words(&case.args, root.path()))
        .current_dir(&work)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&o.stderr), String::from_utf8_lossy(&o.stdout));
    let mut problems = Vec::new();
    if o.status.code() != Some(case.exit) {
        problems.push(format!("exit {:?}, expected {}", o.status.code(), case.exit));
    }
    for e in &case.expect {
        if !text.contains(e.as_str()) {
            problems.push(format!("output lacks {e:?}"));
        }
    }
    if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
        problems.push("it panicked".into());
    }
    let after = snapshot(root.path());
    if after != before {
        let changed: Vec<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| k.display().to_string())
            .collect();
        problems.push(format!("files changed: {changed:?}"));
    }
    if snapshot_with(&repo("results"), false) != results_before {
        problems.push("the repository's results/ changed".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{} ({}): {}\n--- output:\n{text}", case.name, case.what, problems.join("; ")))
    }
}

fn cases() -> Vec<Case> {
    let dir = repo("tests/bad_inputs");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "case"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| parse(&p.file_name().unwrap().to_string_lossy(), &std::fs::read_to_string(p).unwrap()))
        .collect()
}

#[test]
fn every_bad_input_is_refused_cleanly_and_writes_nothing() {
    let cases = cases();
    assert!(cases.len() >= 60, "the corpus has {} cases; it should keep at least 60", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}
