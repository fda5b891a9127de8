// @ts-check
const { test, expect } = require('@playwright/test');
const fs = require('fs');

const COUNTER = '/tmp/testvis_playwright_flaky_counter';

test.describe('Math', () => {
  test('adds numbers', async () => {
    expect(2 + 3).toBe(5);
  });

  test('upcases strings', async () => {
    console.log('hello from stdout in upcases strings');
    console.error('a warning line on stderr');
    expect('junit'.toUpperCase()).toBe('JUNIT');
  });

  test('fails an assertion', async () => {
    expect({ status: 'error', items: [1, 2] }, 'response body did not match').toEqual({ status: 'ok', items: [1, 2, 3] });
  });

  test('throws an unexpected exception', async () => {
    const data = undefined;
    // @ts-ignore
    return data.missingKey;
  });

  test('is skipped with a reason', async () => {
    test.skip(true, 'feature not implemented yet');
  });

  test.fixme('is marked fixme', async () => {});

  test.describe('nested group', () => {
    test.describe('deeper', () => {
      test('passes deep inside', async () => {
        expect([1, 2]).toEqual([1, 2]);
      });
    });
  });

  test.describe('doubling', () => {
    for (const [value, expected] of [[1, 2], [2, 4], [3, 7]]) {
      test(`doubles ${value} to ${expected}`, async () => {
        expect(value * 2).toBe(expected);
      });
    }
  });

  test.describe('retries', () => {
    test('passes on the second attempt', async () => {
      const n = fs.existsSync(COUNTER) ? parseInt(fs.readFileSync(COUNTER, 'utf8'), 10) : 0;
      fs.writeFileSync(COUNTER, String(n + 1));
      console.log(`attempt ${n + 1} (retry index ${test.info().retry})`);
      expect(n).toBeGreaterThanOrEqual(1);
    });

    test('fails on every attempt', async () => {
      throw new Error('this fails on every attempt');
    });
  });
});
