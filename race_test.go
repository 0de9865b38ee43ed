//go:build race

package main

// raceEnabled: the race detector multiplies a process's memory, so RSS
// bounds do not apply to a -race build.
const raceEnabled = true
