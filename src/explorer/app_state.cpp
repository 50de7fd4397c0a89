#include "explorer/app_state.h"

#include "explorer/session.h"  // complete types for the shared_ptr members

namespace ss::explorer {
AppState& state() {
  static AppState s;
  return s;
}
}  // namespace ss::explorer
