#!/bin/sh
# Regenerate: PHPUnit 9.6.7 (Debian phpunit 9.6.7-1+deb12u1), PHP 8.2.
cd "$(dirname "$0")"
phpunit --log-junit report.xml > console.txt 2>&1
exit 0
