// Where finished log lines go: straight to stderr with one write(2) each
// (the default), or, once StartBackgroundLogWriter() is called, into a
// memory buffer that a background thread writes out in batches. A server
// whose threads must never block (the webhook's event loops) starts it: a
// slow stderr, a full pipe to the container runtime or a disk stall then
// delays the log, not the requests. Lines keep their order. When more than
// `max_buffered_bytes` wait, new lines are dropped and counted, and the writer
// says how many ("dropped N log lines") as soon as it can write again.
#pragma once

#include <cstddef>
#include <string>

namespace rc::log {

// Idempotent. Lines reach stderr within about 10 ms, or sooner when 64 KB wait.
void StartBackgroundLogWriter(size_t max_buffered_bytes = 8 * 1024 * 1024);
// Writes everything queued, stops the thread; later lines are written directly
// again. Call before the process exits, or queued lines are lost.
void StopBackgroundLogWriter();

// Used by Emit (log.cc): one finished line, newline included.
void WriteLogLine(const std::string& line);

}  // namespace rc::log
