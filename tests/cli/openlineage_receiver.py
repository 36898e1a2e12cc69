"""A local OpenLineage HTTP receiver for the tests of `git lineage emit`.

Listens on 127.0.0.1 (a free port, written to STATE/port), takes
POST /api/v1/lineage, validates each event against the vendored
OpenLineage 2-0-2 schema (its RunEvent), and appends accepted events to
STATE/events.jsonl and every request's status to STATE/requests.log.

Options make it misbehave: --fail-requests 3,4 answers those requests
(1-based) with 503; --reject answers every event with 400; --require-key K
answers 401 unless `Authorization: Bearer K` is sent. It exits by itself
after --lifetime seconds.
"""

import argparse
import json
import pathlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

parser = argparse.ArgumentParser()
parser.add_argument("schemas")
parser.add_argument("state")
parser.add_argument("--fail-requests", default="")
parser.add_argument("--reject", action="store_true")
parser.add_argument("--require-key")
parser.add_argument("--lifetime", type=float, default=120.0)
args = parser.parse_args()

state = pathlib.Path(args.state)
state.mkdir(parents=True, exist_ok=True)
registry = Registry()
core = None
for path in sorted(pathlib.Path(args.schemas).glob("*.json")):
    doc = json.loads(path.read_text())
    registry = registry.with_resource(doc["$id"], Resource.from_contents(doc))
    if path.stem == "OpenLineage":
        core = doc["$id"]
run_event = Draft202012Validator(
    {"$ref": core + "#/$defs/RunEvent"},
    registry=registry,
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)
failing = {int(n) for n in args.fail_requests.split(",") if n}
lock = threading.Lock()
count = 0


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        with open(state / "requests.log", "a") as log:
            log.write(f"{status}\n")

    def do_POST(self):
        global count
        with lock:
            count += 1
            number = count
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/api/v1/lineage":
                return self.answer(404, {"error": f"no such path {self.path}"})
            if args.require_key and self.headers.get("Authorization") != f"Bearer {args.require_key}":
                return self.answer(401, {"error": "unauthorized"})
            if number in failing:
                return self.answer(503, {"error": "try again later"})
            if args.reject:
                return self.answer(400, {"error": "events are not accepted here"})
            if self.headers.get("Content-Type") != "application/json":
                return self.answer(415, {"error": "not JSON"})
            try:
                event = json.loads(body)
            except ValueError as e:
                return self.answer(400, {"error": f"not JSON: {e}"})
            problems = [e.message[:200] for e in run_event.iter_errors(event)]
            if problems:
                with open(state / "invalid.log", "a") as log:
                    log.write(json.dumps(problems) + "\n")
                return self.answer(400, {"error": "invalid RunEvent", "problems": problems})
            with open(state / "events.jsonl", "ab") as out:
                out.write(body + b"\n")
            self.answer(201, {})

    def log_message(self, *_):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Timer(args.lifetime, server.shutdown).start()
(state / "port.tmp").write_text(str(server.server_address[1]))
(state / "port.tmp").rename(state / "port")
server.serve_forever()
