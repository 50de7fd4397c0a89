// The tag probes' held-out text (docs/metrics.md, "Tag probes"): original
// paragraphs written for sinkscope, taken from no corpus, so that no shipped
// model has seen them. Prose of several kinds (narrative, dialogue, a letter,
// a list of steps) so that the windows hold the punctuation and newlines that
// prompt-dependent sinks sit on. Fixed: the probes' numbers depend on it, so
// editing it changes every reported accuracy. Cut into windows of BOS +
// ctx - 1 tokens (a last partial window dropped), like --text-file.
#pragma once
#include <string_view>

namespace ss {

inline constexpr std::string_view kProbeText =
    "The lamp in the kitchen had gone out twice before midnight, and each time Martha lit it again without a word. "
    "Her brother sat at the table with the ledger open in front of him, turning the pages slowly, as if the numbers "
    "might change if he looked at them long enough.\n"
    "\"We cannot sell the orchard,\" he said at last. \"Father planted half of those trees himself.\"\n"
    "\"Then we shall have to sell the horses,\" she answered, \"or the roof will not last another winter.\"\n"
    "He closed the book. Outside, the wind had turned to the north, and somewhere near the barn a gate was knocking "
    "against its post.\n"
    "\n"
    "Dear Thomas,\n"
    "I write to you from the station at Hollowford, where the train has stopped for reasons nobody will explain. "
    "The guard says an hour; the woman beside me says three. I have read my newspaper twice, eaten both of the "
    "apples you gave me, and counted the sheep in the field across the line: there are forty-one, unless one of "
    "them is a stone. Tell Mother that I am well, that my coat is warm enough, and that I have not lost the key.\n"
    "Your affectionate sister,\n"
    "Anne\n"
    "\n"
    "To mend a torn sail, first lay the canvas flat on a clean floor. Cut a patch that is larger than the tear by "
    "two fingers on every side; then turn its edges under and pin it in place. Sew with a waxed thread, keeping "
    "the stitches small and even, and work from the middle of the patch towards its corners. When you have "
    "finished, wet the seam with fresh water and let it dry in the shade, not in the sun.\n"
    "\n"
    "Nobody in the village could remember when the bridge had been built. The oldest men said that their "
    "grandfathers had crossed it as boys; the schoolmaster, who liked to be exact, said that it appeared on a map "
    "drawn in the year of the great flood, and that the map called it new. It was a narrow bridge of grey stone, "
    "with three arches and a low wall on either side, and in summer the children sat on that wall and dropped "
    "leaves into the river to see whose would reach the mill first.\n"
    "One morning in early spring the middle arch cracked. It did not fall; it simply opened, like a mouth, and a "
    "thin line of daylight showed through the stones.\n"
    "\"It has stood for two hundred years,\" said the miller. \"It will stand for two hundred more.\"\n"
    "\"It will stand until the first cart goes over it,\" said his wife, and she was right.\n";

}  // namespace ss
