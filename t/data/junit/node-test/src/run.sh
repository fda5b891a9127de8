#!/bin/sh
# Regenerate: Node 20 built-in test runner with the junit reporter (plus spec reporter for the console).
cd "$(dirname "$0")"
rm -f /tmp/testvis_nodetest_flaky_counter
node --test --test-reporter=spec --test-reporter-destination=stdout \
     --test-reporter=junit --test-reporter-destination=report.xml sample.test.mjs > console.txt 2>&1
exit 0
