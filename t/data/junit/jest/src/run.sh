#!/bin/sh
# Regenerate: jest + jest-junit (npm), Node 20; node_modules in /tmp/junit-work/node.
cd "$(dirname "$0")"
rm -f /tmp/testvis_jest_flaky_counter
JEST_JUNIT_OUTPUT_FILE=report.xml npx jest --ci --rootDir . --reporters=default --reporters=jest-junit > console.txt 2>&1
exit 0
