package workers

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
)

// The wire protocol between Headroom and headroom_worker.py: one JSON object
// per line in each direction, one request in flight per process.

// protocolVersion is the "protocol" field of the ready line this code speaks.
const protocolVersion = 1

// wireHello is the first line a worker writes: either a ready handshake or,
// when headroom cannot be imported, a fatal error before exiting.
type wireHello struct {
	Type            string `json:"type"` // "ready" or "fatal"
	Error           string `json:"error,omitempty"`
	Protocol        int    `json:"protocol"`
	HeadroomVersion string `json:"headroom_version"`
	Python          string `json:"python"`
	PID             int    `json:"pid"`
	Preloaded       bool   `json:"preloaded"`
	// ML is the state of headroom's ML text model: "unavailable" (extra not
	// installed), "available" (loads on first call), "loaded", "failed...".
	ML string `json:"ml"`
	// RetrievalMarkers is "disabled" when the worker switched headroom's
	// router to its no-retrieval-marker mode, "unchanged" otherwise.
	RetrievalMarkers string `json:"retrieval_markers"`
	// Tokenizers maps an encoding to the counter headroom uses for it in
	// this process (its tiktoken counter, or an estimator when the
	// vocabulary could not be loaded).
	Tokenizers map[string]string `json:"tokenizers"`
}

// wireRequest asks a worker to compress a batch of items.
type wireRequest struct {
	ID    uint64 `json:"id"`
	Op    string `json:"op"` // "compress"
	Model string `json:"model,omitempty"`
	// ModelLimit is the model's context window, passed to compress() as
	// model_limit as the original tsheadroom does; 0 leaves headroom's
	// default.
	ModelLimit int        `json:"model_limit,omitempty"`
	Items      []wireItem `json:"items"`
}

// wireItem is one block's mini conversation; Messages[Target] holds the
// block text.
type wireItem struct {
	Messages []wireMessage `json:"messages"`
	Target   int           `json:"target"`
	Options  wireOptions   `json:"options"`
}

// wireOptions are keyword arguments of headroom.compress(); nil pointers are
// left to headroom's defaults.
type wireOptions struct {
	CompressUserMessages   bool     `json:"compress_user_messages"`
	CompressSystemMessages bool     `json:"compress_system_messages"`
	ProtectRecent          int      `json:"protect_recent"`
	ProtectAnalysisContext bool     `json:"protect_analysis_context"`
	TargetRatio            *float64 `json:"target_ratio"`
	MinTokensToCompress    int      `json:"min_tokens_to_compress"`
	SavingsProfile         *string  `json:"savings_profile"`
	// KompressModel is headroom's ML text model: nil for its default, a
	// HuggingFace model ID, or "disabled".
	KompressModel *string `json:"kompress_model"`
}

// wireMessage is an OpenAI chat message as headroom reads it.
type wireMessage struct {
	Role       string         `json:"role"`
	Content    *string        `json:"content"` // null on an assistant tool-call turn
	ToolCalls  []wireToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

type wireToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

type wireFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// wireReply answers a wireRequest.
type wireReply struct {
	ID           uint64          `json:"id"`
	OK           bool            `json:"ok"`
	Error        string          `json:"error,omitempty"`
	Cold         bool            `json:"cold"`
	ElapsedMS    float64         `json:"elapsed_ms"`
	TokensBefore int             `json:"tokens_before"`
	TokensAfter  int             `json:"tokens_after"`
	TokensSaved  int             `json:"tokens_saved"`
	Items        []wireItemReply `json:"items"`
}

// wireItemReply is headroom's output for one item. Messages stay raw so one
// oddly shaped message spoils only its own block, not the whole reply.
type wireItemReply struct {
	Error              string            `json:"error,omitempty"`
	Messages           []json.RawMessage `json:"messages"`
	TokensBefore       int               `json:"tokens_before"`
	TokensAfter        int               `json:"tokens_after"`
	TokensSaved        int               `json:"tokens_saved"`
	TargetTokensBefore *int              `json:"target_tokens_before"`
	TargetTokensAfter  *int              `json:"target_tokens_after"`
	Transforms         []string          `json:"transforms"`
	ElapsedMS          float64           `json:"elapsed_ms"`
}

// errLineTooLong is returned for a protocol line over the limit.
var errLineTooLong = errors.New("protocol line too long")

// readCapped reads one '\n'-terminated line and returns at most max bytes of
// it (without the newline) plus the number of bytes dropped beyond max. The
// rest of an overlong line is consumed and discarded, so memory stays
// bounded whatever the worker writes. A final line without a newline is
// returned with io.EOF.
func readCapped(r *bufio.Reader, max int) (line []byte, dropped int, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		n := len(chunk)
		if err == nil {
			n-- // the newline
		}
		if room := max - len(line); room > 0 {
			take := min(room, n)
			line = append(line, chunk[:take]...)
			dropped += n - take
		} else {
			dropped += n
		}
		switch {
		case err == nil:
			return line, dropped, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && (len(line) > 0 || dropped > 0):
			return line, dropped, io.ErrUnexpectedEOF
		default:
			return line, dropped, err
		}
	}
}
