#!/bin/sh
# Regenerate: mocha + mocha-junit-reporter (npm), Node 20. Run from a dir whose node_modules has them
# (here /tmp/junit-work/node, installed with: npm install mocha mocha-junit-reporter).
cd "$(dirname "$0")"
rm -f /tmp/testvis_mocha_flaky_counter
# spec reporter for the console summary + junit reporter for the file, in one run:
npx mocha --reporter mocha-multi-reporters --reporter-options configFile=reporters.json sample.test.js > console.txt 2>&1
# Second run, junit reporter only, with non-default options: include pending tests and captured console output.
rm -f /tmp/testvis_mocha_flaky_counter
npx mocha --reporter mocha-junit-reporter --reporter-options mochaFile=report-options.xml,includePending=true,outputs=true sample.test.js > console-options.txt 2>&1
exit 0
