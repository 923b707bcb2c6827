#pragma once

namespace llmsched {

// Raises the soft open-file limit to the hard one (Unix; elsewhere nothing).
// Every call in flight to a local server and every REST client holds a
// socket: the soft default of 1024 would cap both well below the thousands a
// vLLM box or a busy API takes. Idempotent; the daemon calls it at start and
// the REST server before it listens.
void raiseOpenFileLimit();

// The soft open-file limit now, or -1 when there is none (or it is not known).
long long openFileLimit();

} // namespace llmsched
