#!/bin/sh
# Regenerate: Catch2 2.13.10 (Debian catch2 2.13.10-1, single header).
cd "$(dirname "$0")"
g++ -std=c++17 -o sample_test sample_test.cpp
./sample_test -r junit -o report.xml > console.txt 2>&1
# Console summary from the default reporter on the same tests:
./sample_test -r console >> console.txt 2>&1
exit 0
