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
    let mut pending = Vec::new();
    for event in events {
        if cursor.contains(&event.record) && !(options.dry_run && options.from_start) {
            report.already_delivered += 1;
        } else if options.dry_run {
            report.sent.push(Sent {
                record: event.record,
                run_id: event.run_id,
                attempts: 0,
            });
        } else {
            pending.push(event);
        }
    }
    let result = deliver(
        options,
        transport,
        sleep,
        &pending,
        &mut |event, attempts| {
            cursor.mark(&event.record)?;
            report.sent.push(Sent {
                record: event.record.clone(),
                run_id: event.run_id.clone(),
                attempts,
            });
            Ok(())
        },
    );
    cursor.sync()?;
    result?;
    Ok(report)
}

/// How many events one transport call sends (one `curl` process, one
/// kept-alive connection).
pub const BATCH: usize = 100;

/// Send `events` in order, in batches of [`BATCH`], until each is accepted,
/// retrying what may pass later with doubling waits; `accepted` is told of
/// each accepted event (and its number of attempts) before the next batch.
fn deliver(
    options: &EmitOptions,
    transport: &mut dyn Transport,
    sleep: &mut dyn FnMut(Duration),
    events: &[export::Event],
    accepted: &mut dyn FnMut(&export::Event, u32) -> Result<(), EmitError>,
) -> Result<(), EmitError> {
    let attempts = options.attempts.max(1);
    let mut delivered = 0;
    let mut next = 0;
    // The attempt number of `events[next]`, and the wait before its retry.
    let mut attempt = 1;
    let mut wait = options.backoff;
    while next < events.len() {
        let batch = &events[next..(next + BATCH).min(events.len())];
        let bodies: Vec<&[u8]> = batch.iter().map(|e| e.json.as_slice()).collect();
        let mut answers = transport.post_each(&options.url, &bodies).into_iter();
        let mut failed = None;
        for (at, event) in batch.iter().enumerate() {
            let answer = answers.next().unwrap_or_else(|| {
                Err(Failure {
                    retryable: false,
                    message: "the transport returned no answer".to_string(),
                })
            });
            match answer {
                Ok(response) if response.accepted() => {
                    accepted(event, attempt)?;
                    delivered += 1;
                    next += 1;
                    attempt = 1;
                    wait = options.backoff;
                }
                other => {
                    failed = Some((at, other));
                    break;
                }
            }
        }
        let Some((at, answer)) = failed else {
            continue;
        };
        let event = &batch[at];
        let (retryable, message) = match answer {
            Ok(response) if !response.retryable() => {
                // A transport that could not stop there (a 3xx) sent the
                // rest of the batch: remember what was accepted.
                for (later, answer) in batch[at + 1..].iter().zip(answers) {
                    if answer.is_ok_and(|r| r.accepted()) {
                        accepted(later, 1)?;
                        delivered += 1;
                    }
                }
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
        attempt += 1;
    }
    Ok(())
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
        fn post_each(&mut self, _url: &str, bodies: &[&[u8]]) -> Vec<Result<Response, Failure>> {
            let mut answers = Vec::new();
            for _ in bodies {
                self.posts += 1;
                let answer = match self.answers.is_empty() {
                    true => Ok(ok(200)),
                    false => self.answers.remove(0),
                };
                let stop = !answer.as_ref().is_ok_and(|r| r.accepted());
                answers.push(answer);
                if stop {
                    break;
                }
            }
            answers
        }
    }

    /// Deliver `events`: the attempts of each accepted event, in order.
    fn run(
        options: &EmitOptions,
        transport: &mut Scripted,
        waits: &mut Vec<Duration>,
        events: &[export::Event],
    ) -> (Vec<u32>, Result<(), EmitError>) {
        let mut attempts = Vec::new();
        let result = deliver(
            options,
            transport,
            &mut |d| waits.push(d),
            events,
            &mut |_, n| {
                attempts.push(n);
                Ok(())
            },
        );
        (attempts, result)
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

    fn events(count: usize) -> Vec<export::Event> {
        (0..count)
            .map(|i| export::Event {
                record: RecordId::of_bytes(i.to_string().as_bytes()),
                run_id: format!("run-{i}"),
                json: b"{}".to_vec(),
            })
            .collect()
    }

    fn options(attempts: u32) -> EmitOptions {
        EmitOptions {
            export: ExportOptions {
                format: export::ExportFormat::OpenLineage,
                refs: Vec::new(),
                revisions: crate::history::Revisions::Head,
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
        let (attempts, result) = run(&options(5), &mut transport, &mut waits, &events(1));
        result.expect("delivered");
        assert_eq!(attempts, [4]);
        assert_eq!(waits, [500, 1000, 2000].map(Duration::from_millis).to_vec());
    }

    #[test]
    fn a_batch_resumes_at_the_event_that_failed_in_order() {
        // Requests 1, 2 and 5 fail: the first event takes three attempts,
        // the second one, the third two, and nothing is sent twice once accepted.
        let mut transport = Scripted {
            answers: vec![
                Ok(ok(503)),
                Ok(ok(503)),
                Ok(ok(201)),
                Ok(ok(201)),
                Ok(ok(503)),
                Ok(ok(201)),
            ],
            posts: 0,
        };
        let mut waits = Vec::new();
        let (attempts, result) = run(&options(5), &mut transport, &mut waits, &events(3));
        result.expect("delivered");
        assert_eq!(attempts, [3, 1, 2]);
        assert_eq!(transport.posts, 6);
        assert_eq!(waits.len(), 3);
    }

    #[test]
    fn many_events_go_in_batches() {
        let mut transport = Scripted {
            answers: Vec::new(),
            posts: 0,
        };
        let (attempts, result) = run(&options(1), &mut transport, &mut Vec::new(), &events(250));
        result.expect("delivered");
        assert_eq!(attempts.len(), 250);
        assert_eq!(transport.posts, 250);
    }

    #[test]
    fn a_rejection_is_not_retried() {
        let mut transport = Scripted {
            answers: vec![Ok(ok(201)), Ok(ok(400))],
            posts: 0,
        };
        let (attempts, result) = run(&options(5), &mut transport, &mut Vec::new(), &events(3));
        assert_eq!(transport.posts, 2);
        assert_eq!(attempts, [1]);
        match result.unwrap_err() {
            EmitError::Rejected {
                status,
                body,
                delivered,
                ..
            } => {
                assert_eq!(status, 400);
                assert_eq!(body, "{\"error\": \"bad event\"}");
                assert_eq!(delivered, 1);
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
        let (_, result) = run(&options(3), &mut transport, &mut Vec::new(), &events(1));
        let err = result.unwrap_err();
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
        let (_, result) = run(&options(3), &mut transport, &mut Vec::new(), &events(1));
        assert_eq!(transport.posts, 1);
        assert!(matches!(
            result.unwrap_err(),
            EmitError::Undelivered {
                retryable: false,
                ..
            }
        ));
    }

    #[test]
    fn a_transport_that_answers_nothing_is_a_failure() {
        struct Mute;
        impl Transport for Mute {
            fn post_each(&mut self, _: &str, _: &[&[u8]]) -> Vec<Result<Response, Failure>> {
                Vec::new()
            }
        }
        let result = deliver(
            &options(3),
            &mut Mute,
            &mut |_| {},
            &events(2),
            &mut |_, _| Ok(()),
        );
        assert!(matches!(
            result.unwrap_err(),
            EmitError::Undelivered {
                attempts: 1,
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
        let (_, result) = run(&opts, &mut transport, &mut waits, &events(1));
        result.expect("delivered");
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
