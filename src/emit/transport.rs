//! How `emit` sends one event: an HTTP `POST` through the `curl` program
//! (the user's proxies, CA bundle and TLS setup apply, as `git` applies
//! theirs to fetches), behind the [`Transport`] trait so the retry rules can
//! be tested without a network. Owns [`EmitError`], what `emit` can fail with.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The response body (for the error message of a rejection).
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the receiver accepted the event (a 2xx status).
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether sending the same event again may succeed: a timeout, a
    /// rate limit or a server error (408, 425, 429, 5xx).
    pub fn retryable(&self) -> bool {
        matches!(self.status, 408 | 425 | 429) || (500..600).contains(&self.status)
    }
}

/// A request that got no HTTP answer at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Whether trying again may help (connection refused, a timeout, a
    /// reset), as opposed to a malformed URL or a certificate problem.
    pub retryable: bool,
    /// What went wrong, as the transport says it.
    pub message: String,
}

/// Sends one request body to a URL.
pub trait Transport {
    /// `POST` `body` (a JSON document) to `url`.
    fn post(&mut self, url: &str, body: &[u8]) -> Result<Response, Failure>;
}

/// What `emit` can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The `curl` program could not be started.
    #[error("cannot run '{program}', which emit uses to send HTTP requests: {source}")]
    NoCurl {
        /// The program name or path.
        program: String,
        /// Why it could not be started.
        source: std::io::Error,
    },
    /// `--url`/`--endpoint` do not form a usable http(s) URL.
    #[error("invalid receiver URL '{url}': {problem}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// `--api-key-env VAR` names a variable that is unset or empty.
    #[error("environment variable {var} (named by --api-key-env) is not set or empty")]
    NoApiKey {
        /// The variable.
        var: String,
    },
    /// The receiver answered with a status that retrying cannot change.
    #[error(
        "{url} rejected the event of record {record} (run {run_id}) with HTTP {status}: {body}"
    )]
    Rejected {
        /// The endpoint.
        url: String,
        /// The record whose event it was.
        record: String,
        /// The event's run id.
        run_id: String,
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body: String,
        /// Events delivered by this run before it.
        delivered: usize,
    },
    /// Every attempt to send one event failed.
    #[error(
        "cannot deliver the event of record {record} to {url} after {attempts} attempts: {last}"
    )]
    Undelivered {
        /// The endpoint.
        url: String,
        /// The record whose event it was.
        record: String,
        /// How many times it was sent.
        attempts: u32,
        /// What the last attempt got.
        last: String,
        /// Whether trying later may help (false for, say, a TLS
        /// certificate problem).
        retryable: bool,
        /// Events delivered by this run before it.
        delivered: usize,
    },
    /// Reading or writing emit's own files (the delivery cursor, the
    /// private header file) failed.
    #[error("cannot {action} '{}': {source}", path.display())]
    File {
        /// What was being done.
        action: &'static str,
        /// The cursor file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Check that `url` is an absolute `http://` or `https://` URL without
/// credentials (an API key belongs in `--api-key-env`, not in a URL that is
/// printed and stored in the cursor).
pub fn check_url(url: &str) -> Result<(), EmitError> {
    let bad = |problem| EmitError::BadUrl {
        url: url.to_string(),
        problem,
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| bad("it must start with http:// or https://"))?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains whitespace or a control character"));
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.is_empty() {
        return Err(bad("it names no host"));
    }
    if authority.contains('@') {
        return Err(bad(
            "it contains credentials; give the API key with --api-key-env instead",
        ));
    }
    Ok(())
}

/// The endpoint URL: `base` joined with `endpoint` by one `/` (the
/// OpenLineage clients' `url` + `endpoint`); `base` alone when `endpoint`
/// is empty.
pub fn endpoint_url(base: &str, endpoint: &str) -> String {
    let endpoint = endpoint.trim_start_matches('/');
    if endpoint.is_empty() {
        base.to_string()
    } else {
        format!("{}/{endpoint}", base.trim_end_matches('/'))
    }
}

/// The [`Transport`] that runs `curl` once per request.
#[derive(Debug)]
pub struct Curl {
    program: String,
    timeout: Duration,
    /// A file (mode 0600) holding the `Authorization` header, so the key is
    /// never on a command line; removed on drop.
    auth_header: Option<PathBuf>,
}

impl Curl {
    /// A transport running `program` (normally `curl`) with a per-request
    /// `timeout`; with an API key, sent as `Authorization: Bearer KEY`
    /// from a private file in `temp_dir`.
    pub fn new(
        program: &str,
        timeout: Duration,
        api_key: Option<&str>,
        temp_dir: &Path,
    ) -> Result<Curl, EmitError> {
        let mut curl = Curl {
            program: program.to_string(),
            timeout,
            auth_header: None,
        };
        if let Some(key) = api_key {
            let path = crate::cache::unique_temp_path(temp_dir, "emit-auth");
            write_private(&path, format!("Authorization: Bearer {key}\n").as_bytes()).map_err(
                |source| EmitError::File {
                    action: "write the authorization header to",
                    path: path.clone(),
                    source,
                },
            )?;
            curl.auth_header = Some(path);
        }
        Ok(curl)
    }

    /// Check that the program runs (`curl --version`), so a missing curl
    /// is reported before the first event rather than as its failure.
    pub fn probe(&self) -> Result<(), EmitError> {
        Command::new(&self.program)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|_| ())
            .map_err(|source| EmitError::NoCurl {
                program: self.program.clone(),
                source,
            })
    }
}

impl Drop for Curl {
    fn drop(&mut self) {
        if let Some(path) = &self.auth_header {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Write `bytes` to a new file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// The marker curl prints after the body, before the status code.
const STATUS_MARKER: &str = "\n@@git-lineage-http-status@@";

impl Transport for Curl {
    fn post(&mut self, url: &str, body: &[u8]) -> Result<Response, Failure> {
        let mut command = Command::new(&self.program);
        command
            .args(["--silent", "--show-error", "--proto", "=http,https"])
            .args(["--request", "POST", "--max-time"])
            .arg(self.timeout.as_secs_f64().to_string())
            .args(["--header", "Content-Type: application/json"]);
        if let Some(path) = &self.auth_header {
            command.arg("--header").arg(format!("@{}", path.display()));
        }
        command
            .args(["--data-binary", "@-", "--output", "-", "--write-out"])
            .arg(format!("{STATUS_MARKER}%{{http_code}}"))
            .arg("--")
            .arg(url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| Failure {
            retryable: false,
            message: format!("cannot run '{}': {e}", self.program),
        })?;
        if let Some(mut stdin) = child.stdin.take() {
            // curl may exit before reading (connection refused): its exit
            // status says why, so a failed write adds nothing.
            let _ = stdin.write_all(body);
        }
        let output = child.wait_with_output().map_err(|e| Failure {
            retryable: true,
            message: format!("cannot wait for '{}': {e}", self.program),
        })?;
        parse_curl_output(output.status.code(), &output.stdout, &output.stderr)
    }
}

/// What one curl run says: its exit code, stdout (body, marker, status)
/// and stderr.
fn parse_curl_output(code: Option<i32>, stdout: &[u8], stderr: &[u8]) -> Result<Response, Failure> {
    let message = || {
        let text = String::from_utf8_lossy(stderr).trim().to_string();
        match code {
            Some(code) if text.is_empty() => format!("curl exited with code {code}"),
            Some(code) => format!("{text} (curl exit code {code})"),
            None => "curl was killed by a signal".to_string(),
        }
    };
    if code != Some(0) {
        // Exit codes that say the network, not the request, failed:
        // resolve (6), connect (7), HTTP/2 (16), partial (18), timeout (28),
        // TLS connect (35), empty reply (52), send (55), receive (56), HTTP/3 (95).
        let retryable = matches!(
            code,
            None | Some(6 | 7 | 16 | 18 | 28 | 35 | 52 | 55 | 56 | 95)
        );
        return Err(Failure {
            retryable,
            message: message(),
        });
    }
    let marker = STATUS_MARKER.as_bytes();
    let at = stdout
        .windows(marker.len())
        .rposition(|w| w == marker)
        .ok_or_else(|| Failure {
            retryable: false,
            message: "curl printed no HTTP status".to_string(),
        })?;
    let status = std::str::from_utf8(&stdout[at + marker.len()..])
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .filter(|&s| s != 0)
        .ok_or_else(|| Failure {
            retryable: true,
            message: "the receiver sent no HTTP status".to_string(),
        })?;
    Ok(Response {
        status,
        body: stdout[..at].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_without_credentials() {
        assert!(check_url("http://localhost:5000").is_ok());
        assert!(check_url("https://lineage.example.com/base").is_ok());
        for bad in [
            "ftp://host/x",
            "localhost:5000",
            "http://",
            "http:///path",
            "https://user:secret@host/",
            "http://host/a b",
        ] {
            assert!(check_url(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn the_endpoint_is_joined_by_one_slash() {
        assert_eq!(
            endpoint_url("http://h:5000/", "/api/v1/lineage"),
            "http://h:5000/api/v1/lineage"
        );
        assert_eq!(
            endpoint_url("http://h:5000", "api/v1/lineage"),
            "http://h:5000/api/v1/lineage"
        );
        assert_eq!(endpoint_url("http://h/x/y", ""), "http://h/x/y");
    }

    #[test]
    fn curl_output_gives_status_and_body() {
        let out = format!("{{\"ok\":1}}{STATUS_MARKER}201");
        let response = parse_curl_output(Some(0), out.as_bytes(), b"").unwrap();
        assert_eq!(response.status, 201);
        assert_eq!(response.body, b"{\"ok\":1}");
        assert!(response.accepted());

        let refused = parse_curl_output(Some(7), b"", b"curl: (7) Failed to connect").unwrap_err();
        assert!(refused.retryable);
        assert!(
            refused.message.contains("Failed to connect"),
            "{}",
            refused.message
        );

        let malformed = parse_curl_output(Some(3), b"", b"").unwrap_err();
        assert!(!malformed.retryable);
        assert_eq!(malformed.message, "curl exited with code 3");

        let no_status = parse_curl_output(Some(0), b"body", b"").unwrap_err();
        assert!(!no_status.retryable);
    }

    #[test]
    fn which_statuses_are_worth_retrying() {
        let r = |status| Response {
            status,
            body: Vec::new(),
        };
        assert!(r(503).retryable() && r(429).retryable() && r(408).retryable());
        assert!(!r(400).retryable() && !r(401).retryable() && !r(404).retryable());
        assert!(r(200).accepted() && r(201).accepted() && !r(301).accepted());
    }
}
