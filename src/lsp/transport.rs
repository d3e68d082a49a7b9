//! JSON-RPC messages over stdio with LSP's `Content-Length` framing, read
//! so that one bad message costs one error and never the session: a header
//! block without a usable `Content-Length` is skipped up to the next
//! header, an over-long body is read and thrown away, and a body that is
//! no JSON is handed up as an error for the server to answer. Only the end
//! of input or a failing pipe ends reading.

use std::io::{self, BufRead, Read, Write};

/// Bodies larger than this are read and dropped (a guard on memory).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// What one read gave.
#[derive(Debug)]
pub enum Incoming {
    /// A message: its JSON.
    Message(serde_json::Value),
    /// A framed body that was not JSON, or a header that made no sense:
    /// what went wrong, to answer with a parse error.
    Bad(String),
    /// End of input.
    Eof,
}

/// Reads framed messages.
pub struct Reader<R> {
    input: R,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Reader<R> {
        Reader { input }
    }

    /// The next message; an I/O error only when the input itself fails.
    pub fn next(&mut self) -> io::Result<Incoming> {
        let mut length: Option<usize> = None;
        let mut problem: Option<String> = None;
        let mut saw_header = false;
        let mut line = Vec::new();
        loop {
            line.clear();
            if self.input.read_until(b'\n', &mut line)? == 0 {
                return Ok(Incoming::Eof);
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\r', '\n']);
            if text.is_empty() {
                if !saw_header {
                    continue; // stray blank line between messages
                }
                break;
            }
            saw_header = true;
            match text.split_once(':') {
                Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                    match value.trim().parse::<usize>() {
                        Ok(n) => length = Some(n),
                        Err(_) => problem = Some(format!("bad Content-Length `{}`", value.trim())),
                    }
                }
                Some((name, _)) if name.trim().eq_ignore_ascii_case("content-type") => {}
                _ => problem = Some(format!("bad header line `{}`", shorten(text))),
            }
        }
        let Some(n) = length else {
            return Ok(Incoming::Bad(
                problem.unwrap_or_else(|| "message without Content-Length".to_string()),
            ));
        };
        if n > MAX_BODY {
            io::copy(&mut (&mut self.input).take(n as u64), &mut io::sink())?;
            return Ok(Incoming::Bad(format!(
                "message of {n} bytes is over the {MAX_BODY}-byte limit"
            )));
        }
        let mut body = vec![0; n];
        self.input.read_exact(&mut body)?;
        if let Some(p) = problem {
            return Ok(Incoming::Bad(p));
        }
        Ok(match serde_json::from_slice(&body) {
            Ok(v) => Incoming::Message(v),
            Err(e) => Incoming::Bad(format!("not JSON: {e}")),
        })
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Writes one message with its header, and flushes.
pub fn write(out: &mut dyn Write, msg: &serde_json::Value) -> io::Result<()> {
    let body = serde_json::to_vec(msg)?;
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(&body)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<String> {
        let mut r = Reader::new(input);
        let mut out = Vec::new();
        loop {
            match r.next() {
                Ok(Incoming::Message(v)) => out.push(format!("msg {v}")),
                Ok(Incoming::Bad(e)) => out.push(format!("bad {e}")),
                Ok(Incoming::Eof) => break,
                Err(e) => {
                    out.push(format!("io {e}"));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn one_bad_message_costs_one_error() {
        let input = b"Content-Length: 2\r\n\r\n{}\
Content-Length: 5\r\n\r\n{oops\
Garbage here\r\n\r\n\
Content-Length: x\r\n\r\n\
Content-Length: 7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[1,2,3]";
        let got = frames(input);
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[0], "msg {}");
        assert!(got[1].starts_with("bad not JSON"));
        assert!(got[2].starts_with("bad bad header line"));
        assert!(got[3].starts_with("bad bad Content-Length"));
        assert_eq!(got[4], "msg [1,2,3]");
    }

    #[test]
    fn a_truncated_body_is_the_end_of_input() {
        let got = frames(b"Content-Length: 10\r\n\r\n{}");
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("io"));
    }
}
