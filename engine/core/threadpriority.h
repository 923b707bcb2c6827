#pragma once

namespace llmsched {

// Raises the calling thread's nice value by `delta` (Linux threads have their
// own); elsewhere nothing. Engine worker threads use it so that a GUI's event
// loop wins the CPU over a saturated engine.
void lowerCurrentThreadPriority(int delta);

} // namespace llmsched
