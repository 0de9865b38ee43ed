//go:build !unix

package procinfo

func signalable(int) bool { return false }
