//! How `emit` sends events: HTTP `POST`s through the `curl` program, a batch
//! per process over one kept-alive connection (the user's proxies, CA bundle
//! and TLS setup apply, as `git` applies theirs to fetches), behind the
//! [`Transport`] trait so the retry rules can be tested without a network.
//! Owns [`EmitError`], what `emit` can fail with.

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

/// Sends request bodies to a URL.
pub trait Transport {
    /// `POST` each of `bodies` (JSON documents) to `url`, in order, and stop
    /// at the first that is not accepted (a non-2xx answer or no answer):
    /// one result per body attempted, so every result but the last is an
    /// accepted [`Response`]. A transport that cannot stop at a redirect
    /// (3xx) may return later results after it.
    fn post_each(&mut self, url: &str, bodies: &[&[u8]]) -> Vec<Result<Response, Failure>>;
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

/// The [`Transport`] that runs one `curl` process per batch of requests:
/// the requests of a batch go one after the other over one kept-alive
/// connection, and curl stops at the first that fails (`--fail-early`).
#[derive(Debug)]
pub struct Curl {
    program: String,
    timeout: Duration,
    /// Where each batch's bodies, answers and curl config are written.
    temp_dir: PathBuf,
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
            temp_dir: temp_dir.to_path_buf(),
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

/// The marker curl prints before each request's status code.
/// (It must not start with `@`, which makes curl read the format from a file.)
const STATUS_MARKER: &str = "git-lineage-http-status: ";

impl Transport for Curl {
    fn post_each(&mut self, url: &str, bodies: &[&[u8]]) -> Vec<Result<Response, Failure>> {
        let dir = crate::cache::unique_temp_path(&self.temp_dir, "emit-batch");
        let result = self.run_batch(&dir, url, bodies);
        let _ = std::fs::remove_dir_all(&dir);
        result.unwrap_or_else(|failure| vec![Err(failure)])
    }
}

impl Curl {
    /// Write the bodies and a curl config into `dir`, run curl once, and
    /// read what each request got.
    fn run_batch(
        &self,
        dir: &Path,
        url: &str,
        bodies: &[&[u8]],
    ) -> Result<Vec<Result<Response, Failure>>, Failure> {
        let local = |action: &str, e: std::io::Error| Failure {
            retryable: false,
            message: format!("cannot {action} in '{}': {e}", dir.display()),
        };
        create_private_dir(dir).map_err(|e| local("create a directory", e))?;
        let mut config = String::from("silent\nshow-error\nfail-early\n");
        for (i, body) in bodies.iter().enumerate() {
            let body_path = dir.join(format!("{i}.json"));
            std::fs::write(&body_path, body).map_err(|e| local("write a request body", e))?;
            if i > 0 {
                config.push_str("next\n");
            }
            let mut option = |name: &str, value: &str| {
                config.push_str(&format!("{name} = {}\n", config_quote(value)));
            };
            option("proto", "=http,https");
            option("request", "POST");
            option("max-time", &self.timeout.as_secs_f64().to_string());
            option("header", "Content-Type: application/json");
            if let Some(path) = &self.auth_header {
                option("header", &format!("@{}", path.display()));
            }
            option("data-binary", &format!("@{}", body_path.display()));
            option(
                "output",
                &dir.join(format!("{i}.answer")).display().to_string(),
            );
            option("write-out", &format!("{STATUS_MARKER}%{{http_code}}\\n"));
            option("url", url);
            config.push_str("fail-with-body\n");
        }
        let mut child = Command::new(&self.program)
            .args(["--config", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Failure {
                retryable: false,
                message: format!("cannot run '{}': {e}", self.program),
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A curl that cannot start reading says why in its exit status.
            let _ = stdin.write_all(config.as_bytes());
        }
        let output = child.wait_with_output().map_err(|e| Failure {
            retryable: true,
            message: format!("cannot wait for '{}': {e}", self.program),
        })?;
        let answers = parse_batch_output(
            output.status.code(),
            &output.stdout,
            &output.stderr,
            bodies.len(),
        );
        Ok(answers
            .into_iter()
            .enumerate()
            .map(|(i, answer)| {
                answer.map(|status| Response {
                    status,
                    body: std::fs::read(dir.join(format!("{i}.answer"))).unwrap_or_default(),
                })
            })
            .collect())
    }
}

/// A value in curl's config syntax: double-quoted, with `\` and `"`
/// escaped (paths and URLs hold no control characters: [`check_url`]).
fn config_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// Create a directory only its owner can enter.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// What one curl run over `count` requests says, from its exit code, its
/// stdout (a status line per request that got an answer) and stderr: the
/// status of each request attempted, or why the last one got no answer.
fn parse_batch_output(
    code: Option<i32>,
    stdout: &[u8],
    stderr: &[u8],
    count: usize,
) -> Vec<Result<u16, Failure>> {
    let mut answers: Vec<Result<u16, Failure>> = Vec::new();
    for line in String::from_utf8_lossy(stdout).lines() {
        let Some(status) = line.strip_prefix(STATUS_MARKER) else {
            continue;
        };
        match status.trim().parse::<u16>() {
            Ok(status) if status != 0 => answers.push(Ok(status)),
            // 000: this request got no HTTP answer; curl's exit code says why.
            _ => {
                answers.push(Err(no_answer(code, stderr)));
                return answers;
            }
        }
    }
    let accepted =
        |answer: &Result<u16, Failure>| matches!(answer, Ok(s) if (200..300).contains(s));
    if answers.len() < count && answers.iter().all(accepted) {
        // The request after the last answered one failed before any
        // answer (curl prints no status then), or curl said nothing at all.
        answers.push(Err(match code {
            Some(0) => Failure {
                retryable: false,
                message: "curl printed no HTTP status".to_string(),
            },
            _ => no_answer(code, stderr),
        }));
    }
    answers
}

/// Why a request got no HTTP answer, from curl's exit code and stderr.
fn no_answer(code: Option<i32>, stderr: &[u8]) -> Failure {
    let text = String::from_utf8_lossy(stderr).trim().to_string();
    let message = match code {
        Some(code) if text.is_empty() => format!("curl exited with code {code}"),
        Some(code) => format!("{text} (curl exit code {code})"),
        None => "curl was killed by a signal".to_string(),
    };
    // Exit codes that say the network, not the request, failed:
    // resolve (6), connect (7), HTTP/2 (16), partial (18), timeout (28),
    // TLS connect (35), empty reply (52), send (55), receive (56), HTTP/3 (95).
    let retryable = matches!(
        code,
        None | Some(0 | 6 | 7 | 16 | 18 | 28 | 35 | 52 | 55 | 56 | 95)
    );
    Failure { retryable, message }
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
    fn curl_output_gives_each_status_and_why_the_last_failed() {
        let out = format!("{STATUS_MARKER}201\n{STATUS_MARKER}200\n");
        let all = parse_batch_output(Some(0), out.as_bytes(), b"", 2);
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|a| a.is_ok()));

        // curl stops at the 503 (--fail-early, exit 22): the rest is not sent.
        let out = format!("{STATUS_MARKER}201\n{STATUS_MARKER}503\n");
        let stopped = parse_batch_output(Some(22), out.as_bytes(), b"curl: (22) error", 5);
        assert_eq!(stopped.len(), 2);
        assert!(matches!(stopped[1], Ok(503)));

        // The second request could not connect: no status line for it.
        let out = format!("{STATUS_MARKER}201\n");
        let refused =
            parse_batch_output(Some(7), out.as_bytes(), b"curl: (7) Failed to connect", 3);
        assert_eq!(refused.len(), 2);
        let failure = refused[1].as_ref().unwrap_err();
        assert!(failure.retryable);
        assert!(
            failure.message.contains("Failed to connect"),
            "{}",
            failure.message
        );

        let malformed = parse_batch_output(Some(3), b"", b"", 1);
        let failure = malformed[0].as_ref().unwrap_err();
        assert!(!failure.retryable);
        assert_eq!(failure.message, "curl exited with code 3");

        let silent = parse_batch_output(Some(0), b"", b"", 1);
        assert!(!silent[0].as_ref().unwrap_err().retryable);

        let no_status = format!("{STATUS_MARKER}000\n");
        let timed_out = parse_batch_output(Some(28), no_status.as_bytes(), b"", 2);
        assert_eq!(timed_out.len(), 1);
        assert!(timed_out[0].as_ref().unwrap_err().retryable);
    }

    #[test]
    fn config_values_are_quoted() {
        assert_eq!(config_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(config_quote("%{http_code}\\n"), r#""%{http_code}\\n""#);
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
