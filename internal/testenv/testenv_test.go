package testenv

import "testing"

func TestMissingSkipsOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	var skipped bool
	t.Run("missing", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Missing(t, "thing", "install it")
	})
	if !skipped {
		t.Error("Missing did not skip outside CI")
	}
}

func TestHeadroomPythonNeedsTheVariable(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("TSHEADROOM_TEST_PYTHON", "")
	var skipped bool
	t.Run("python", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		HeadroomPython(t)
	})
	if !skipped {
		t.Error("HeadroomPython did not skip without TSHEADROOM_TEST_PYTHON")
	}
}
