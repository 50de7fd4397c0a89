#include "app/app_state.h"

#include "app/session.h"  // complete types for the shared_ptr members

namespace ss::app {
AppState& state() {
  static AppState s;
  return s;
}
}  // namespace ss::app
