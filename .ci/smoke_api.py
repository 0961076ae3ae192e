"""The smoke test's HTTP steps (.ci/smoke), through nginx over HTTPS, with the standard library only.

smoke_api.py URL CAFILE token USER PASSWORD      prints a token
smoke_api.py URL CAFILE list TOKEN PATH          a paginated list answers
smoke_api.py URL CAFILE job TOKEN KIND SECONDS   starts a job, waits until it succeeded
smoke_api.py URL CAFILE ready STATUS SECONDS     waits until /readyz says STATUS
smoke_api.py URL CAFILE metrics                  /metrics lists the portal's figures
"""

import json
import ssl
import sys
import time
import urllib.error
import urllib.request


def call(method: str, url: str, context, token: str | None = None, body: dict | None = None):
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def main(argv: list[str]) -> int:
    base, cafile, command, *args = argv
    context = ssl.create_default_context(cafile=cafile)
    if command == "token":
        status, body, _ = call(
            "POST", f"{base}/api/v1/auth/token/", context, body={"username": args[0], "password": args[1]}
        )
        if status != 200:
            print(status, body[:300], file=sys.stderr)
            return 1
        print(json.loads(body)["token"])
        return 0
    if command == "list":
        status, body, _ = call("GET", f"{base}{args[1]}", context, token=args[0])
        page = json.loads(body) if status == 200 else {}
        if not {"count", "results"} <= set(page):
            print(status, body[:300], file=sys.stderr)
            return 1
        return 0
    if command == "job":
        token, kind, seconds = args[0], args[1], float(args[2])
        status, body, _ = call("POST", f"{base}/api/v1/jobs/", context, token=token, body={"kind": kind})
        if status != 202:
            print(status, body[:300], file=sys.stderr)
            return 1
        job_id = json.loads(body)["id"]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            job = json.loads(call("GET", f"{base}/api/v1/jobs/{job_id}/", context, token=token)[1])
            if job["state"] in ("succeeded", "failed"):
                print(f"smoke: job {job_id} {kind}: {job['state']} {job.get('counts')}")
                return 0 if job["state"] == "succeeded" else 1
            time.sleep(0.5)
        print(f"job {job_id} still {job['state']} after {seconds} s", file=sys.stderr)
        return 1
    if command == "ready":
        wanted, seconds = args[0], float(args[1])
        deadline = time.monotonic() + seconds
        answer = None
        while time.monotonic() < deadline:
            status, body, headers = call("GET", f"{base}/readyz", context)
            answer = (status, json.loads(body))
            if answer[1]["status"] == wanted and status == (503 if wanted == "down" else 200):
                return 0
            time.sleep(0.5)
        print(f"/readyz: {answer}", file=sys.stderr)
        return 1
    if command == "metrics":
        status, body, _ = call("GET", f"{base}/metrics", context)
        text = body.decode()
        missing = [
            name
            for name in (
                "portal_request_duration_seconds_bucket",
                "portal_jobs{",
                "portal_queue_depth",
                "portal_ledger_entries",
            )
            if name not in text
        ]
        if status != 200 or missing:
            print(status, missing, text[:300], file=sys.stderr)
            return 1
        return 0
    print(f"unknown command {command}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
