package hook

// Outcome classifies how a hook call ended. The set is closed: it labels
// metrics and log lines.
type Outcome string

// Outcomes. Every one but reject_encoding answers HTTP 200.
const (
	// OutcomeModify: the body was rewritten and saves tokens.
	OutcomeModify Outcome = "modify"
	// OutcomeNoop: a known shape with nothing worth rewriting.
	OutcomeNoop Outcome = "noop"
	// OutcomePassthrough: no request body, or a shape the hook does not know.
	OutcomePassthrough Outcome = "passthrough"
	// OutcomeError: the engine or the hook failed; the request is allowed.
	OutcomeError Outcome = "error"
	// OutcomeReadError: the body could not be read (cut off, too slow).
	OutcomeReadError Outcome = "read_error"
	// OutcomeDecodeError: the body is not a valid hook call (bad JSON,
	// invalid UTF-8, duplicate keys, trailing bytes, a content coding that
	// fails).
	OutcomeDecodeError Outcome = "decode_error"
	// OutcomeRejectEncoding: a content coding the hook cannot decode (415).
	OutcomeRejectEncoding Outcome = "reject_encoding"
	// OutcomeTimeout: the per-call budget ran out; the request is allowed.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeOverload: too many calls already waiting for the pool, or
	// too many bodies (or bytes of bodies) being read.
	OutcomeOverload Outcome = "overload"
	// OutcomeTooLarge: the call is over a limit of work for one call
	// (body size, messages, blocks, JSON values).
	OutcomeTooLarge Outcome = "too_large"
)

// Outcomes returns every outcome, in a fixed order, for metrics to declare
// their label values up front.
func Outcomes() []string {
	return []string{
		string(OutcomeModify), string(OutcomeNoop), string(OutcomePassthrough), string(OutcomeError),
		string(OutcomeReadError), string(OutcomeDecodeError), string(OutcomeRejectEncoding),
		string(OutcomeTimeout), string(OutcomeOverload), string(OutcomeTooLarge),
	}
}

// FailedOpen reports whether the call was answered allow because something
// went wrong (anything but modify, noop and passthrough): such outcomes
// are logged at warn, where an operator sees them without -v.
func (o Outcome) FailedOpen() bool {
	switch o {
	case OutcomeModify, OutcomeNoop, OutcomePassthrough:
		return false
	}
	return true
}
