package compress

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Config holds the compression knobs. Names and defaults follow headroom's
// CompressConfig so users can move between engines; the JSON names are the
// ones /config and metadata.grants use.
type Config struct {
	// CompressUserMessages also rewrites plain user text. Tool results inside
	// user turns are always eligible.
	CompressUserMessages bool `json:"compress_user_messages"`
	// CompressSystemMessages also rewrites system/developer messages inside
	// the message list.
	CompressSystemMessages bool `json:"compress_system_messages"`
	// ProtectRecent: the last N messages' own text is never rewritten. Tool
	// outputs are not covered.
	ProtectRecent int `json:"protect_recent"`
	// ProtectRecentToolOutputs also leaves tool outputs among the last N
	// messages untouched.
	ProtectRecentToolOutputs int `json:"protect_recent_tool_outputs"`
	// ProtectAnalysisContext leaves code-bearing output alone when the task
	// asks to analyze or review code.
	ProtectAnalysisContext bool `json:"protect_analysis_context"`
	// TargetRatio is the share of a block that lossy steps aim to keep, in
	// (0, 1]; nil lets the engine decide.
	TargetRatio *float64 `json:"target_ratio"`
	// MinTokensToCompress: blocks smaller than this are left alone.
	MinTokensToCompress int `json:"min_tokens_to_compress"`
	// SavingsProfile names a preset: "", "balanced" or "agent-90".
	SavingsProfile string `json:"savings_profile"`
	// KompressModel is the ML text model the headroom engine's compress()
	// uses (headroom's kompress_model): nil for headroom's default, a
	// HuggingFace model ID, or KompressDisabled to skip ML compression.
	// The native engine has no ML model and ignores it.
	KompressModel *string `json:"kompress_model"`
	// RestoreReferenced re-judges a compressed block when a later turn
	// needs what it dropped (quotes it, names a term only the dropped part
	// holds, asks for the whole output): the block changes form once, at
	// the cost of one prompt-cache miss from it on. False keeps every
	// block in its first-sight form.
	RestoreReferenced bool `json:"restore_referenced"`
	// ContextWindow is the model's input limit in tokens; 0 uses the known
	// window of the model's family (none for unknown models). A request
	// over it is compressed harder, protected blocks included, until it
	// fits: the difference between a request the provider rejects and one
	// that works.
	ContextWindow int `json:"context_window"`
}

// Savings profiles.
const (
	ProfileBalanced = "balanced"
	ProfileAgent90  = "agent-90"
)

// KompressDisabled is the KompressModel value that turns headroom's ML text
// compression off.
const KompressDisabled = "disabled"

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		CompressSystemMessages: true,
		ProtectRecent:          4,
		ProtectAnalysisContext: true,
		MinTokensToCompress:    250,
		RestoreReferenced:      true,
	}
}

// Validate reports every knob that is out of range.
func (c Config) Validate() error {
	var errs []error
	if c.ProtectRecent < 0 {
		errs = append(errs, fmt.Errorf("protect_recent must be >= 0, got %d", c.ProtectRecent))
	}
	if c.ProtectRecentToolOutputs < 0 {
		errs = append(errs, fmt.Errorf("protect_recent_tool_outputs must be >= 0, got %d", c.ProtectRecentToolOutputs))
	}
	if c.TargetRatio != nil && (*c.TargetRatio <= 0 || *c.TargetRatio > 1) {
		errs = append(errs, fmt.Errorf("target_ratio must be in (0, 1], got %g", *c.TargetRatio))
	}
	if c.ContextWindow < 0 {
		errs = append(errs, fmt.Errorf("context_window must be >= 0, got %d", c.ContextWindow))
	}
	if c.MinTokensToCompress < 0 {
		errs = append(errs, fmt.Errorf("min_tokens_to_compress must be >= 0, got %d", c.MinTokensToCompress))
	}
	if c.KompressModel != nil && (strings.TrimSpace(*c.KompressModel) == "" || strings.ContainsFunc(*c.KompressModel, unicode.IsControl)) {
		errs = append(errs, fmt.Errorf("kompress_model must be a model ID, %q or null, got %q", KompressDisabled, *c.KompressModel))
	}
	switch c.SavingsProfile {
	case "", ProfileBalanced, ProfileAgent90:
	default:
		errs = append(errs, fmt.Errorf("savings_profile must be %q or %q, got %q", ProfileBalanced, ProfileAgent90, c.SavingsProfile))
	}
	return errors.Join(errs...)
}

// Protects reports whether the position and role knobs keep block b as it
// is: tool outputs among the last ProtectRecentToolOutputs messages, any
// other text among the last ProtectRecent messages, user text unless
// CompressUserMessages, system and developer text unless
// CompressSystemMessages. Both engines apply it, so the knobs mean the same
// whichever engine runs.
func (c Config) Protects(b *Block) bool {
	if b.Source == ToolOutput {
		return b.FromEnd < c.ProtectRecentToolOutputs
	}
	if b.FromEnd < c.ProtectRecent {
		return true
	}
	switch b.Role {
	case "user":
		return !c.CompressUserMessages
	case "system", "developer":
		return !c.CompressSystemMessages
	case "assistant", "model":
		return false
	}
	return true
}
