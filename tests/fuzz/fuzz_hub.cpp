// libFuzzer: opening a repo by id (model/hub.h). The input is one field a
// line: repo, revision, hub address, file, HTTP status, Content-Length, the
// Hub's X-Error-Code. Any input must give a HubRef or an Error, never a
// crash; a HubRef's URLs must stay under the hub (no user or password, no
// query, no "..", REV with no '/'), and every answer gets a verdict: ok only
// for a 2xx, otherwise a kind, a title and a text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/hub.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> f;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') f.push_back(cur), cur.clear();
    else cur += static_cast<char>(data[i]);
  }
  f.push_back(cur);
  f.resize(7);
  auto ref = ss::parse_hub_ref(f[0], f[1], f[2]);
  if (!ref) {
    if (ref.error().message.empty()) __builtin_trap();
    return 0;
  }
  const std::string& b = ref->base;
  if (b.rfind(ref->hub + "/", 0) != 0 || b.back() != '/') __builtin_trap();
  if (ref->hub.rfind("https://", 0) != 0 && ref->hub.rfind("http://", 0) != 0) __builtin_trap();
  const std::string after = b.substr(b.find("://") + 3);
  if (after.find('@') != std::string::npos || after.find('?') != std::string::npos || after.find('#') != std::string::npos ||
      after.find("..") != std::string::npos || after.find("//") != std::string::npos)
    __builtin_trap();
  // base = HUB/REPO/resolve/REV/ with no '/' inside REV.
  const std::string head = ref->hub + "/" + ref->repo + "/resolve/";
  if (b.rfind(head, 0) != 0 || b.size() < head.size() + 2) __builtin_trap();
  if (b.find('/', head.size()) != b.size() - 1) __builtin_trap();

  long long status = 0, len = -1;
  for (char c : f[4]) if (c >= '0' && c <= '9' && status < 100000) status = status * 10 + (c - '0');
  if (!f[5].empty()) {
    len = 0;
    for (char c : f[5]) if (c >= '0' && c <= '9' && len < (1ll << 50)) len = len * 10 + (c - '0');
  }
  const ss::HubVerdict v = ss::judge_hub_reply(*ref, f[3], ss::HubReply{int(status), len, f[6]}, uint64_t(len > 0 ? len : 0),
                                               1ull << 30);
  if (v.ok != (status >= 200 && status < 300 && v.kind.empty())) __builtin_trap();
  if (!v.ok && (v.kind.empty() || v.title.empty() || v.text.empty())) __builtin_trap();
  if (v.ok && (status < 200 || status >= 300)) __builtin_trap();
  return 0;
}
