package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CalculatorTest {
    @Test
    void additionPasses() {
        assertEquals(5, 2 + 3);
    }

    @Test
    @DisplayName("string passes 😀")
    void stringPasses() {
        System.out.println("hello from stdout in stringPasses");
        System.err.println("a warning line on stderr");
        assertEquals("JUNIT", "junit".toUpperCase());
    }

    @Test
    void assertionFailure() {
        assertEquals(List.of(1, 2, 3), List.of(1, 2), "response body did not match\nsecond line of the message");
    }

    @Test
    void unexpectedException() {
        Map<String, String> data = new HashMap<>();
        data.get("missing").length();
    }

    @Test
    @Disabled("feature not implemented yet")
    void disabledWithReason() {
    }

    @Test
    void assumptionFails() {
        assumeTrue(false, "needs a database");
    }

    @ParameterizedTest(name = "double({0}) = {1}")
    @CsvSource({"1, 2", "2, 4", "3, 7"})
    void doubles(int in, int want) {
        assertEquals(want, in * 2);
    }

    @RepeatedTest(2)
    void repeated() throws Exception {
        Path p = Paths.get("/tmp/testvis_junit5_repeat_counter");
        int n = Files.exists(p) ? Integer.parseInt(Files.readString(p).trim()) : 0;
        n++;
        Files.writeString(p, String.valueOf(n));
        System.out.println("repetition " + n);
        assertTrue(n >= 2, "first repetition fails");
    }

    @Nested
    class Account {
        @Test
        void depositPasses() {
            assertEquals(150, 100 + 50);
        }

        @Nested
        class Overdraft {
            @Test
            void withdrawTooMuchFails() {
                assertTrue(100 - 500 >= 0, "balance went negative");
            }
        }
    }
}
