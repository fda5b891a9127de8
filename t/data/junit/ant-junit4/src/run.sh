#!/bin/sh
# Regenerate: Apache Ant 1.10.13 (Debian ant + ant-optional), JUnit 4.13.2 (Debian junit4).
cd "$(dirname "$0")"
rm -rf build reports
ant -noinput test > console.txt 2>&1
exit 0
