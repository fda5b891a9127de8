package calc

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"testing"
)

const counter = "/tmp/testvis_go_flaky_counter"

func TestAdditionPasses(t *testing.T) {
	if Add(2, 3) != 5 {
		t.Fatal("bad add")
	}
}

func TestStringPasses(t *testing.T) {
	fmt.Println("hello from stdout in TestStringPasses")
	fmt.Fprintln(os.Stderr, "a warning line on stderr")
	t.Log("a t.Log line")
}

func TestAssertionFailure(t *testing.T) {
	expected := []int{1, 2, 3}
	actual := []int{1, 2}
	if !reflect.DeepEqual(actual, expected) {
		t.Errorf("slices differ\nexpected: %v\nactual:   %v", expected, actual)
	}
}

func TestSkippedWithReason(t *testing.T) {
	t.Skip("feature not implemented yet")
}

func TestDouble(t *testing.T) {
	cases := []struct{ in, want int }{{1, 2}, {2, 4}, {3, 7}}
	for _, c := range cases {
		c := c
		t.Run(fmt.Sprintf("in=%d", c.in), func(t *testing.T) {
			if got := c.in * 2; got != c.want {
				t.Errorf("double(%d) = %d, want %d", c.in, got, c.want)
			}
		})
	}
}

func TestNested(t *testing.T) {
	t.Run("Group", func(t *testing.T) {
		t.Run("DeepPass", func(t *testing.T) {})
		t.Run("DeepSkip", func(t *testing.T) { t.Skip("skipped inside a subtest") })
	})
}

func TestFlakyPassesSecondTime(t *testing.T) {
	n := 0
	if b, err := os.ReadFile(counter); err == nil {
		n, _ = strconv.Atoi(string(b))
	}
	n++
	os.WriteFile(counter, []byte(strconv.Itoa(n)), 0o644)
	t.Logf("attempt %d", n)
	if n < 2 {
		t.Fatal("first attempt always fails")
	}
}

func TestAlwaysFails(t *testing.T) {
	t.Fatal("this fails on every attempt")
}
