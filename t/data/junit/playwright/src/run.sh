#!/bin/sh
# Regenerate: @playwright/test (npm) junit reporter, Node 20, no browser (tests never use page/browser fixtures).
# node_modules in /tmp/junit-work/node; installed with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1.
cd "$(dirname "$0")"
rm -f /tmp/testvis_playwright_flaky_counter
npx playwright test > console.txt 2>&1
exit 0
