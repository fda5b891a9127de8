<?php
use PHPUnit\Framework\TestCase;

final class AccountTest extends TestCase
{
    private int $balance;

    protected function setUp(): void
    {
        $this->balance = 100;
    }

    public function testDepositPasses(): void
    {
        $this->balance += 50;
        $this->assertSame(150, $this->balance);
    }

    public function testWarningIsTriggered(): void
    {
        $this->assertSame(1, 1);
        trigger_error('deprecated call', E_USER_WARNING);
    }
}
