#!/bin/sh
# per-branch overview and health of the demo data (CGI mode)
B=${BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
get() { REQUEST_METHOD=GET QUERY_STRING="$2" SCRIPT_NAME="$1" PATH_INFO= REQUEST_URI="$1?$2" "$B/cgi-bin/$3" | sed '1,/^\r*$/d'; }
for br in main feature/refund-api fix/login-timeout release/2.4 agent/quick-fix; do
  q="branch=$(printf %s "$br" | sed 's,/,%2F,g')"
  get /api/dashboard "$q" testvis-insights | python3 -c '
import json,sys; d=json.load(sys.stdin)
print("%-20s tests %3d passing %3d failing %d skipped %d flaky %d incidents %d signals %2d pass_rate %5.1f%% (%d runs) failing_now %s" % (d["branch"], d["total_tests"], d["passing"], d["failing"], d["skipped"], d["flaky"], d["open_incidents"], d["open_signals"], 100*(d["pass_rate"] or 0), d["pass_rate_runs"], ",".join(x["name"]+("(new)" if x["new"] else "(%d runs)"%x["runs_failing"]) for x in d["failing_now"])))'
  get /api/tests/health/domains "$q" testvis-features | python3 -c '
import json,sys; d=json.load(sys.stdin)
print("    health:", "  ".join("%s %s %d/%d/%d sig %d int %.1f" % (x["path"], x["status"], x["passed"], x["failed"], x["tests"], x["open_signals"], x["integrity_score"]) for x in d["domains"]))'
done
