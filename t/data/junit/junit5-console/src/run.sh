#!/bin/sh
# Regenerate: JUnit Platform ConsoleLauncher 1.9.1 / Jupiter 5.9.2 (Debian junit5 package:
# /usr/share/java/junit-platform-console-standalone.jar), OpenJDK 17. Legacy XML reporter via --reports-dir.
cd "$(dirname "$0")"
rm -rf classes reports /tmp/testvis_junit5_repeat_counter
JAR=/usr/share/java/junit-platform-console-standalone.jar
javac -d classes -cp $JAR com/example/CalculatorTest.java
java -jar $JAR --disable-banner --disable-ansi-colors --details=tree -cp classes --select-class com.example.CalculatorTest --reports-dir reports --config=junit.platform.output.capture.stdout=true --config=junit.platform.output.capture.stderr=true > console.txt 2>&1
exit 0
