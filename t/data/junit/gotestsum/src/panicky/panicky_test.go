package panicky

import "testing"

func TestBeforePanic(t *testing.T) {}

func TestPanicsInOwnPackage(t *testing.T) {
	var m map[string]int
	m["boom"] = 1 // panic: assignment to entry in nil map
}

func TestNeverRuns(t *testing.T) {}
