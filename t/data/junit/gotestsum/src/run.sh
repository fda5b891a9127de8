#!/bin/sh
# Regenerate: go 1.19.8 (Debian golang-go), gotestsum (Debian gotestsum 1.8.2-1+b3).
cd "$(dirname "$0")"
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
rm -f /tmp/testvis_go_flaky_counter
gotestsum --junitfile report.xml --format testname > console.txt 2>&1
rm -f /tmp/testvis_go_flaky_counter
# --rerun-fails aborts if any package panicked, so only ./calc here:
gotestsum --junitfile report-rerun.xml --format testname --rerun-fails=2 --packages=./calc > console-rerun.txt 2>&1
exit 0
