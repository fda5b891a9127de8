<?php
use PHPUnit\Framework\TestCase;

final class MathTest extends TestCase
{
    public function testAdditionPasses(): void
    {
        $this->assertSame(5, 2 + 3);
        $this->assertIsInt(2 + 3);
    }

    public function testStringPasses(): void
    {
        echo "hello from stdout in testStringPasses\n";
        fwrite(STDERR, "a warning line on stderr\n");
        $this->assertSame('JUNIT', strtoupper('junit'));
    }

    public function testAssertionFailure(): void
    {
        $expected = ['status' => 'ok', 'items' => [1, 2, 3]];
        $actual = ['status' => 'error', 'items' => [1, 2]];
        $this->assertEquals($expected, $actual, "response body did not match\nsecond line of the message");
    }

    public function testUnexpectedException(): void
    {
        $data = [];
        throw new RuntimeException('database connection lost');
    }

    public function testSkippedWithReason(): void
    {
        $this->markTestSkipped('feature not implemented yet');
    }

    public function testIncomplete(): void
    {
        $this->markTestIncomplete('half written');
    }

    public function testRiskyNoAssertions(): void
    {
    }

    /**
     * @dataProvider doubleProvider
     */
    public function testDouble(int $value, int $expected): void
    {
        $this->assertSame($expected, $value * 2);
    }

    public function doubleProvider(): array
    {
        return [
            'one' => [1, 2],
            'two' => [2, 4],
            'three' => [3, 7],
        ];
    }

    /**
     * @dataProvider listProvider
     */
    public function testListProvider(int $n): void
    {
        $this->assertGreaterThan(0, $n);
    }

    public function listProvider(): array
    {
        return [[1], [2]];
    }
}
