package hook

import (
	"net/url"
	"strings"
)

// Shape names a provider request-body format.
type Shape string

// The request shapes the hook understands. Anything else passes through.
const (
	ShapeAnthropic       Shape = "anthropic"
	ShapeOpenAIChat      Shape = "openai-chat"
	ShapeOpenAIResponses Shape = "openai-responses"
	ShapeGemini          Shape = "gemini"
	ShapeBedrockConverse Shape = "bedrock-converse"
	ShapeUnknown         Shape = "unknown"
)

// detectShape picks the body shape from the path of metadata.url and
// metadata.provider. It deliberately does not guess from the body's keys:
// Bedrock Converse has a "messages" key too, with different blocks.
func detectShape(rawURL, provider string) Shape {
	// Only the path decides, never a query or fragment such as
	// "?x#/messages", even in a URL that does not parse (a stray %).
	path := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		path = u.Path
	} else if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	path = strings.TrimRight(path, "/")
	provider = strings.ToLower(provider)
	switch {
	case strings.HasSuffix(path, "/converse") || strings.HasSuffix(path, "/converse-stream"):
		return ShapeBedrockConverse
	case strings.HasSuffix(path, "/chat/completions"):
		return ShapeOpenAIChat
	case strings.HasSuffix(path, "/responses"):
		return ShapeOpenAIResponses
	case strings.HasSuffix(path, ":generateContent") || strings.HasSuffix(path, ":streamGenerateContent"):
		return ShapeGemini
	case strings.HasSuffix(path, "/messages"):
		return ShapeAnthropic
	// Claude on Bedrock (invoke) and Vertex (rawPredict) carries an
	// Anthropic Messages body with anthropic_version and no model.
	case strings.HasSuffix(path, "/invoke") || strings.HasSuffix(path, "/invoke-with-response-stream"),
		strings.HasSuffix(path, ":rawPredict") || strings.HasSuffix(path, ":streamRawPredict"):
		if strings.Contains(path, "anthropic") || strings.Contains(path, "claude") ||
			strings.Contains(provider, "anthropic") || strings.Contains(provider, "claude") ||
			strings.Contains(provider, "bedrock") || strings.Contains(provider, "vertex") {
			return ShapeAnthropic
		}
	}
	return ShapeUnknown
}

// conversation says where a shape keeps its conversation: the body member
// holding the array of messages (or items, or contents), and the walk of
// one element. ok is false for ShapeUnknown.
func (s Shape) conversation() (member string, walk func(*walker, *node), ok bool) {
	switch s {
	case ShapeAnthropic:
		return "messages", (*walker).anthropicMessage, true
	case ShapeOpenAIChat:
		return "messages", (*walker).chatMessage, true
	case ShapeOpenAIResponses:
		return "input", (*walker).responsesItem, true
	case ShapeGemini:
		return "contents", (*walker).geminiContent, true
	case ShapeBedrockConverse:
		return "messages", (*walker).converseMessage, true
	}
	return "", nil, false
}
