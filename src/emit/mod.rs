//! `emit`: send the OpenLineage events `export --format openlineage` writes
//! to an OpenLineage HTTP endpoint (`POST /api/v1/lineage`, as Marquez and
//! DataHub accept), with retries and a resumable per-endpoint cursor, so
//! each run sends only records not yet accepted.

pub mod cursor;
pub mod transport;

use std::time::Duration;

use crate::export::{self, ExportOptions};
use crate::history::ReadWarning;
use crate::record::RecordId;
use crate::repo::Repo;

pub use cursor::Cursor;
pub use transport::{Curl, EmitError, Failure, Response, Transport};

/// What to send, where, and how hard to try.
#[derive(Debug, Clone)]
pub struct EmitOptions {
    /// Which records (REFs, `--all`, namespace), as for `export`.
    pub export: ExportOptions,
    /// The endpoint URL ([`transport::endpoint_url`]).
    pub url: String,
    /// How many times one event is sent before giving up (at least 1).
    pub attempts: u32,
    /// The wait before the first retry; doubled for each further one, at
    /// most [`MAX_BACKOFF`].
    pub backoff: Duration,
    /// Send nothing: report what would be sent.
    pub dry_run: bool,
    /// Forget earlier deliveries to this endpoint and send everything.
    pub from_start: bool,
}

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One event the endpoint accepted in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The record.
    pub record: RecordId,
    /// The event's run id.
    pub run_id: String,
    /// How many attempts it took.
    pub attempts: u32,
}

/// What a run of [`emit`] did.
#[derive(Debug, Clone)]
pub struct EmitReport {
    /// The endpoint.
    pub url: String,
    /// The namespace the events name this repository by.
    pub namespace: String,
    /// Events in the selection.
    pub selected: usize,
    /// Events the endpoint had accepted before this run (not sent again).
    pub already_delivered: usize,
    /// Events sent and accepted now, in history order (with `dry_run`, the
    /// events that would be sent, each with 0 attempts).
    pub sent: Vec<Sent>,
    /// Whether nothing was sent ([`EmitOptions::dry_run`]).
    pub dry_run: bool,
    /// Record files in history that could not be read (with
    /// `allow_incomplete`).
    pub warnings: Vec<ReadWarning>,
}

/// Send every selected event the endpoint has not accepted yet, oldest
/// first, through `transport`; `sleep` waits between attempts. Each
/// accepted event is remembered in the cursor before the next is sent, so
/// a failure or a kill loses nothing: the next run resumes.
pub fn emit(
    repo: &Repo,
    options: &EmitOptions,
    transport: &mut dyn Transport,
    sleep: &mut dyn FnMut(Duration),
) -> crate::Result<EmitReport> {
    transport::check_url(&options.url)?;
    let namespace = export::namespace(repo, options.export.namespace.as_deref());
    let (events, warnings) = export::openlineage_events(repo, &options.export)?;
    let mut cursor = Cursor::open(&repo.cache_dir().join("emit"), &options.url, &namespace)?;
    if options.from_start && !options.dry_run {
        cursor.reset()?;
    }
    let mut report = EmitReport {
        url: options.url.clone(),
        namespace,
        selected: events.len(),
        already_delivered: 0,
        sent: Vec::new(),
        dry_run: options.dry_run,
        warnings,
    };
    for event in events {
        if cursor.contains(&event.record) && !(options.dry_run && options.from_start) {
            report.already_delivered += 1;
            continue;
        }
        if options.dry_run {
            report.sent.push(Sent {
                record: event.record,
                run_id: event.run_id,
                attempts: 0,
            });
            continue;
        }
        let attempts = deliver(options, transport, sleep, &event, report.sent.len())?;
        cursor.mark(&event.record)?;
        report.sent.push(Sent {
            record: event.record,
            run_id: event.run_id,
            attempts,
        });
    }
    cursor.sync()?;
    Ok(report)
}

/// Send one event until it is accepted, retrying what may pass later:
/// the number of attempts it took.
fn deliver(
    options: &EmitOptions,
    transport: &mut dyn Transport,
    sleep: &mut dyn FnMut(Duration),
    event: &export::Event,
    delivered: usize,
) -> Result<u32, EmitError> {
    let attempts = options.attempts.max(1);
    let mut wait = options.backoff;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let last = match transport.post(&options.url, &event.json) {
            Ok(response) if response.accepted() => return Ok(attempt),
            Ok(response) if !response.retryable() => {
                return Err(EmitError::Rejected {
                    url: options.url.clone(),
                    record: event.record.to_string(),
                    run_id: event.run_id.clone(),
                    status: response.status,
                    body: body_excerpt(&response.body),
                    delivered,
                });
            }
            Ok(response) => (
                true,
                format!("HTTP {}: {}", response.status, body_excerpt(&response.body)),
            ),
            Err(failure) => (failure.retryable, failure.message),
        };
        let (retryable, message) = last;
        if !retryable || attempt >= attempts {
            return Err(EmitError::Undelivered {
                url: options.url.clone(),
                record: event.record.to_string(),
                attempts: attempt,
                last: message,
                retryable,
                delivered,
            });
        }
        sleep(wait);
        wait = (wait * 2).min(MAX_BACKOFF);
    }
}

/// The start of a response body, on one line, for an error message.
fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "(empty body)".to_string();
    }
    match line.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers from a script, and counts what was sent.
    struct Scripted {
        answers: Vec<Result<Response, Failure>>,
        posts: usize,
    }

    impl Transport for Scripted {
        fn post(&mut self, _url: &str, _body: &[u8]) -> Result<Response, Failure> {
            self.posts += 1;
            if self.answers.is_empty() {
                Ok(ok(200))
            } else {
                self.answers.remove(0)
            }
        }
    }

    fn ok(status: u16) -> Response {
        Response {
            status,
            body: b"{\"error\": \"bad event\"}".to_vec(),
        }
    }

    fn refused() -> Failure {
        Failure {
            retryable: true,
            message: "connection refused".into(),
        }
    }

    fn event() -> export::Event {
        export::Event {
            record: RecordId::parse(&"ab".repeat(32)).expect("an id"),
            run_id: "run".into(),
            json: b"{}".to_vec(),
        }
    }

    fn options(attempts: u32) -> EmitOptions {
        EmitOptions {
            export: ExportOptions {
                format: export::ExportFormat::OpenLineage,
                refs: Vec::new(),
                all: false,
                namespace: None,
                cwd: ".".into(),
                allow_incomplete: false,
            },
            url: "http://localhost/api/v1/lineage".into(),
            attempts,
            backoff: Duration::from_millis(500),
            dry_run: false,
            from_start: false,
        }
    }

    #[test]
    fn retries_with_doubling_waits_until_accepted() {
        let mut transport = Scripted {
            answers: vec![Err(refused()), Ok(ok(503)), Ok(ok(429)), Ok(ok(201))],
            posts: 0,
        };
        let mut waits = Vec::new();
        let attempts = deliver(
            &options(5),
            &mut transport,
            &mut |d| waits.push(d),
            &event(),
            0,
        )
        .expect("delivered");
        assert_eq!(attempts, 4);
        assert_eq!(waits, [500, 1000, 2000].map(Duration::from_millis).to_vec());
    }

    #[test]
    fn a_rejection_is_not_retried() {
        let mut transport = Scripted {
            answers: vec![Ok(ok(400))],
            posts: 0,
        };
        let err = deliver(&options(5), &mut transport, &mut |_| {}, &event(), 3).unwrap_err();
        assert_eq!(transport.posts, 1);
        match err {
            EmitError::Rejected {
                status,
                body,
                delivered,
                ..
            } => {
                assert_eq!(status, 400);
                assert_eq!(body, "{\"error\": \"bad event\"}");
                assert_eq!(delivered, 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gives_up_after_the_last_attempt_or_a_permanent_failure() {
        let mut transport = Scripted {
            answers: vec![Err(refused()), Err(refused()), Err(refused())],
            posts: 0,
        };
        let err = deliver(&options(3), &mut transport, &mut |_| {}, &event(), 0).unwrap_err();
        assert_eq!(transport.posts, 3);
        assert!(
            matches!(err, EmitError::Undelivered { attempts: 3, retryable: true, ref last, .. } if last == "connection refused"),
            "{err:?}"
        );

        let mut transport = Scripted {
            answers: vec![Err(Failure {
                retryable: false,
                message: "SSL certificate problem".into(),
            })],
            posts: 0,
        };
        let err = deliver(&options(3), &mut transport, &mut |_| {}, &event(), 0).unwrap_err();
        assert_eq!(transport.posts, 1);
        assert!(matches!(
            err,
            EmitError::Undelivered {
                retryable: false,
                ..
            }
        ));
    }

    #[test]
    fn waits_are_capped() {
        let mut transport = Scripted {
            answers: (0..9).map(|_| Err(refused())).collect(),
            posts: 0,
        };
        let mut waits = Vec::new();
        let mut opts = options(10);
        opts.backoff = Duration::from_secs(10);
        deliver(&opts, &mut transport, &mut |d| waits.push(d), &event(), 0).expect("delivered");
        assert_eq!(waits.len(), 9);
        assert!(waits.iter().all(|w| *w <= MAX_BACKOFF));
        assert_eq!(waits[2], MAX_BACKOFF);
    }

    #[test]
    fn long_bodies_are_cut() {
        assert_eq!(body_excerpt(b""), "(empty body)");
        assert_eq!(body_excerpt(b"a\n  b"), "a b");
        let long = "x".repeat(1000);
        assert_eq!(body_excerpt(long.as_bytes()).chars().count(), 301);
    }
}
