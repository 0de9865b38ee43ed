// Package hook implements the Aperture pre_request hook protocol: it reads a
// hook call, recognises the provider request shape (Anthropic Messages,
// OpenAI Chat Completions and Responses, Gemini generateContent, Bedrock
// Converse), hands the candidate blocks to a compression engine in a pool
// slot, and splices the results back into the original bytes so that
// everything the engine did not rewrite stays byte-identical.
//
// Hook.Process is a sequence of exported steps, which tests and tools take
// one by one to see exactly what an engine is handed: ParseCall (the
// envelope), Call.Candidates (the conversation walk of the call's shape),
// Call.Knobs and Candidates.Request (the engine request), then the engine,
// then Candidates.Splice. The files follow the same order: call.go,
// shape.go, candidates.go and walker.go with one file per provider's walk,
// splice.go, process.go, and handler.go for HTTP.
//
// Every failure answers 200 with "allow": the hook never blocks a request and
// never loses content. It declares what it needs of the outside as small
// interfaces (Engine, Runner, Readier, Versioner) and knows nothing of the
// tailnet or access control, which wrap its handlers from the outside.
package hook
