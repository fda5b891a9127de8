package com.example;

import static org.junit.Assert.assertEquals;

import org.junit.Test;
import org.junit.experimental.runners.Enclosed;
import org.junit.runner.RunWith;

@RunWith(Enclosed.class)
public class AccountTest {
    public static class Deposits {
        @Test
        public void depositPasses() {
            assertEquals(150, 100 + 50);
        }
    }

    public static class Withdrawals {
        @Test
        public void withdrawPasses() {
            assertEquals(60, 100 - 40);
        }
    }
}
