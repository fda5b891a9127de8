import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

const COUNTER = '/tmp/testvis_nodetest_flaky_counter';

describe('Math', () => {
  it('adds numbers', () => {
    assert.equal(2 + 3, 5);
  });

  it('upcases strings', () => {
    console.log('hello from stdout in upcases strings');
    console.error('a warning line on stderr');
    assert.equal('junit'.toUpperCase(), 'JUNIT');
  });

  it('fails an assertion', () => {
    assert.deepEqual({ status: 'error', items: [1, 2] }, { status: 'ok', items: [1, 2, 3] },
      'response body did not match\nsecond line of the message');
  });

  it('throws an unexpected exception', () => {
    const data = undefined;
    return data.missingKey;
  });

  it('is skipped with a reason', { skip: 'feature not implemented yet' }, () => {});

  it('skips at runtime', (t) => {
    t.skip('no database available');
  });

  it('is a todo', { todo: 'write this test' }, () => {
    assert.fail('todo tests may fail without failing the run');
  });

  describe('nested group', () => {
    describe('deeper', () => {
      it('passes deep inside', () => {
        assert.deepEqual([1, 2], [1, 2]);
      });
    });
  });

  describe('doubling', () => {
    for (const [value, expected] of [[1, 2], [2, 4], [3, 7]]) {
      it(`doubles ${value} to ${expected}`, () => {
        assert.equal(value * 2, expected);
      });
    }
  });
});

test('top-level test with subtests', async (t) => {
  await t.test('subtest passes', () => {});
  await t.test('subtest fails', () => {
    throw new Error('subtest failure');
  });
});

test('flaky without retry support', () => {
  const n = fs.existsSync(COUNTER) ? parseInt(fs.readFileSync(COUNTER, 'utf8'), 10) : 0;
  fs.writeFileSync(COUNTER, String(n + 1));
  console.log(`attempt ${n + 1}`);
  assert.ok(n >= 1, 'first attempt always fails (node:test has no retries in Node 20)');
});
