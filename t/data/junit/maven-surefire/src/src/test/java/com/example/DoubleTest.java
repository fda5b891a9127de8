package com.example;

import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import java.util.Collection;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

@RunWith(Parameterized.class)
public class DoubleTest {
    @Parameters(name = "double({0})={1}")
    public static Collection<Object[]> data() {
        return Arrays.asList(new Object[][] {{1, 2}, {2, 4}, {3, 7}});
    }

    private final int in;
    private final int want;

    public DoubleTest(int in, int want) {
        this.in = in;
        this.want = want;
    }

    @Test
    public void doubles() {
        assertEquals(want, in * 2);
    }
}
