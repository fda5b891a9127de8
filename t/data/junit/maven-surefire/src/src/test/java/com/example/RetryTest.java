package com.example;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.Test;

public class RetryTest {
    private static final Path COUNTER = Paths.get("/tmp/testvis_maven_flaky_counter");

    private static int bump(Path p) throws IOException {
        int n = Files.exists(p) ? Integer.parseInt(Files.readAllLines(p).get(0).trim()) : 0;
        n++;
        Files.write(p, String.valueOf(n).getBytes());
        return n;
    }

    @Test
    public void flakyPassesSecondTime() throws IOException {
        int n = bump(COUNTER);
        System.out.println("attempt " + n);
        assertTrue("first attempt always fails", n >= 2);
    }

    @Test
    public void flakyErrorThenPass() throws IOException {
        int n = bump(Paths.get("/tmp/testvis_maven_flaky_error_counter"));
        if (n < 2) {
            throw new IllegalStateException("connection reset on attempt " + n);
        }
    }

    @Test
    public void alwaysFails() {
        System.out.println("alwaysFails is running");
        assertTrue("this fails on every attempt", false);
    }
}
