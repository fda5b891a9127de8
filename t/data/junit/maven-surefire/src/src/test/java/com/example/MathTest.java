package com.example;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.Ignore;
import org.junit.Test;

public class MathTest {
    @Test
    public void additionPasses() {
        assertEquals(5, 2 + 3);
    }

    @Test
    public void stringPasses() {
        System.out.println("hello from stdout in stringPasses");
        System.err.println("a warning line on stderr");
        assertEquals("JUNIT", "junit".toUpperCase());
    }

    @Test
    public void assertionFailure() {
        List<Integer> expected = Arrays.asList(1, 2, 3);
        List<Integer> actual = Arrays.asList(1, 2);
        assertEquals("response body did not match\nsecond line of the message", expected, actual);
    }

    @Test
    public void unexpectedException() {
        Map<String, String> data = new HashMap<>();
        data.get("missing").length(); // NullPointerException
    }

    @Ignore("feature not implemented yet")
    @Test
    public void ignoredWithReason() {
    }

    @Test
    public void assumptionFails() {
        assumeTrue("needs a database", false);
    }
}
