#!/bin/sh
# Regenerate: googletest 1.12.1 from Debian libgtest-dev.
cd "$(dirname "$0")"
g++ -std=c++17 -o sample_test sample_test.cpp -lgtest -lgtest_main -pthread
rm -f /tmp/testvis_gtest_flaky_counter
./sample_test --gtest_output=xml:report.xml > console.txt 2>&1
# gtest has no retry; --gtest_repeat runs everything again. Second report with 2 iterations:
rm -f /tmp/testvis_gtest_flaky_counter
./sample_test --gtest_repeat=2 --gtest_filter='RetryTest.*:MathTest.AdditionPasses' --gtest_output=xml:report-repeat2.xml > console-repeat2.txt 2>&1
exit 0
