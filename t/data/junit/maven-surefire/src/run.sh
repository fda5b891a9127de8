#!/bin/sh
# Regenerate: Apache Maven 3.8.7 (Debian maven), maven-surefire-plugin 2.22.3 (Debian libsurefire-java),
# maven-compiler-plugin 3.10.1 / maven-resources-plugin 3.3.0 (Debian libmaven-*-plugin-java), JUnit 4.13.2, OpenJDK 17.
# Fully offline: settings.xml mirrors every repository to file:///usr/share/maven-repo (Debian's packaged repo).
cd "$(dirname "$0")"
rm -rf target /tmp/testvis_maven_flaky_counter /tmp/testvis_maven_flaky_error_counter
mvn -B -s settings.xml test > console.txt 2>&1
exit 0
