// The checks every forward pass gets before a backend sees it (Backend::submit
// runs them), so every backend rejects bad input with the same message and
// none of them writes its own: the family is one the backend runs, the input
// is ids in the vocabulary (language models) or vectors [T, input_width]
// (averaging models), T fits the model's positions, the cache is not longer
// than the input, and every hook is of a kind the backend applies, with its
// layer, head, position and vector in range.
#pragma once
#include "core/status.h"
#include "engine/backend.h"

namespace ss {

Expected<void> validate_pass(const Pass& pass, const Capabilities& caps, const char* backend_name);

}  // namespace ss
