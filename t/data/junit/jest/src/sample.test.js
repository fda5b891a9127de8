const fs = require('fs');

const COUNTER = '/tmp/testvis_jest_flaky_counter';

jest.retryTimes(2, { logErrorsBeforeRetry: true });

describe('Math', () => {
  test('adds numbers', () => {
    expect(2 + 3).toBe(5);
  });

  test('upcases strings', () => {
    console.log('hello from stdout in upcases strings');
    console.error('a warning line on stderr');
    expect('junit'.toUpperCase()).toBe('JUNIT');
  });

  test('fails an assertion', () => {
    expect({ status: 'error', items: [1, 2] }).toEqual({ status: 'ok', items: [1, 2, 3] });
  });

  test('throws an unexpected exception', () => {
    const data = undefined;
    return data.missingKey;
  });

  test.skip('is skipped', () => {});

  test.todo('is a todo');

  describe('nested group', () => {
    describe('deeper', () => {
      test('passes deep inside', () => {
        expect([1, 2]).toEqual([1, 2]);
      });
    });
  });

  describe('doubling', () => {
    test.each([
      [1, 2],
      [2, 4],
      [3, 7],
    ])('doubles %i to %i', (value, expected) => {
      expect(value * 2).toBe(expected);
    });
  });

  describe('retries', () => {
    test('passes on the second attempt', () => {
      const n = fs.existsSync(COUNTER) ? parseInt(fs.readFileSync(COUNTER, 'utf8'), 10) : 0;
      fs.writeFileSync(COUNTER, String(n + 1));
      console.log(`attempt ${n + 1}`);
      expect(n).toBeGreaterThanOrEqual(1);
    });

    test('fails on every attempt', () => {
      throw new Error('this fails on every attempt');
    });
  });
});
