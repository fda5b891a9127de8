#!/bin/sh
# Regenerate: vitest (npm) built-in junit reporter, Node 20; node_modules in /tmp/junit-work/node.
cd "$(dirname "$0")"
rm -f /tmp/testvis_vitest_flaky_counter
NO_COLOR=1 npx vitest run --root . --reporter=default --reporter=junit --outputFile.junit=report.xml > console.txt 2>&1
exit 0
