package testenv

import "testing"

func TestMissingSkipsOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	if !Skips(t, "missing", func(tb testing.TB) { Missing(tb, "thing", "install it") }) {
		t.Error("Missing did not skip outside CI")
	}
}

func TestHeadroomPythonNeedsTheVariable(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("TSHEADROOM_TEST_PYTHON", "")
	if !Skips(t, "python", func(tb testing.TB) { HeadroomPython(tb) }) {
		t.Error("HeadroomPython did not skip without TSHEADROOM_TEST_PYTHON")
	}
}
