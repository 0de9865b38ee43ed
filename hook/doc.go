// Package hook implements the Aperture pre_request hook protocol: it reads a
// hook call, recognises the provider request shape (Anthropic Messages,
// OpenAI Chat Completions and Responses, Gemini generateContent, Bedrock
// Converse), hands the candidate blocks to a compression engine through the
// worker pool, and splices the results back into the original bytes so that
// everything the engine did not rewrite stays byte-identical.
//
// Every failure answers 200 with "allow": the hook never blocks a request and
// never loses content. It does not know about the tailnet or access control;
// those wrap its handlers from the outside.
package hook
