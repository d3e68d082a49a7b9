//! `relnotes lsp`: the real binary spoken to over its stdio with LSP's
//! Content-Length framing, on temp copies of the fixtures. Answers are
//! held to the CLI's for the same saved notes; bad input of every kind
//! must cost one error, never the session. One test drives the server
//! from a real editor, Neovim headless.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{channel, Receiver};

use serde_json::{json, Value};

use crate::util::{Vault, HANG_GUARD};

/// A client speaking to one `relnotes lsp` process.
struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    /// Notifications and requests from the server, in arrival order.
    seen: Vec<Value>,
    next: u64,
}

impl Client {
    /// Starts `relnotes --dir <root> --today 2026-11-23 lsp`.
    fn start(vault: &Vault) -> Client {
        let mut cmd = vault.std_command();
        cmd.arg("lsp");
        Client::spawn(cmd)
    }

    fn spawn(mut cmd: std::process::Command) -> Client {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start relnotes lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    let (k, v) = line.split_once(':').expect("header line");
                    assert!(k.eq_ignore_ascii_case("content-length"), "header {line}");
                    len = Some(v.trim().parse::<usize>().expect("length"));
                }
                let mut body = vec![0; len.expect("Content-Length")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("server sent JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            seen: Vec::new(),
            next: 1,
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write to server");
        self.stdin.flush().expect("flush");
    }

    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).unwrap();
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend(body);
        self.raw(&framed);
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn recv(&mut self) -> Value {
        self.rx
            .recv_timeout(HANG_GUARD)
            .expect("the server answered in time (is it still running?)")
    }

    /// Sends a request and returns the whole response (result or error).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.answer(&json!(id))
    }

    /// Waits for the response with `id`.
    fn answer(&mut self, id: &Value) -> Value {
        loop {
            let m = self.recv();
            if m.get("method").is_none() && m.get("id") == Some(id) {
                return m;
            }
            self.seen.push(m);
        }
    }

    /// A request's result; fails on an error response.
    fn result(&mut self, method: &str, params: Value) -> Value {
        let r = self.call(method, params);
        assert!(r.get("error").is_none(), "{method}: {r}");
        r["result"].clone()
    }

    /// Waits for a notification `method` whose params satisfy `want`.
    fn wait_for(&mut self, method: &str, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self
            .seen
            .iter()
            .position(|m| m["method"] == method && want(&m["params"]))
        {
            return self.seen.remove(i)["params"].clone();
        }
        loop {
            let m = self.recv();
            if m["method"] == method && want(&m["params"]) {
                return m["params"].clone();
            }
            self.seen.push(m);
        }
    }

    fn initialize(&mut self, caps: Value) -> Value {
        let r = self.result(
            "initialize",
            json!({"capabilities": caps, "processId": null}),
        );
        self.notify("initialized", json!({}));
        r
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    /// Diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let p = self.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["version"] == version
        });
        p["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// shutdown, exit, and the exit code.
    fn finish(mut self) -> i32 {
        let r = self.call("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().expect("wait for the server");
        status.code().unwrap_or(-1)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(vault: &Vault, rel: &str) -> String {
    relnotes::lsp::uri::from_path(&vault.path(rel))
}

fn at(line: usize, character: usize) -> Value {
    json!({"line": line, "character": character})
}

fn pos_params(uri: &str, line: usize, character: usize) -> Value {
    json!({"textDocument": {"uri": uri}, "position": at(line, character)})
}

/// The line and UTF-16 column of the first `needle` in `text`.
fn find(text: &str, needle: &str) -> (usize, usize) {
    let i = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in text"));
    let line = text[..i].matches('\n').count();
    let start = text[..i].rfind('\n').map_or(0, |j| j + 1);
    (line, text[start..i].encode_utf16().count())
}

#[test]
fn lsp_completion_hover_definition_equal_the_cli() {
    let vault = Vault::fixture("vault");
    let mut c = Client::start(&vault);
    let init = c.initialize(json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let rel = "journal/2026-11-20.md";
    let text = vault.read(rel) + "- lunch with @\n";
    let u = uri(&vault, rel);
    c.open(&u, &text);

    // Completion after `@`: everyone `people` lists, most recent contact first.
    let people = vault.json(&["people"]);
    let rows = people["people"].as_array().unwrap();
    let (line, col) = find(&text, "with @");
    let list = c.result("textDocument/completion", pos_params(&u, line, col + 6));
    let items = list["items"].as_array().unwrap();
    let got: BTreeSet<&str> = items.iter().map(|i| i["label"].as_str().unwrap()).collect();
    let want: BTreeSet<&str> = rows.iter().map(|r| r["handle"].as_str().unwrap()).collect();
    assert_eq!(got, want);
    let contacts: Vec<Option<&str>> = items
        .iter()
        .map(|i| {
            let h = i["label"].as_str().unwrap();
            rows.iter().find(|r| r["handle"] == h).unwrap()["last_contact"].as_str()
        })
        .collect();
    let mut sorted = contacts.clone();
    sorted.sort_by(|a, b| match (a, b) {
        (Some(a), Some(b)) => b.cmp(a),
        (a, b) => b.is_some().cmp(&a.is_some()),
    });
    assert_eq!(contacts, sorted, "most recently contacted first");
    let bob = items.iter().find(|i| i["label"] == "bob-okafor").unwrap();
    assert!(
        bob["detail"]
            .as_str()
            .unwrap()
            .starts_with("Bob Okafor · last contact "),
        "{bob}"
    );
    assert!(
        bob["filterText"].as_str().unwrap().contains("bobby"),
        "{bob}"
    );

    // Hover on `@bob`: the card says what `show` says.
    let show = vault.json(&["show", "bob"]);
    let (line, col) = find(&text, "@bob");
    let hover = c.result("textDocument/hover", pos_params(&u, line, col + 2));
    let card = hover["contents"]["value"].as_str().unwrap();
    let p = &show["person"];
    assert!(card.contains(p["name"].as_str().unwrap()), "{card}");
    assert!(
        card.contains(&format!(
            "last contact: {}",
            p["last_contact"].as_str().unwrap()
        )),
        "{card}"
    );
    assert!(card.contains("Acme Corp"), "{card}");
    assert!(card.contains("birthday: 11-23 (today)"), "{card}");
    for commitment in show["commitments"].as_array().unwrap() {
        let link = format!(
            "{}:{}",
            commitment["file"].as_str().unwrap(),
            commitment["line"]
        );
        assert!(card.contains(&link), "{link} in {card}");
    }
    assert_eq!(hover["range"]["start"], at(line, col));
    assert_eq!(hover["range"]["end"], at(line, col + 4));

    // Definition: the person page.
    let def = c.result("textDocument/definition", pos_params(&u, line, col + 1));
    assert_eq!(def["uri"], uri(&vault, p["page"].as_str().unwrap()));

    // References: every timeline entry off the page and every commitment.
    let refs = c.result(
        "textDocument/references",
        json!({"textDocument": {"uri": u}, "position": at(line, col + 1),
               "context": {"includeDeclaration": false}}),
    );
    let refs: BTreeSet<(String, u64)> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let path = relnotes::lsp::uri::to_path(l["uri"].as_str().unwrap()).unwrap();
            let rel = path
                .strip_prefix(vault.root())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, l["range"]["start"]["line"].as_u64().unwrap() + 1)
        })
        .collect();
    let page = p["page"].as_str().unwrap();
    for row in show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .chain(show["commitments"].as_array().unwrap())
    {
        let file = row["file"].as_str().unwrap().to_string();
        if file != page {
            assert!(
                refs.contains(&(file.clone(), row["line"].as_u64().unwrap())),
                "{row} in {refs:?}"
            );
        }
    }

    // Workspace symbols: people.
    let syms = c.result("workspace/symbol", json!({"query": "okafor"}));
    assert_eq!(syms[0]["name"], "Bob Okafor", "{syms}");

    // Tags after `#`: kind tags first.
    let tagged = text.clone() + "- thanks #";
    c.change(&u, 2, &tagged);
    let n = tagged.lines().count() - 1;
    let tags = c.result("textDocument/completion", pos_params(&u, n, 10));
    assert_eq!(tags["items"][0]["label"], "#gave", "{tags}");
    let labels: Vec<&str> = tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"#helped") && labels.contains(&"#got"),
        "{labels:?}"
    );

    // Inside `[[`: the page name, and the link closed.
    let linked = text.clone() + "- see [[Ali";
    c.change(&u, 3, &linked);
    let n = linked.lines().count() - 1;
    let list = c.result("textDocument/completion", pos_params(&u, n, 11));
    let alice = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "Alice Chen")
        .unwrap_or_else(|| panic!("Alice Chen in {list}"));
    assert_eq!(alice["textEdit"]["newText"], "Alice Chen]]");
    assert_eq!(alice["textEdit"]["range"]["start"], at(n, 8));

    // Someone without a page: their first mention, in byte order of path.
    let rel = "journal/2026-11-22.md";
    let other = vault.read(rel);
    let u2 = uri(&vault, rel);
    c.open(&u2, &other);
    let (line, col) = find(&other, "@yusuf");
    let def = c.result("textDocument/definition", pos_params(&u2, line, col + 1));
    let first = vault.read("daily.journal.2026.11.12.md");
    let (fl, fc) = find(&first, "@yusuf");
    assert_eq!(
        def["uri"],
        uri(&vault, "daily.journal.2026.11.12.md"),
        "{def}"
    );
    assert_eq!(def["range"]["start"], at(fl, fc));
    assert_eq!(c.finish(), 0);
}

#[test]
fn lsp_diagnostics_equal_check_for_every_saved_note() {
    let vault = Vault::fixture("vault");
    let check = vault.run(&["check", "--format", "json"]).json();
    let mut by_path: BTreeMap<String, Vec<(u64, String, String)>> = BTreeMap::new();
    for d in check.as_array().unwrap() {
        by_path
            .entry(d["path"].as_str().unwrap().to_string())
            .or_default()
            .push((
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            ));
    }
    let mut c = Client::start(&vault);
    c.initialize(json!({}));
    let notes: Vec<String> = vault
        .snapshot_files()
        .into_keys()
        .filter(|p| {
            p.ends_with(".md") && !p.starts_with("templates/") && !p.starts_with("archive/")
        })
        .collect();
    assert!(notes.len() > 10);
    for rel in &notes {
        let text = String::from_utf8_lossy(&std::fs::read(vault.path(rel)).unwrap()).into_owned();
        let u = uri(&vault, rel);
        c.open(&u, &text);
        let got: Vec<(u64, String, String)> = c
            .diagnostics(&u, 1)
            .iter()
            .map(|d| {
                let sev = if d["severity"] == 1 {
                    "error"
                } else {
                    "warning"
                };
                (
                    d["range"]["start"]["line"].as_u64().unwrap() + 1,
                    sev.to_string(),
                    d["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut want = by_path.remove(rel).unwrap_or_default();
        // A whole-file problem (line 0) is shown on the first line.
        for w in &mut want {
            w.0 = w.0.max(1);
        }
        assert_eq!(got, want, "{rel}");
    }
    assert_eq!(c.finish(), 0);
}

#[test]
fn lsp_unsaved_typo_gets_a_diagnostic_a_fix_and_a_page_action() {
    let vault = Vault::fixture("vault");
    let before = vault.snapshot_files();
    let mut c = Client::start(&vault);
    c.initialize(json!({}));
    let rel = "ideas.md";
    let u = uri(&vault, rel);
    let text = vault.read(rel);
    c.open(&u, &text);
    c.diagnostics(&u, 1);
    let edited = format!("{text}\n- 2026-11-23 lunch with 👋 @alixe and @zora-newman\n");
    c.change(&u, 2, &edited);
    let diags = c.diagnostics(&u, 2);
    let (line, col) = find(&edited, "@alixe");
    let typo = diags
        .iter()
        .find(|d| d["message"] == "@alixe looks like a typo of @alice")
        .unwrap_or_else(|| panic!("typo diagnostic in {diags:?}"));
    assert_eq!(typo["range"]["start"], at(line, col));
    assert_eq!(typo["range"]["end"], at(line, col + 6));

    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": {"start": at(line, col + 1), "end": at(line, col + 1)},
               "context": {"diagnostics": [typo]}}),
    );
    let fix = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Replace @alixe with @alice")
        .unwrap_or_else(|| panic!("fix in {actions}"));
    let edit = &fix["edit"]["changes"][&u][0];
    assert_eq!(edit["newText"], "alice");
    assert_eq!(edit["range"]["start"], at(line, col + 1));
    assert_eq!(edit["range"]["end"], at(line, col + 6));

    let (line, col) = find(&edited, "@zora-newman");
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": {"start": at(line, col + 2), "end": at(line, col + 2)},
               "context": {"diagnostics": []}}),
    );
    let create = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Create person page people/zora-newman.md for @zora-newman")
        .unwrap_or_else(|| panic!("create action in {actions}"));
    let changes = create["edit"]["documentChanges"].as_array().unwrap();
    assert_eq!(changes[0]["kind"], "create");
    assert_eq!(changes[0]["uri"], uri(&vault, "people/zora-newman.md"));
    assert!(changes[1]["edits"][0]["newText"]
        .as_str()
        .unwrap()
        .contains("handle: zora-newman"));
    assert_eq!(c.finish(), 0);
    assert_eq!(
        vault.snapshot_files(),
        before,
        "relnotes lsp wrote nothing into the notes"
    );
}

#[test]
fn lsp_picks_up_saved_and_outside_changes_through_the_index_sync() {
    let vault = Vault::fixture("vault");
    let mut c = Client::start(&vault);
    c.initialize(json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}));
    // The server asks to be told about notes changing.
    let reg = c.wait_for("client/registerCapability", |_| true);
    assert_eq!(
        reg["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    let rel = "log.md";
    let u = uri(&vault, rel);
    let text = vault.read(rel) + "\n- @\n";
    c.open(&u, &text);
    let n = text.lines().count() - 1;
    let labels = |c: &mut Client| -> Vec<String> {
        let r = c.result("textDocument/completion", pos_params(&u, n, 3));
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!labels(&mut c).contains(&"xiomara".to_string()));
    // Written outside the editor, then reported by the editor's watcher.
    vault.write("journal/2026-11-23.md", "- coffee with @xiomara #got\n");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&vault, "journal/2026-11-23.md"), "type": 1}]}),
    );
    let after = labels(&mut c);
    assert_eq!(after[0], "xiomara", "contacted today, so first: {after:?}");
    // A save runs the same sync, of the saved note alone (this client
    // tells of changes on disk); removed, a note is forgotten.
    vault.write(rel, vault.read(rel) + "\n- lunch with @yolanda #got\n");
    c.notify("textDocument/didSave", json!({"textDocument": {"uri": u}}));
    assert!(labels(&mut c).contains(&"yolanda".to_string()));
    std::fs::remove_file(vault.path("journal/2026-11-23.md")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&vault, "journal/2026-11-23.md"), "type": 3}]}),
    );
    assert!(!labels(&mut c).contains(&"xiomara".to_string()));
    assert_eq!(c.finish(), 0);
}

#[test]
fn lsp_without_watched_files_a_save_finds_changes_made_outside_the_editor() {
    let vault = Vault::fixture("vault");
    let mut c = Client::start(&vault);
    c.initialize(json!({}));
    let u = uri(&vault, "log.md");
    let text = vault.read("log.md") + "\n- @\n";
    c.open(&u, &text);
    let n = text.lines().count() - 1;
    let has = |c: &mut Client, who: &str| -> bool {
        let r = c.result("textDocument/completion", pos_params(&u, n, 3));
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["label"] == who)
    };
    assert!(!has(&mut c, "xiomara"));
    vault.write("journal/2026-11-23.md", "- coffee with @xiomara #got\n");
    c.notify("textDocument/didSave", json!({"textDocument": {"uri": u}}));
    assert!(has(&mut c, "xiomara"));
    assert_eq!(c.finish(), 0);
}

#[test]
fn lsp_bad_input_never_kills_the_server() {
    let vault = Vault::fixture("vault");
    // A note that is not valid UTF-8 on disk.
    vault.write(
        "journal/2026-11-21.md",
        b"- met @bob \xff\xfe caf\xe9\n".as_slice(),
    );
    let mut c = Client::start(&vault);
    c.initialize(json!({}));
    let alive = |c: &mut Client| {
        let r = c.result("workspace/symbol", json!({"query": "bob"}));
        assert!(!r.as_array().unwrap().is_empty());
    };
    // Malformed JSON, a bad header, no header at all, a non-object.
    c.raw(b"Content-Length: 9\r\n\r\n{\"id\": 1,");
    let e = c.answer(&Value::Null);
    assert_eq!(e["error"]["code"], -32700);
    c.raw(b"Content-Length: lots\r\n\r\n");
    assert_eq!(c.answer(&Value::Null)["error"]["code"], -32700);
    c.raw(b"X-Nonsense: 1\r\n\r\n");
    assert_eq!(c.answer(&Value::Null)["error"]["code"], -32700);
    c.send(&json!([1, 2, 3]));
    assert_eq!(c.answer(&Value::Null)["error"]["code"], -32600);
    alive(&mut c);
    // Unknown methods: an error for a request, silence for a notification.
    let r = c.call("relnotes/nonsense", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    c.notify("$/nonsense", json!({}));
    // Bad params, a document never opened.
    let r = c.call("textDocument/hover", json!({"textDocument": {}}));
    assert_eq!(r["error"]["code"], -32602);
    let r = c.call("textDocument/hover", pos_params("file:///nowhere.md", 0, 0));
    assert_eq!(r["error"]["code"], -32602);
    alive(&mut c);

    // Emoji and combining marks under UTF-16; positions past the end.
    let u = uri(&vault, "journal/2026-11-21.md");
    let text = "- 👩‍👩‍👧 e\u{301}\u{301} with @bob and 🎉@carol\n- x";
    c.open(&u, text);
    let (line, col) = find(text, "@bob");
    assert_eq!(col, 20, "8 units of emoji, 3 of e and marks");
    let h = c.result("textDocument/hover", pos_params(&u, line, col + 3));
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Bob Okafor"),
        "{h}"
    );
    assert_eq!(h["range"]["start"], at(line, col));
    for (l, ch) in [
        (0, 3),
        (0, 999),
        (1, 999),
        (99, 0),
        (u32::MAX as usize, u32::MAX as usize),
    ] {
        let r = c.call("textDocument/hover", pos_params(&u, l, ch));
        assert!(r.get("error").is_none(), "({l},{ch}): {r}");
        let r = c.call("textDocument/completion", pos_params(&u, l, ch));
        assert!(r.get("error").is_none(), "({l},{ch}): {r}");
    }
    let r = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": {"start": at(7, 70), "end": at(0, 1)}, "context": {}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    // References reach into the file that is not valid UTF-8.
    let refs = c.result(
        "textDocument/references",
        json!({"textDocument": {"uri": u}, "position": at(line, col + 1), "context": {"includeDeclaration": true}}),
    );
    assert!(
        refs.as_array().unwrap().iter().any(|l| l["uri"] == u),
        "{refs}"
    );
    alive(&mut c);
    assert_eq!(c.finish(), 0);
}

#[test]
fn lsp_position_encoding_negotiation() {
    let vault = Vault::fixture("vault");
    for (offered, name, col) in [
        (json!(["utf-32", "utf-16"]), "utf-32", 4),
        (json!(["utf-8"]), "utf-8", 7),
        (json!(["utf-7"]), "utf-16", 5),
    ] {
        let mut c = Client::start(&vault);
        let init = c.initialize(json!({"general": {"positionEncodings": offered}}));
        assert_eq!(init["capabilities"]["positionEncoding"], name);
        let u = uri(&vault, "ideas.md");
        // 👋 is 4 bytes, 2 UTF-16 units, 1 code point.
        c.open(&u, "- 👋 @bob\n");
        let h = c.result("textDocument/hover", pos_params(&u, 0, col + 1));
        assert_eq!(h["range"]["start"], at(0, col), "{name}");
        assert_eq!(c.finish(), 0);
    }
}

#[test]
fn lsp_refuses_a_root_in_the_home_folder() {
    let vault = Vault::fixture("vault");
    // The notes are the home folder itself, found from the workspace folder.
    let mut cmd = vault.bare_std_command();
    cmd.env("HOME", vault.root()).arg("lsp");
    let mut c = Client::spawn(cmd);
    let r = c.result(
        "initialize",
        json!({"capabilities": {}, "rootUri": relnotes::lsp::uri::from_path(vault.root())}),
    );
    assert!(r["capabilities"].is_object());
    c.notify("initialized", json!({}));
    let msg = c.wait_for("window/showMessage", |_| true);
    assert!(
        msg["message"].as_str().unwrap().contains("home folder"),
        "{msg}"
    );
    let u = uri(&vault, "ideas.md");
    c.open(&u, "- @bob\n");
    assert_eq!(
        c.result("textDocument/hover", pos_params(&u, 0, 3)),
        Value::Null
    );
    assert_eq!(
        c.result("workspace/symbol", json!({"query": ""})),
        Value::Null
    );
    assert_eq!(c.finish(), 0);
    assert!(
        !vault.cache().join("relnotes").exists(),
        "no index made for a refused root"
    );
}

/// Neovim's own LSP client attaches `relnotes lsp` to a fixture note, asks
/// for completion after `@` and for hover, and writes what it got.
#[test]
fn lsp_with_neovim_as_the_client() {
    if std::process::Command::new("nvim")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "SKIPPED lsp_with_neovim_as_the_client: `nvim` is not installed and could not be run"
        );
        return;
    }
    let vault = Vault::fixture("vault");
    let out = vault.home().join("nvim-result.json");
    let script = vault.home().join("attach.lua");
    std::fs::write(&script, NVIM_SCRIPT).unwrap();
    let status = std::process::Command::new("nvim")
        .args(["--headless", "--clean", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("HOME", vault.home())
        .env("XDG_CACHE_HOME", vault.cache())
        .env("XDG_STATE_HOME", vault.home())
        .env("XDG_DATA_HOME", vault.home())
        .env("RELNOTES_BIN", crate::util::bin())
        .env("RELNOTES_ROOT", vault.root())
        .env("RELNOTES_OUT", &out)
        .env_remove("RELNOTES_DIR")
        .env_remove("RELNOTES_INDEX")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run nvim");
    assert!(status.success(), "nvim exited with {status}");
    let got: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("nvim wrote its result")).unwrap();
    let labels: Vec<&str> = got["completion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let people = vault.json(&["people"]);
    assert_eq!(
        labels.len(),
        people["people"].as_array().unwrap().len(),
        "{got}"
    );
    assert!(
        labels.contains(&"alice") && labels.contains(&"bob-okafor"),
        "{labels:?}"
    );
    let hover = got["hover"].as_str().unwrap();
    assert!(
        hover.contains("Bob Okafor") && hover.contains("Acme Corp"),
        "{hover}"
    );
}

const NVIM_SCRIPT: &str = r#"
local bin, root, out = os.getenv("RELNOTES_BIN"), os.getenv("RELNOTES_ROOT"), os.getenv("RELNOTES_OUT")
local result = {}
local function finish()
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qall!")
end
local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/journal/2026-11-20.md"))
  local id = vim.lsp.start_client({
    name = "relnotes",
    cmd = { bin, "--dir", root, "--today", "2026-11-23", "lsp" },
    root_dir = root,
  })
  vim.lsp.buf_attach_client(0, id)
  vim.wait(20000, function()
    local c = vim.lsp.get_client_by_id(id)
    return c ~= nil and c.initialized == true
  end, 50)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local n = #lines
  vim.api.nvim_buf_set_lines(0, n, n, false, { "- lunch with @" })
  local uri = vim.uri_from_bufnr(0)
  local res = vim.lsp.buf_request_sync(0, "textDocument/completion",
    { textDocument = { uri = uri }, position = { line = n, character = 14 } }, 20000)
  result.completion = {}
  for _, r in pairs(res or {}) do
    local items = (r.result and (r.result.items or r.result)) or {}
    for _, item in ipairs(items) do table.insert(result.completion, item.label) end
  end
  local line, col
  for i, l in ipairs(lines) do
    local s = l:find("@bob", 1, true)
    if s then line, col = i - 1, s - 1 break end
  end
  local hov = vim.lsp.buf_request_sync(0, "textDocument/hover",
    { textDocument = { uri = uri }, position = { line = line, character = col + 2 } }, 20000)
  for _, r in pairs(hov or {}) do
    if r.result and r.result.contents then result.hover = r.result.contents.value end
  end
end)
if not ok then result.error = tostring(err) end
finish()
"#;

#[test]
fn lsp_hover_card_lists_the_most_pressing_commitments_only() {
    let mut text = String::from("# 2026-11-01\n\n- met @zed #gave\n");
    for d in 10..22 {
        text.push_str(&format!("- [ ] send @zed item {d} due:2026-12-{d}\n"));
    }
    let vault = Vault::with_files(&[("journal/2026-11-01.md", &text)]);
    let mut c = Client::start(&vault);
    c.initialize(json!({}));
    let u = uri(&vault, "journal/2026-11-01.md");
    c.open(&u, &text);
    let h = c.result("textDocument/hover", pos_params(&u, 2, 8));
    let card = h["contents"]["value"].as_str().unwrap();
    assert!(card.contains("open commitments (12)"), "{card}");
    assert!(card.contains("due 2026-12-10: send @zed item 10"), "{card}");
    assert!(card.contains("due 2026-12-19"), "{card}");
    assert!(!card.contains("due 2026-12-20"), "{card}");
    assert!(card.contains("and 2 more"), "{card}");
    assert_eq!(c.finish(), 0);
}
