// Package workers runs compression under a bounded pool and provides the
// headroom engine: headroom-ai's compress() in supervised, persistent Python
// worker processes.
//
// The Pool bounds how many compressions run at once (a weighted semaphore)
// and how many callers may queue for a slot; beyond that a caller is refused
// at once with ErrOverload so the hook can answer "allow" instead of piling
// up latency. Its gauges are read live from the pool itself.
//
// Headroom is an engine (Compress, plus Ready and Version, as the hook asks
// of one). Each request's candidate blocks are
// turned into small OpenAI-format conversations (one per block, so a block's
// output never depends on later blocks), sent to one of N Python processes
// over a newline-delimited JSON protocol, and every returned block is
// validated (structure, retrieval markers, size) before use. Processes that
// crash, hang past the hard cap or break the protocol are killed as a
// process group and replaced with backoff; the affected caller gets an error
// immediately.
//
// The package knows nothing about HTTP, provider request shapes or metrics
// registries: events go to the small Observer interface, which the metrics
// package implements.
package workers
