#!/bin/sh
# Regenerate: configure + run ctest with JUnit output (cmake 3.25.1).
cd "$(dirname "$0")"
rm -rf build /tmp/testvis_ctest_flaky_counter
cmake -S . -B build > /dev/null
cd build
ctest --output-junit ../report.xml --repeat until-pass:2 > ../console.txt 2>&1
exit 0
