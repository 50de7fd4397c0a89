// Small help affordances: a "(?)" marker with a wrapped tooltip, and a metric
// readout whose label explains itself on hover. Every metric on screen goes
// through metric_value so none is shown without its explanation.
#pragma once
#include <string>
#include <string_view>

#include "explorer/token_text.h"

namespace ss::ui {

void help_marker(const char* text);

// Wrapped tooltip for the last item, shown only while it is hovered.
void tooltip_for_last_item(const char* text);

// "label: value" with the label underlined-by-hover and `help` as its tooltip.
void metric_value(const char* label, const char* value, const char* help);
void metric_float(const char* label, float v, const char* fmt, const char* help);

// display_token (the chips' text) lives in explorer/token_text.h.
using explorer::display_token;

}  // namespace ss::ui
