// Package compress defines what a compression engine is handed and
// returns (Request, Block, Result), the configuration knobs both engines
// follow, and the native engine with its per-kind content compressors;
// token counting is in the subpackage tokens.
//
// It knows nothing about HTTP, provider request shapes or worker processes:
// the hook package turns a provider body into Blocks, declares the engine
// interface it calls and splices the results back; the workers package runs
// the headroom engine in Python processes.
package compress

// Source says where a block came from in the conversation.
type Source int

const (
	// ToolOutput is the output of a tool call: an Anthropic tool_result, an
	// OpenAI role:"tool" message or function_call_output, a Gemini
	// functionResponse, a Bedrock toolResult.
	ToolOutput Source = iota
	// MessageText is plain text a participant wrote (user, assistant, system).
	MessageText
)

func (s Source) String() string {
	if s == ToolOutput {
		return "tool_output"
	}
	return "message_text"
}

// Request is one LLM request reduced to what an engine needs.
type Request struct {
	// Model is the model name as resolved by Aperture (metadata.model) or the
	// body's model; it picks the tokenizer. May be empty.
	Model string
	// Session groups the turns of one conversation (metadata.session_id). Used
	// for worker affinity only; it never changes the output.
	Session string
	// Blocks are the candidate blocks in conversation order.
	Blocks []Block
	// Turns are the texts participants wrote (user, assistant, system),
	// in conversation order. A block is judged by the user turns before
	// it and, for restores, by the turns after it (see Block.Turn).
	Turns []Turn
	// Config holds the knobs in force for this request.
	Config Config
	// OtherTokens counts the tokens of the request outside its blocks
	// (tool definitions, images, signed reasoning), for the context window
	// check.
	OtherTokens int

	// queries and texts are set on the engine's copy of the request for
	// one call.
	queries *queryCache
	texts   *textDigests
}

// Turn is text a participant wrote: a user request, an assistant reply.
type Turn struct {
	// Role is "user", "assistant" (or "model"), "system" or "developer".
	Role string
	// Text is what was written (the text parts of one message joined).
	Text string
	// Message is the index of the message holding the turn.
	Message int
}

// Block is one candidate piece of text with its conversational context.
type Block struct {
	// Text is the block's content. For a JSON value (a Gemini
	// functionResponse.response, a Bedrock {"json": ...}) it is the compact
	// JSON text of that value.
	Text string
	// Source tells tool output from message text.
	Source Source
	// Role is the role of the message holding the block: "user",
	// "assistant", "system", "developer" or "tool".
	Role string
	// FromEnd is the index of the block's message counted from the end of
	// the conversation: 0 is the last message.
	FromEnd int
	// ToolName and ToolInput describe the tool call that produced a
	// ToolOutput block (ToolInput is the call's raw JSON arguments); empty
	// when unknown.
	// ToolCallID is the id linking the output to its call (tool_use id,
	// tool_call_id, call_id); empty when the shape has none.
	ToolName   string
	ToolInput  string
	ToolCallID string
	// Task is what the user asked for before this block: the text of the
	// user messages that precede it (tool results excluded), oldest first,
	// joined by newlines and cut to their last 4 KiB.
	Task string
	// Turn is the number of Request.Turns that come before the block: the
	// turns from Turns[Turn] on were written after it.
	Turn int
	// Message is the index of the message holding the block.
	Message int
	// IsError is set when the tool result is flagged as an error.
	IsError bool
	// CacheControl is set when the block carries a cache_control marker.
	CacheControl bool
	// JSONObject is set when the result must remain a JSON object (Gemini
	// functionResponse.response).
	JSONObject bool
}

// Result holds one BlockResult per request block.
type Result struct {
	Blocks []BlockResult
	// Pressure is below 1 when the request was over its model's context
	// window and was compressed harder to fit: the share of the usual
	// budgets that was used. 1 otherwise.
	Pressure float64
	// Window is the context window the request was checked against (0
	// when none is known).
	Window int
}

// BlockResult is the outcome for one block.
type BlockResult struct {
	// Changed reports whether Text differs from the block's original text.
	Changed bool
	// Text is the replacement; meaningful only when Changed.
	Text string
	// Kind is the detected content kind (for metrics), e.g. KindJSON.
	Kind Kind
	// TokensBefore and TokensAfter count the block's tokens with the
	// request model's tokenizer. TokensAfter equals TokensBefore when
	// unchanged.
	TokensBefore int
	TokensAfter  int
	// Protected is set when a knob kept the block as it is
	// (protect_recent, protect_recent_tool_outputs, compress_*_messages,
	// protect_analysis_context), as opposed to a block left alone because
	// it is small, code, or nothing in it was worth changing.
	Protected bool
	// Restored names why a later turn changed the block's form (see
	// RestoreReasons), empty when it keeps its first-sight form.
	Restored string
	// RestoredTokens is what the restore added back: TokensAfter minus the
	// first-sight form's tokens.
	RestoredTokens int
	// RestoreFresh is set when the turn that triggered the restore is new
	// in this request: the request on which the block changes form and the
	// prompt cache breaks. Later requests carry the restore, not fresh.
	RestoreFresh bool
}

// Kind names a content kind. The set is closed (it labels metrics).
type Kind string

// Content kinds.
const (
	KindJSON      Kind = "json"
	KindLog       Kind = "log"
	KindSearch    Kind = "search"
	KindListing   Kind = "listing"
	KindDiff      Kind = "diff"
	KindTable     Kind = "table"
	KindHTML      Kind = "html"
	KindDuplicate Kind = "duplicate"
	KindDoc       Kind = "doc"
	KindCode      Kind = "code"
	KindText      Kind = "text"
)

// CompressedKinds returns the kinds a block can be rewritten as, in a fixed
// order, so metrics can pre-declare their label values.
func CompressedKinds() []Kind {
	return []Kind{KindJSON, KindLog, KindSearch, KindListing, KindDiff, KindTable, KindHTML, KindDoc, KindText, KindDuplicate}
}
