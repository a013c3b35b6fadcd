"""OpenAI's batch API, faked for tests/fake_openai.py's server: files in, jobs, files out.

``POST /v1/files`` takes a JSONL file of requests (multipart, as OpenAI's client sends it); ``POST /v1/batches``
makes a job of one; ``GET /v1/batches/<id>`` looks at it, and after ``Behaviour.batch_polls`` looks the job
ends: each line answered by the server's chat completion logic into the output file, or into the error file
as OpenAI writes a request that failed. The behaviour can make a line fail, a job expire half answered, a
job "complete" with a line missing from its output, or fail outright. ``GET /v1/batches`` lists the jobs,
newest first, and ``GET /v1/files/<id>/content`` gives a file back.
"""

from __future__ import annotations

import email.parser
import itertools
import json
import threading
import time
from urllib.parse import parse_qs, urlparse

NOT_FOUND = 404, {"error": {"message": "No such object", "type": "invalid_request_error"}}, {}


class FakeBatches:
    def __init__(self, server):
        self.server = server
        self.files: dict[str, bytes] = {}
        self.jobs: dict[str, dict] = {}
        self.looks: dict[str, int] = {}
        self.created: list[str] = []  # the ids of the jobs created, in order
        self.lock = threading.RLock()  # a look that ends a job writes its files under it
        self.ids = itertools.count(1)

    def upload(self, data: bytes, content_type: str) -> tuple[int, dict, dict]:
        message = email.parser.BytesParser().parsebytes(f"content-type: {content_type}\r\n\r\n".encode() + data)
        parts = {part.get_param("name", header="content-disposition"): part for part in message.get_payload()}
        content, purpose = parts["file"].get_payload(decode=True), parts["purpose"].get_payload(decode=True).decode()
        return 200, self._file(content, parts["file"].get_filename() or "upload.jsonl", purpose), {}

    def _file(self, content: bytes, filename: str, purpose: str) -> dict:
        with self.lock:
            file_id = f"file-{next(self.ids)}"
            self.files[file_id] = content
        return {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                "filename": filename, "purpose": purpose, "status": "processed"}

    def create(self, body: dict) -> tuple[int, dict, dict]:
        if body.get("input_file_id") not in self.files:
            return NOT_FOUND
        now = int(time.time())
        with self.lock:
            job_id = f"batch_{next(self.ids)}"
            self.jobs[job_id] = {
                "id": job_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                "input_file_id": body["input_file_id"], "completion_window": body["completion_window"],
                "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": now,
                "expires_at": now + 86400, "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": body.get("metadata")}
            self.looks[job_id] = 0
            self.created.append(job_id)
        return 200, self.jobs[job_id], {}

    def get(self, path: str) -> tuple[int, dict | bytes, dict]:
        url = urlparse(path)
        parts = url.path.strip("/").split("/")  # v1, batches|files, id, content
        if parts[1:] == ["batches"]:
            limit = int(parse_qs(url.query).get("limit", ["20"])[0])
            listed = [self.jobs[i] for i in reversed(self.created)][:limit]
            return 200, {"object": "list", "data": listed, "has_more": False,
                         "first_id": listed[0]["id"] if listed else None,
                         "last_id": listed[-1]["id"] if listed else None}, {}
        if parts[1] == "batches" and parts[2] in self.jobs:
            return 200, self.look(parts[2]), {}
        if parts[1] == "files" and parts[2] in self.files:
            return (200, self.files[parts[2]], {}) if parts[3:] == ["content"] else (200, {"id": parts[2]}, {})
        return NOT_FOUND

    def look(self, job_id: str) -> dict:
        with self.lock:
            self.looks[job_id] += 1
            job = self.jobs[job_id]
            if job["status"] == "validating":
                job["status"] = "in_progress"
            if job["status"] == "in_progress" and self.looks[job_id] > self.server.behaviour.batch_polls:
                self._finish(job)
            return job

    def _finish(self, job: dict) -> None:
        behaviour = self.server.behaviour
        lines = [json.loads(line) for line in self.files[job["input_file_id"]].decode().splitlines() if line]
        job["request_counts"]["total"] = len(lines)
        if behaviour.batch_fails:
            job.update(status="failed", errors={"object": "list", "data": [
                {"code": "invalid_file", "message": "the input file was refused", "line": None, "param": None}]})
            return
        answered = lines[:len(lines) // 2] if behaviour.batch_expires else lines
        output, errors = [], []
        for number, line in enumerate(answered):
            record = {"id": f"batch_req_{number}", "custom_id": line["custom_id"], "error": None}
            failed = behaviour.batch_failed_line
            if failed is not None and failed in json.dumps(line["body"]):
                record["response"] = {"status_code": 500, "request_id": f"req_{number}",
                                      "body": {"error": {"message": "internal error", "type": "server_error"}}}
                errors.append(record)
                continue
            status, payload, _ = self.server.reply(line["body"])
            record["response"] = {"status_code": status, "request_id": f"req_{number}", "body": payload}
            output.append(record)
        if behaviour.batch_partial:
            output = output[:-1]
        job["request_counts"].update(completed=len(output), failed=len(errors))
        job["status"] = "expired" if behaviour.batch_expires else "completed"
        for kind, records in (("output_file_id", output), ("error_file_id", errors)):
            if records:
                content = "".join(json.dumps(record) + "\n" for record in records).encode()
                job[kind] = self._file(content, f"{job['id']}_{kind}.jsonl", "batch_output")["id"]
