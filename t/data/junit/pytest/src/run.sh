#!/bin/sh
# Regenerate: run from the directory containing test_sample.py
# Uses Debian's /usr/bin/python3 with python3-pytest + python3-pytest-rerunfailures.
cd "$(dirname "$0")"
rm -f /tmp/testvis_pytest_flaky_counter
/usr/bin/python3 -m pytest -p no:cacheprovider -o junit_family=xunit2 -o junit_logging=all --junitxml=report.xml test_sample.py > console.txt 2>&1
rm -f /tmp/testvis_pytest_flaky_counter
/usr/bin/python3 -m pytest -p no:cacheprovider -o junit_family=xunit1 --junitxml=report-xunit1.xml test_sample.py > console-xunit1.txt 2>&1
exit 0
