//! Which files are notes (SPEC §1): extensions, hidden files, `exclude`
//! globs, reports, and symlinks (not followed by default; with
//! `follow_symlinks = true`, a loop is reported once and skipped).

use crate::util::{handles, person, Vault};

#[test]
fn only_md_and_markdown_files_outside_hidden_folders_are_notes() {
    let vault = Vault::with_files(&[
        ("a.md", "- 2026-11-01 @in-md\n"),
        ("b.markdown", "- 2026-11-01 @in-markdown\n"),
        ("c.txt", "- 2026-11-01 @in-txt\n"),
        ("d.md.bak", "- 2026-11-01 @in-bak\n"),
        (".hidden.md", "- 2026-11-01 @in-hidden-file\n"),
        (".obsidian/w.md", "- 2026-11-01 @in-hidden-folder\n"),
        ("deep/er/e.md", "- 2026-11-01 @in-deep\n"),
    ]);
    let people = vault.json(&["people"]);
    assert_eq!(handles(&people), ["in-deep", "in-markdown", "in-md"]);
}

#[test]
fn exclude_globs_work_like_gitignore() {
    let vault = Vault::with_files(&[
        (
            ".relnotes.toml",
            "exclude = [\"templates/**\", \"drafts\", \"*.tmp.md\"]\n",
        ),
        ("keep.md", "- 2026-11-01 @kept\n"),
        ("templates/daily.md", "- 2026-11-01 @template\n"),
        ("a/drafts/x.md", "- 2026-11-01 @draft\n"),
        ("b/scratch.tmp.md", "- 2026-11-01 @scratch\n"),
    ]);
    let people = vault.json(&["people"]);
    assert_eq!(handles(&people), ["kept"]);
}

#[test]
fn the_example_vault_skips_what_it_should() {
    // vault-expected.md, "What is read, what is not": each skipped file
    // would change a visible answer if it were read.
    let vault = Vault::fixture("vault");
    let people = vault.json(&["people"]);
    let alice = person(&people, "alice").unwrap();
    assert_eq!(alice["mentions"], 7, "templates/daily.md must be excluded");
    assert_eq!(
        alice["last_gave"], "2026-11-18",
        ".obsidian/ must be skipped"
    );
    let jen = person(&people, "jen").unwrap();
    assert_eq!(
        jen["first_contact"], "2026-10-12",
        "archive report must be skipped"
    );
}

#[test]
fn symlinks_are_not_followed_by_default() {
    let outside = Vault::with_files(&[("x.md", "- 2026-11-01 @outside\n")]);
    let vault = Vault::with_files(&[("a.md", "- 2026-11-01 @inside\n")]);
    std::os::unix::fs::symlink(outside.path("x.md"), vault.path("link.md")).unwrap();
    std::os::unix::fs::symlink(outside.root(), vault.path("linked-folder")).unwrap();
    let people = vault.json(&["people"]);
    assert_eq!(handles(&people), ["inside"]);
    // With follow_symlinks = true both are read.
    vault.write(".relnotes.toml", "follow_symlinks = true\n");
    let people = vault.json(&["people"]);
    assert_eq!(handles(&people), ["inside", "outside"]);
}

#[test]
fn symlink_loop_is_reported_once_and_does_not_hang() {
    let vault = Vault::with_files(&[
        (".relnotes.toml", "follow_symlinks = true\n"),
        ("a/note.md", "- 2026-11-01 lunch with @sym #gave\n"),
    ]);
    std::os::unix::fs::symlink("..", vault.path("a/loop")).unwrap();

    // The hang guard in `Run` fails the test if the walk never ends.
    let check = vault.run(&["check"]);
    assert!(check.code == 0 || check.code == 1, "{}", check.stderr);
    check.assert_no_root(&vault);
    let loops: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.to_lowercase().contains("loop"))
        .collect();
    assert_eq!(loops.len(), 1, "the loop once:\n{}", check.stdout);
    assert!(loops[0].starts_with("a/loop:"), "{}", loops[0]);

    // The note is read once, not once per trip round the loop.
    let people = vault.json(&["people"]);
    assert_eq!(handles(&people), ["sym"]);
    assert_eq!(person(&people, "sym").unwrap()["mentions"], 1);
    for args in [&["report"][..], &["due"], &["export", "--format", "ics"]] {
        vault.ok(args);
    }
}
