const assert = require('assert');
const fs = require('fs');

const COUNTER = '/tmp/testvis_mocha_flaky_counter';

describe('Math', function () {
  it('adds numbers', function () {
    assert.strictEqual(2 + 3, 5);
  });

  it('upcases strings', function () {
    console.log('hello from stdout in upcases strings');
    console.error('a warning line on stderr');
    assert.strictEqual('junit'.toUpperCase(), 'JUNIT');
  });

  it('fails an assertion', function () {
    assert.deepStrictEqual({ status: 'error', items: [1, 2] }, { status: 'ok', items: [1, 2, 3] },
      'response body did not match\nsecond line of the message');
  });

  it('throws an unexpected exception', function () {
    const data = undefined;
    return data.missingKey;
  });

  it('is skipped with a reason', function () {
    this.skip(); // mocha has no skip reason
  });

  it.skip('is statically skipped', function () {});

  it('is pending (no body)');

  describe('nested group', function () {
    describe('deeper', function () {
      it('passes deep inside', function () {
        assert.deepStrictEqual([1, 2], [1, 2]);
      });
    });
  });

  describe('doubling', function () {
    [[1, 2], [2, 4], [3, 7]].forEach(([value, expected]) => {
      it(`doubles ${value} to ${expected}`, function () {
        assert.strictEqual(value * 2, expected);
      });
    });
  });

  describe('retries', function () {
    it('passes on the second attempt', function () {
      this.retries(2);
      const n = fs.existsSync(COUNTER) ? parseInt(fs.readFileSync(COUNTER, 'utf8'), 10) : 0;
      fs.writeFileSync(COUNTER, String(n + 1));
      console.log(`attempt ${n + 1}`);
      assert.ok(n >= 1, 'first attempt always fails');
    });

    it('fails on every attempt', function () {
      this.retries(2);
      assert.fail('this fails on every attempt');
    });
  });
});
