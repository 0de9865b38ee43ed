package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/hook"
)

// defaultMemoryLimit is the soft memory limit of the service: a fixed
// size rather than a share of the machine, so that it means the same on a
// laptop, a VM and in a container (whose own limit the machine's size does
// not tell). The hook's bytes in flight are an eighth of it.
const defaultMemoryLimit = 1 << 30

// byteSize is a flag value in bytes: a number with an optional unit (KiB,
// MiB, GiB, or KB, MB, GB, or k, M, G taken as binary), or "off".
type byteSize int64

func (b byteSize) String() string {
	if b <= 0 {
		return "off"
	}
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

func (b *byteSize) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		*b = 0
		return nil
	}
	units := []struct {
		suffix string
		size   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"k", 1 << 10}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.size
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f*mult > math.MaxInt64 {
		return fmt.Errorf("want a size such as 1GiB, 512MiB or off")
	}
	*b = byteSize(f * mult)
	return nil
}

// applyMemoryLimit sets the runtime's soft memory limit, unless the flag
// was left at its default while GOMEMLIMIT is set (the runtime read it
// already), and returns the limit in force (0: none) and where it came
// from.
func applyMemoryLimit(limit byteSize, flagSet bool) (int64, string) {
	if !flagSet {
		if v, ok := os.LookupEnv("GOMEMLIMIT"); ok && v != "" && v != "off" {
			return debug.SetMemoryLimit(-1), "GOMEMLIMIT"
		}
	}
	if limit <= 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		return 0, "-memory-limit"
	}
	debug.SetMemoryLimit(int64(limit))
	return int64(limit), "-memory-limit"
}

// inFlightBytes is the hook's bound on bytes of bodies held at once for a
// memory limit: an eighth of it (a body costs several times its size while
// parsed, compressed and spliced), the hook's default without a limit.
func inFlightBytes(limit int64) int64 {
	if limit <= 0 {
		return hook.DefaultMaxInFlightBytes
	}
	return limit / 8
}
