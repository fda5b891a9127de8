#!/usr/bin/env python3
"""Records the answers of every read endpoint, to prove a refactoring
changed none of them (issue 12: "the answers are byte-identical").

    bench/answers.py make-db DIR          # demo history + batch, once
    bench/answers.py record BUILD DIR > before.txt
    bench/answers.py record BUILD DIR postgresql://... > pg.txt
                                          # the same answers from a copy
    ... change the code, rebuild ...
    bench/answers.py record BUILD DIR > after.txt
    diff before.txt after.txt             # empty: nothing changed

`make-db` builds DIR/testvis.db with bin/demo-data (the real ingest path)
and one batch run, then keeps it: both records read the same file, so
answers that depend on when the history was made cannot differ.  `record`
runs each program of BUILD in CGI mode (no server) on a list of URLs that
covers every GET route with its filters, sorts and a second page, and
prints one line per URL: status, ETag, SHA-256 of the body.  The ids in
the URLs come from the database.  Standard library only; writes only DIR.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROGRAM = [  # path prefix -> program, most specific first
    ("/api/tests/runs", "runs"),
    ("/api/tests/health", "features"),
    ("/api/tests/features", "features"),
    ("/api/tests/integrity", "integrity"),
    ("/api/tests/flaky", "insights"),
    ("/api/tests/slowest", "insights"),
    ("/api/tests/correlate", "insights"),
    ("/api/failures", "insights"),
    ("/api/dashboard", "insights"),
    ("/api/health", "health"),
    ("/api/projects", "health"),
    ("/api/openapi.json", "health"),
]


def program_for(path):
    if path.endswith("/mappings"):
        return "features"
    for prefix, prog in PROGRAM:
        if path.startswith(prefix):
            return prog
    return "tests"


def conf_of(d):
    return os.path.join(d, "testvis.conf")


def make_db(d):
    os.makedirs(d, exist_ok=True)
    with open(conf_of(d), "w") as f:
        f.write("db = %s/testvis.db\nauth_read = public\n"
                "response_cache_kb = 0\n" % d)
    env = dict(os.environ, TESTVIS_CONF=conf_of(d))
    tv = os.path.join(TOP, "build", "bin", "testvis")
    subprocess.run([tv, "migrate"], env=env, check=True)
    subprocess.run([tv, "project", "add", "default"], env=env, check=True)
    subprocess.run([os.path.join(TOP, "bin", "demo-data")], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([tv, "batch"], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def cgi(build, d, uri, dburl=None):
    path, _, query = uri.partition("?")
    env = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
           "REQUEST_URI": uri, "SCRIPT_NAME": path, "QUERY_STRING": query,
           "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
           "HTTP_X_REQUEST_ID": "answers", "TESTVIS_CONF": conf_of(d)}
    if dburl:
        env["TESTVIS_DB"] = dburl
    prog = os.path.join(build, "cgi-bin", "testvis-" + program_for(path))
    out = subprocess.run([prog], env=env, stdin=subprocess.DEVNULL,
                         capture_output=True).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    status = etag = ""
    for line in head.decode("latin-1").split("\r\n"):
        k, _, v = line.partition(":")
        if k.lower() == "status":
            status = v.strip().split()[0]
        elif k.lower() == "etag":
            etag = v.strip()
    return status, etag, body


def urls(db):
    q = sqlite3.connect(db)
    one = lambda sql: (q.execute(sql).fetchone() or [None])[0]
    run = one("SELECT run_id FROM runs ORDER BY started_at DESC, id DESC")
    old = one("SELECT run_id FROM runs ORDER BY started_at, id")
    failing = one("SELECT test_id FROM tests t JOIN test_stats s ON "
                  "s.test = t.id WHERE s.last_status IN ('failed', 'error') "
                  "LIMIT 1")
    anyt = one("SELECT test_id FROM tests ORDER BY id LIMIT 1")
    feat = one("SELECT id FROM features ORDER BY id LIMIT 1")
    dom = one("SELECT id FROM domains ORDER BY id LIMIT 1")
    sha = one("SELECT git_sha FROM runs WHERE git_sha IS NOT NULL LIMIT 1")
    sess = one("SELECT session_id FROM runs WHERE session_id IS NOT NULL "
               "LIMIT 1")
    sig = one("SELECT id FROM signals ORDER BY id LIMIT 1")
    # /api/health is left out: it tells the time
    u = ["/api/projects", "/api/openapi.json",
         "/api/dashboard", "/api/tests/runs", "/api/tests/runs?limit=3",
         "/api/tests/runs?branch=main", "/api/tests/runs?status=failed",
         "/api/tests/runs?git_sha=%s" % sha,
         "/api/tests/runs?session_id=%s" % sess,
         "/api/tests/runs/%s" % run, "/api/tests/runs/%s" % old,
         "/api/tests/runs/%s/results" % run,
         "/api/tests/runs/%s/results?status=failed" % run,
         "/api/tests/runs/%s/results?q=login&limit=5" % run,
         "/api/tests/quarantine", "/api/tests/flaky",
         "/api/tests/flaky?state=all", "/api/tests/slowest",
         "/api/tests/slowest?by=p50", "/api/failures",
         "/api/failures?limit=2", "/api/tests/health/domains",
         "/api/tests/health/features",
         "/api/tests/health/features?domain_id=%s" % dom,
         "/api/tests/features/%s/timeline" % feat,
         "/api/tests/features/%s/timeline?days=7" % feat,
         "/api/tests/integrity/alerts",
         "/api/tests/integrity/alerts?severity=critical",
         "/api/tests/correlate?run_id=%s" % run,
         "/api/tests/correlate?git_sha=%s" % sha,
         "/api/tests/correlate?session_id=%s" % sess,
         "/api/tests/correlate?feature_id=%s" % feat,
         "/api/tests?q=login", "/api/tests?status=failed",
         "/api/tests?flaky=true", "/api/tests?feature_id=%s" % feat,
         "/api/tests?domain_id=%s" % dom, "/api/nothing-here",
         "/api/tests/runs?limit=0", "/api/tests?sort=bogus",
         "/api/tests/runs/no-such-run"]
    for s in ("name", "fail_rate", "flakiness", "duration", "last_failed"):
        u.append("/api/tests?sort=%s&limit=7" % s)
    for t in (failing, anyt):
        u += ["/api/tests/%s" % t, "/api/tests/%s/history" % t,
              "/api/tests/%s/history?limit=3" % t,
              "/api/tests/%s/results" % t,
              "/api/tests/%s/results?limit=5&offset=2" % t,
              "/api/tests/%s/timing" % t, "/api/tests/%s/uptime" % t,
              "/api/tests/%s/uptime?hours=720" % t,
              "/api/tests/%s/incidents" % t,
              "/api/tests/%s/mappings" % t]
    if sig is not None:
        u.append("/api/tests/integrity/alerts?status=open")
    # every branch at once, another branch, one job (issue 13)
    u += ["/api/dashboard?branch=*", "/api/tests?branch=*&sort=fail_rate",
          "/api/tests?branch=*&sort=flakiness&limit=9",
          "/api/tests/flaky?branch=*", "/api/failures?branch=*",
          "/api/tests/health/features?branch=*",
          "/api/tests/health/domains?branch=*"]
    for b in [r[0] for r in q.execute(
            "SELECT DISTINCT branch FROM runs WHERE branch IS NOT NULL "
            "ORDER BY branch LIMIT 3")]:
        u += ["/api/dashboard?branch=%s" % b,
              "/api/tests?branch=%s&sort=last_failed" % b,
              "/api/tests/health/features?branch=%s" % b]
    return u


def record(build, d, dburl=None):
    db = os.path.join(d, "testvis.db")
    for uri in urls(db):
        seen = 0
        while uri is not None and seen < 3:	# the page and two more
            status, etag, body = cgi(build, d, uri, dburl)
            print(status, etag or "-", hashlib.sha256(body).hexdigest(),
                  uri)
            seen += 1
            try:
                nxt = json.loads(body).get("next_cursor")
            except (ValueError, AttributeError):
                nxt = None
            if not nxt:
                break
            base = uri.split("&cursor=")[0].split("?cursor=")[0]
            uri = base + ("&" if "?" in base else "?") + "cursor=" + nxt


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "make-db":
        make_db(sys.argv[2])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "record":
        record(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]),
               sys.argv[4] if len(sys.argv) == 5 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
