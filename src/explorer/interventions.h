// The Interventions panel's "after": the toggles (knock out the head, remove
// the attention to the sink, project the tag out) become hooks (engine/hooks.h)
// and one more forward pass on the CPU, analysed like the live one.
#pragma once
#include <string>

#include "analysis/analysis.h"
#include "engine/hooks.h"
#include "explorer/ui_state.h"

namespace ss::explorer {

struct ExplorerView;

// The hooks the toggles ask for on the view's selected head and sink, and a
// sentence saying what was done.
Hooks intervention_hooks(const ExplorerView& v, const ExplorerUi& ui, std::string& label);

// Fills v.after / v.after_analysis / v.after_label / v.after_error for the
// current toggles, rerunning only when the toggles, the prompt, the head, the
// sink, the settings or the view changed.
void ensure_after(ExplorerView& v, const ExplorerUi& ui, const AnalysisSettings& st);

}  // namespace ss::explorer
