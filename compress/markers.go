package compress

import "strings"

// retrievalMarkers are the strings headroom's compressors insert to point at
// content that only a retrieval tool served by a proxy can fetch. A
// pre_request hook serves no such tool, so output carrying them would leave
// the model with dangling references.
var retrievalMarkers = [...]string{"<<ccr:", "_ccr_dropped", "Retrieve more", "hash="}

// IntroducesRetrievalMarker reports whether out carries a retrieval marker
// that the original text did not already contain.
func IntroducesRetrievalMarker(original, out string) bool {
	for _, m := range retrievalMarkers {
		if strings.Contains(out, m) && !strings.Contains(original, m) {
			return true
		}
	}
	return false
}
