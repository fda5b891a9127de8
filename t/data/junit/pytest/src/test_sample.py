import os
import sys
import pytest

COUNTER = "/tmp/testvis_pytest_flaky_counter"


def add(a, b):
    return a + b


def test_addition_passes():
    assert add(2, 3) == 5


def test_string_passes():
    print("hello from stdout in test_string_passes")
    print("a warning line on stderr", file=sys.stderr)
    assert "junit".upper() == "JUNIT"


def test_assertion_failure():
    expected = {"status": "ok", "items": [1, 2, 3]}
    actual = {"status": "error", "items": [1, 2]}
    print("about to compare dicts")
    assert actual == expected, "response body did not match\nsecond line of the message"


def test_unexpected_exception():
    data = {}
    return data["missing_key"]


@pytest.fixture
def broken_fixture():
    raise RuntimeError("fixture setup exploded")


def test_fixture_error(broken_fixture):
    assert True


@pytest.mark.skip(reason="feature not implemented yet")
def test_skipped_with_reason():
    assert False


@pytest.mark.xfail(reason="known bug #123")
def test_expected_failure():
    assert 1 == 2


@pytest.mark.parametrize("value,expected", [(1, 2), (2, 4), (3, 7)])
def test_double(value, expected):
    assert value * 2 == expected


class TestNestedGroup:
    def test_inner_pass(self):
        assert [1, 2] == [1, 2]

    class TestDeeper:
        def test_deep_pass(self):
            assert True


@pytest.mark.flaky(reruns=2)
def test_flaky_passes_on_second_attempt():
    n = 0
    if os.path.exists(COUNTER):
        with open(COUNTER) as f:
            n = int(f.read() or 0)
    with open(COUNTER, "w") as f:
        f.write(str(n + 1))
    print(f"attempt {n + 1}")
    assert n >= 1, "first attempt always fails"


@pytest.mark.flaky(reruns=2)
def test_always_fails_with_retries():
    assert False, "this fails on every attempt"


@pytest.fixture
def teardown_breaks():
    yield "resource"
    raise OSError("could not release resource in teardown")


def test_passes_but_teardown_errors(teardown_breaks):
    assert teardown_breaks == "resource"
