//! `relnotes lsp`: a language server on stdio for the editors people write
//! notes in. Synchronous and single-threaded: one message is read and
//! answered at a time. The notes root is found from the workspace folder
//! the way every command finds it (`--dir`/`RELNOTES_DIR` first); a root
//! that is `/` or the home folder gets no answers and a `window/showMessage`
//! saying why (SPEC §7). Answers come from the same index sync the other
//! commands use (`Workspace`), with open documents' unsaved text parsed on
//! each change. A malformed message costs one error answer, a handler that
//! fails costs one error answer: never the session.

mod actions;
mod complete;
mod diagnose;
mod hover;
mod navigate;
pub mod position;
mod transport;
pub mod uri;
mod workspace;

use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::config::Config;
use crate::error::{Error, Exit};
use position::Encoding;
use transport::{Incoming, Reader};
use workspace::Workspace;

/// What the command line gives the server.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub dir: Option<PathBuf>,
    pub index: Option<PathBuf>,
    pub today: Option<NaiveDate>,
}

/// A JSON-RPC error: code and message.
struct RpcError(i64, String);

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const INTERNAL_ERROR: i64 = -32603;
const NOT_INITIALIZED: i64 = -32002;

fn invalid(what: &str) -> RpcError {
    RpcError(INVALID_PARAMS, format!("invalid params: {what}"))
}

/// Runs the server on stdin and stdout until `exit` or the end of input.
pub fn run(opts: Options) -> Result<Exit, Error> {
    // Messages are read on their own thread, so the server can tell when
    // the client is waiting for nothing and do deferred work then.
    let (tx, rx) = std::sync::mpsc::channel::<io::Result<Incoming>>();
    std::thread::spawn(move || {
        let mut reader = Reader::new(io::stdin().lock());
        loop {
            let next = reader.next();
            let last = !matches!(next, Ok(Incoming::Message(_) | Incoming::Bad(_)));
            if tx.send(next).is_err() || last {
                return;
            }
        }
    });
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut server = Server::new(opts, &mut out);
    loop {
        let next = if server.idle_work() {
            match rx.try_recv() {
                Ok(m) => m,
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    server.do_idle_work();
                    continue;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => m,
                Err(_) => break,
            }
        };
        let incoming = next.map_err(|source| Error::Io {
            path: PathBuf::from("<stdin>"),
            source,
        })?;
        let done = match incoming {
            Incoming::Eof => break,
            Incoming::Bad(why) => {
                server.log(1, &format!("bad message: {why}"));
                server.send(&json!({"jsonrpc": "2.0", "id": null,
                    "error": {"code": PARSE_ERROR, "message": why}}));
                false
            }
            Incoming::Message(msg) => server.dispatch(msg),
        };
        if done || server.broken {
            break;
        }
    }
    Ok(if server.shut_down {
        Exit::Success
    } else {
        Exit::Problems
    })
}

/// The server's state between messages.
struct Server<'o> {
    opts: Options,
    out: &'o mut dyn Write,
    ws: Option<Workspace>,
    /// Why this root gets no answers, if it gets none.
    refused: Option<String>,
    enc: Encoding,
    initialized: bool,
    shut_down: bool,
    /// Writing to the client failed: stop.
    broken: bool,
    watch_files: bool,
    next_id: u64,
    /// Open documents whose diagnostics are to be sent when the client
    /// waits for nothing (so a burst of keystrokes is one parse each but
    /// one answer).
    dirty: std::collections::BTreeSet<String>,
}

impl<'o> Server<'o> {
    fn new(opts: Options, out: &'o mut dyn Write) -> Server<'o> {
        Server {
            opts,
            out,
            ws: None,
            refused: None,
            enc: Encoding::Utf16,
            initialized: false,
            shut_down: false,
            broken: false,
            watch_files: false,
            next_id: 1,
            dirty: std::collections::BTreeSet::new(),
        }
    }

    /// Whether there is work to do when no message waits.
    fn idle_work(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Sends the diagnostics of documents that changed.
    fn do_idle_work(&mut self) {
        self.ensure_vault();
        for uri in std::mem::take(&mut self.dirty) {
            let outcome = catch_unwind(AssertUnwindSafe(|| self.publish(&uri)));
            if outcome.is_err() {
                self.log(1, &format!("internal error computing diagnostics of {uri}"));
            }
        }
    }

    fn send(&mut self, msg: &Value) {
        if transport::write(self.out, msg).is_err() {
            self.broken = true;
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// A `window/logMessage` (1 error, 2 warning, 3 info).
    fn log(&mut self, kind: u8, text: &str) {
        self.notify(
            "window/logMessage",
            json!({"type": kind, "message": format!("relnotes: {text}")}),
        );
    }

    /// Handles one message; true on `exit`.
    fn dispatch(&mut self, msg: Value) -> bool {
        let id = msg.get("id").cloned();
        let Some(method) = msg
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            if id.is_some() && (msg.get("result").is_some() || msg.get("error").is_some()) {
                return false; // the client's answer to one of our requests
            }
            self.send(&json!({"jsonrpc": "2.0", "id": id.unwrap_or(Value::Null),
                "error": {"code": INVALID_REQUEST, "message": "not a JSON-RPC request or notification"}}));
            return false;
        };
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        if method == "exit" {
            return true;
        }
        let Some(id) = id else {
            let outcome = catch_unwind(AssertUnwindSafe(|| self.notification(&method, &params)));
            if outcome.is_err() {
                self.log(1, &format!("internal error handling {method}"));
            }
            return false;
        };
        let answer = catch_unwind(AssertUnwindSafe(|| self.request(&method, &params)))
            .unwrap_or_else(|_| {
                Err(RpcError(
                    INTERNAL_ERROR,
                    format!("internal error in {method}"),
                ))
            });
        let reply = match answer {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err(RpcError(code, message)) => {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            }
        };
        self.send(&reply);
        false
    }

    fn request(&mut self, method: &str, params: &Value) -> Result<Value, RpcError> {
        if method == "initialize" {
            return Ok(self.initialize(params));
        }
        if !self.initialized {
            return Err(RpcError(NOT_INITIALIZED, "not initialized yet".to_string()));
        }
        if self.shut_down {
            return Err(RpcError(
                INVALID_REQUEST,
                "shut down: only `exit` now".to_string(),
            ));
        }
        if method == "shutdown" {
            self.shut_down = true;
            return Ok(Value::Null);
        }
        let known = [
            "textDocument/completion",
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/references",
            "textDocument/codeAction",
            "workspace/symbol",
        ];
        if !known.contains(&method) {
            return Err(RpcError(
                METHOD_NOT_FOUND,
                format!("unknown method `{method}`"),
            ));
        }
        if self.refused.is_some() {
            return Ok(Value::Null);
        }
        if method == "textDocument/completion" {
            self.ensure_synced();
        } else {
            self.ensure_vault();
        }
        let enc = self.enc;
        let Some(ws) = self.ws.as_ref() else {
            return Ok(Value::Null);
        };
        match method {
            "workspace/symbol" => {
                let q = params.get("query").and_then(Value::as_str).unwrap_or("");
                Ok(navigate::symbols(ws, q, enc))
            }
            "textDocument/codeAction" => {
                let (uri, doc) = open_doc(ws, params)?;
                let r = params.get("range").ok_or_else(|| invalid("range"))?;
                let from = offset(&doc.text, r.get("start"), enc)?;
                let to = offset(&doc.text, r.get("end"), enc)?;
                Ok(actions::actions(
                    ws,
                    &uri,
                    doc,
                    from.min(to),
                    from.max(to),
                    enc,
                ))
            }
            _ => {
                let (_, doc) = open_doc(ws, params)?;
                let at = offset(&doc.text, params.get("position"), enc)?;
                Ok(at_position(ws, method, doc, at, params, enc))
            }
        }
    }

    fn notification(&mut self, method: &str, params: &Value) {
        match method {
            "initialized" => {
                if let Some(why) = self.refused.clone() {
                    self.notify("window/showMessage", json!({"type": 2, "message": why}));
                    return;
                }
                self.ensure_synced();
                if self.watch_files {
                    self.register_watchers();
                }
            }
            "textDocument/didOpen" => {
                let d = params.get("textDocument");
                let uri = d.and_then(|d| d.get("uri")).and_then(Value::as_str);
                let text = d.and_then(|d| d.get("text")).and_then(Value::as_str);
                let version = d
                    .and_then(|d| d.get("version"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                if let (Some(uri), Some(text), Some(ws)) = (uri, text, self.ws_mut()) {
                    ws.set_doc(uri, text.to_string(), version);
                    self.dirty.insert(uri.to_string());
                }
            }
            "textDocument/didChange" => self.did_change(params),
            "textDocument/didClose" => {
                let uri = params.pointer("/textDocument/uri").and_then(Value::as_str);
                if let (Some(uri), Some(ws)) = (uri, self.ws.as_mut()) {
                    ws.docs.remove(uri);
                    self.dirty.remove(uri);
                    let uri = uri.to_string();
                    self.notify(
                        "textDocument/publishDiagnostics",
                        json!({"uri": uri, "diagnostics": []}),
                    );
                }
            }
            "textDocument/didSave" => {
                let saved = params
                    .pointer("/textDocument/uri")
                    .and_then(Value::as_str)
                    .and_then(uri::to_path);
                // A client that tells of changes on disk lets a save look
                // at the saved note alone; any other, and the tree is walked
                // (what changed outside the editor is found no other way).
                let saved = saved.filter(|_| self.watch_files);
                self.resync(false, saved.map(|p| vec![p]));
            }
            "workspace/didChangeWatchedFiles" => {
                let uris: Vec<&str> = params
                    .get("changes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.get("uri").and_then(Value::as_str))
                    .collect();
                let config = uris.iter().any(|u| u.ends_with(crate::config::FILE_NAME));
                // Every path the client named, or (one it cannot name as a
                // path) the whole tree.
                let named: Option<Vec<PathBuf>> = uris.iter().map(|u| uri::to_path(u)).collect();
                self.resync(config, named.filter(|_| !config));
            }
            _ => {}
        }
    }

    fn ws_mut(&mut self) -> Option<&mut Workspace> {
        if self.refused.is_some() {
            return None;
        }
        self.ensure_synced();
        self.ws.as_mut()
    }

    /// Syncs the index the first time an answer is needed.
    fn ensure_synced(&mut self) {
        let Some(ws) = self.ws.as_mut() else {
            return;
        };
        if ws.synced() {
            return;
        }
        let mut notes = Vec::new();
        ws.sync(None, &mut |n| notes.push(n));
        for n in notes {
            self.log(2, &n);
        }
    }

    /// Syncs, and loads every note's facts, the first time they are needed.
    fn ensure_vault(&mut self) {
        self.ensure_synced();
        let mut notes = Vec::new();
        if let Some(ws) = self.ws.as_mut() {
            ws.load_vault(&mut |n| notes.push(n));
        }
        for n in notes {
            self.log(2, &n);
        }
    }

    /// After a save or a change on disk: the same index sync, then every
    /// open document's diagnostics again.
    /// `changed`: the only paths that changed, when the client named them.
    fn resync(&mut self, config: bool, changed: Option<Vec<PathBuf>>) {
        if self.refused.is_some() {
            return;
        }
        let mut notes = Vec::new();
        if let Some(ws) = self.ws.as_mut() {
            if config {
                if let Err(e) = ws.reload_config() {
                    notes.push(e);
                }
            }
            ws.sync(changed.as_deref(), &mut |n| notes.push(n));
            let uris: Vec<(String, String)> = ws
                .docs
                .iter()
                .map(|(u, d)| (u.clone(), d.text.text.clone()))
                .collect();
            for (uri, text) in uris {
                let version = ws.docs.get(&uri).map_or(0, |d| d.version);
                ws.set_doc(&uri, text, version);
            }
        }
        for n in notes {
            self.log(2, &n);
        }
        self.dirty
            .extend(self.ws.iter().flat_map(|w| w.docs.keys().cloned()));
    }

    fn did_change(&mut self, params: &Value) {
        let enc = self.enc;
        let uri = params.pointer("/textDocument/uri").and_then(Value::as_str);
        let version = params
            .pointer("/textDocument/version")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let changes = params.get("contentChanges").and_then(Value::as_array);
        let (Some(uri), Some(changes), Some(ws)) = (uri, changes, self.ws_mut()) else {
            return;
        };
        let Some(doc) = ws.docs.get(uri) else {
            return;
        };
        let mut text = doc.text.clone();
        for c in changes {
            let Some(new) = c.get("text").and_then(Value::as_str) else {
                continue;
            };
            match c.get("range") {
                Some(r) => {
                    let a = offset(&text, r.get("start"), enc).unwrap_or(0);
                    let b = offset(&text, r.get("end"), enc).unwrap_or(a);
                    let mut s = text.text;
                    s.replace_range(a.min(b)..a.max(b), new);
                    text = position::Text::new(s);
                }
                None => text = position::Text::new(new.to_string()),
            }
        }
        ws.set_doc(uri, text.text, version);
        self.dirty.insert(uri.to_string());
    }

    /// Sends the diagnostics of an open note.
    fn publish(&mut self, uri: &str) {
        let enc = self.enc;
        let Some(ws) = self.ws.as_ref() else {
            return;
        };
        let Some(doc) = ws.docs.get(uri) else {
            return;
        };
        let diags = match &doc.facts {
            Some(f) => diagnose::to_lsp(&diagnose::check(&ws.saved, f).0, &doc.text, enc),
            None => Vec::new(),
        };
        let version = doc.version;
        self.notify(
            "textDocument/publishDiagnostics",
            json!({"uri": uri, "version": version, "diagnostics": diags}),
        );
    }

    /// Asks the client to tell about notes and the config changing on disk.
    fn register_watchers(&mut self) {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": format!("relnotes-{id}"),
        "method": "client/registerCapability",
        "params": {"registrations": [{
            "id": "relnotes-watch",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": {"watchers": [
                {"globPattern": "**/*.md"},
                {"globPattern": "**/*.markdown"},
                {"globPattern": format!("**/{}", crate::config::FILE_NAME)},
            ]},
        }]}}));
    }

    fn initialize(&mut self, params: &Value) -> Value {
        self.enc = Encoding::negotiate(params.pointer("/capabilities/general/positionEncodings"));
        self.watch_files = params
            .pointer("/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let folder = params
            .pointer("/workspaceFolders/0/uri")
            .or_else(|| params.get("rootUri"))
            .and_then(Value::as_str)
            .and_then(uri::to_path)
            .or_else(|| {
                params
                    .get("rootPath")
                    .and_then(Value::as_str)
                    .map(PathBuf::from)
            })
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let (root, _) = crate::walk::find_root(self.opts.dir.as_deref(), &folder);
        self.refused = refusal(&root);
        if self.refused.is_none() {
            let cfg = Config::load(&root).unwrap_or_else(|e| {
                self.notify("window/showMessage", json!({"type": 1,
                    "message": format!("relnotes: {}: {} (using the defaults)", e.path.display(), e.message)}));
                Config::default()
            });
            self.ws = Some(Workspace::new(
                root,
                cfg,
                self.opts.index.clone(),
                self.opts.today,
            ));
        }
        self.initialized = true;
        json!({
            "capabilities": {
                "positionEncoding": self.enc.name(),
                "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
                "completionProvider": {"triggerCharacters": ["@", "[", "#"]},
                "hoverProvider": true,
                "definitionProvider": true,
                "referencesProvider": true,
                "workspaceSymbolProvider": true,
                "codeActionProvider": {"codeActionKinds": ["quickfix"]},
            },
            "serverInfo": {"name": "relnotes", "version": env!("CARGO_PKG_VERSION")},
        })
    }
}

/// Why a root gets no answers: `/`, the home folder, or no folder at all.
fn refusal(root: &Path) -> Option<String> {
    let canon = root.canonicalize().ok();
    let Some(canon) = canon.filter(|c| c.is_dir()) else {
        return Some(format!(
            "relnotes: the notes root {} is not a folder; no answers",
            root.display()
        ));
    };
    let home = dirs::home_dir().and_then(|h| h.canonicalize().ok());
    let what = if canon == Path::new("/") {
        "the whole disk (/)"
    } else if home.as_deref() == Some(canon.as_path()) {
        "your home folder"
    } else {
        return None;
    };
    Some(format!(
        "relnotes: the notes root would be {what}, {}; reading it is never what was meant, so relnotes gives no answers. Open a folder of notes, or choose the root with --dir / RELNOTES_DIR, or run `relnotes init` in it.",
        canon.display()
    ))
}

/// The open note a request names.
fn open_doc<'w>(
    ws: &'w Workspace,
    params: &Value,
) -> Result<(String, &'w workspace::Doc), RpcError> {
    let uri = params
        .pointer("/textDocument/uri")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("textDocument.uri"))?;
    let doc = ws
        .docs
        .get(uri)
        .ok_or_else(|| RpcError(INVALID_PARAMS, format!("{uri} is not open")))?;
    Ok((uri.to_string(), doc))
}

/// The byte offset of an LSP position (clamped into the document).
fn offset(text: &position::Text, pos: Option<&Value>, enc: Encoding) -> Result<usize, RpcError> {
    let pos = pos.ok_or_else(|| invalid("position"))?;
    let line = pos
        .get("line")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("position.line"))?;
    let ch = pos
        .get("character")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("position.character"))?;
    Ok(text.offset(line, ch, enc))
}

/// The answers that start from the cursor in an open note.
fn at_position(
    ws: &Workspace,
    method: &str,
    doc: &workspace::Doc,
    at: usize,
    params: &Value,
    enc: Encoding,
) -> Value {
    if doc.facts.is_none() {
        return Value::Null;
    }
    if method == "textDocument/completion" {
        return match complete::context(&doc.text, at) {
            Some(ctx) => complete::complete(&ws.saved, &ws.cfg, ws.today, &doc.text, at, &ctx, enc),
            None => Value::Null,
        };
    }
    let Some((handle, s, e)) = hover::person_at(&ws.saved, doc, at) else {
        return Value::Null;
    };
    match method {
        "textDocument/hover" => match hover::card(ws, &handle) {
            Some(md) => json!({"contents": {"kind": "markdown", "value": md},
                "range": doc.text.range(s, e, enc)}),
            None => Value::Null,
        },
        "textDocument/definition" => navigate::definition(ws, &handle, enc),
        _ => {
            let with_page = params
                .pointer("/context/includeDeclaration")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            navigate::references(ws, &handle, with_page, enc)
        }
    }
}
