#include "model/hub.h"

#include <algorithm>
#include <cstdio>

namespace ss {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// One part of a repo id: the Hub's own rule (huggingface_hub's validate_repo_id).
std::string part_problem(std::string_view p, const char* what) {
  if (p.empty()) return std::string("the ") + what + " is empty";
  if (!std::all_of(p.begin(), p.end(), name_char))
    return std::string("the ") + what + " '" + std::string(p) + "' may hold only letters, digits, '.', '_' and '-'";
  if (p.front() == '.' || p.front() == '-' || p.back() == '.' || p.back() == '-')
    return std::string("the ") + what + " '" + std::string(p) + "' may not start or end with '.' or '-'";
  if (p.find("--") != std::string_view::npos || p.find("..") != std::string_view::npos)
    return std::string("the ") + what + " '" + std::string(p) + "' may not contain '--' or '..'";
  return {};
}

}  // namespace

Expected<HubRef> parse_hub_ref(std::string_view repo, std::string_view rev, std::string_view hub) {
  HubRef r;
  // repo
  if (repo.size() > 96) return make_error("the repo id is longer than the Hub's 96 characters");
  const size_t slash = repo.find('/');
  if (slash == std::string_view::npos)
    return make_error("the repo id '" + std::string(repo) + "' must be OWNER/NAME (e.g. HuggingFaceTB/SmolLM-135M)");
  if (repo.find('/', slash + 1) != std::string_view::npos)
    return make_error("the repo id '" + std::string(repo) + "' has more than one '/': it must be OWNER/NAME");
  if (auto p = part_problem(repo.substr(0, slash), "repo owner"); !p.empty()) return make_error(p);
  if (auto p = part_problem(repo.substr(slash + 1), "repo name"); !p.empty()) return make_error(p);
  r.repo = std::string(repo);
  // rev
  r.rev = rev.empty() ? std::string("main") : std::string(rev);
  if (r.rev.size() > 255) return make_error("the revision is longer than 255 characters");
  if (!std::all_of(r.rev.begin(), r.rev.end(), [](char c) { return name_char(c) || c == '/'; }))
    return make_error("the revision '" + r.rev + "' may hold only letters, digits, '.', '_', '-' and '/'");
  if (r.rev.find("..") != std::string::npos || r.rev.front() == '/' || r.rev.back() == '/' ||
      r.rev.find("//") != std::string::npos)
    return make_error("the revision '" + r.rev + "' is not a branch, tag or commit name");
  // hub
  std::string h = hub.empty() ? std::string(kDefaultHub) : std::string(hub);
  while (!h.empty() && h.back() == '/') h.pop_back();
  if (h.size() > 256) return make_error("the hub address is longer than 256 characters");
  size_t host_at;
  if (h.rfind("https://", 0) == 0) host_at = 8;
  else if (h.rfind("http://", 0) == 0) host_at = 7;
  else return make_error("the hub address '" + h + "' must start with https:// (or http:// for a mirror on this network)");
  const size_t path_at = std::min(h.find('/', host_at), h.size());
  const std::string_view host = std::string_view(h).substr(host_at, path_at - host_at);
  if (host.find('@') != std::string_view::npos)
    return make_error("the hub address may not hold a user name or password: sinkscope never puts credentials or "
                      "tokens into a URL");
  if (host.empty()) return make_error("the hub address '" + h + "' has no host");
  const size_t colon = host.find(':');
  const std::string_view name = host.substr(0, colon);
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return name_char(c) && c != '_'; }) ||
      name.front() == '.' || name.front() == '-' || name.find("..") != std::string_view::npos)
    return make_error("the hub address '" + h + "' has no valid host name");
  if (colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port)) > 65535 || std::stoi(std::string(port)) == 0)
      return make_error("the hub address '" + h + "' has no valid port");
  }
  const std::string_view path = std::string_view(h).substr(path_at);
  if (!std::all_of(path.begin(), path.end(), [](char c) { return name_char(c) || c == '/' || c == '~'; }) ||
      path.find("..") != std::string_view::npos || path.find("//") != std::string_view::npos)
    return make_error("the hub address '" + h + "' may hold a plain path only (no query, fragment or '..')");
  r.hub = h;
  std::string rev_url;
  for (char c : r.rev) rev_url += c == '/' ? std::string("%2F") : std::string(1, c);
  r.base = r.hub + "/" + r.repo + "/resolve/" + rev_url + "/";
  return r;
}

std::string size_words(uint64_t bytes) {
  char buf[64];
  if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", double(bytes) / double(1ull << 30));
  else if (bytes >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / double(1ull << 20));
  else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  return buf;
}

HubVerdict judge_hub_reply(const HubRef& ref, std::string_view file, const HubReply& reply, uint64_t bytes_before,
                           uint64_t max_bytes) {
  HubVerdict v;
  const std::string f(file);
  const std::string at = ref.repo + " (revision " + ref.rev + ") on " + ref.hub;
  const std::string open_local =
      "Download the repo's config.json, tokenizer.json and safetensors files and open the folder here: "
      "\"open model\" in the toolbar, or drop the folder on the page.";
  const int s = reply.status;
  const std::string& code = reply.error_code;
  if (s >= 200 && s < 300) {
    const bool is_weights = f.size() > 12 && f.compare(f.size() - 12, 12, ".safetensors") == 0;
    if (is_weights && reply.content_length > 0 &&
        (uint64_t(reply.content_length) > max_bytes || bytes_before + uint64_t(reply.content_length) > max_bytes)) {
      v.kind = "too_big";
      v.title = "Model too big for the page";
      v.text = ref.repo + ": " + f + " is " + size_words(uint64_t(reply.content_length)) +
               (bytes_before ? " (after " + size_words(bytes_before) + " of weights already fetched)" : std::string()) +
               "; sinkscope in the page holds at most " + size_words(max_bytes) + " of weights per model.";
      v.hint = "Pick a smaller model, or run this one in the native app (sinkscope-app --model-dir DIR) or the CLI.";
      return v;
    }
    v.ok = true;
    return v;
  }
  if (s == 0) {
    v.kind = "network";
    v.title = "The Hub could not be reached";
    v.text = "The request for " + f + " of " + at + " failed: the network is down, the host does not answer, "
             "it does not allow this page to read its files (CORS), or its redirects go round in a loop.";
    v.hint = "Check the connection and the hub address (?hub=), then reload.";
    return v;
  }
  if (code == "RepoNotFound") {
    v.kind = "repo_missing";
    v.title = "Repo not found";
    v.text = "The Hub has no repo " + ref.repo + " on " + ref.hub + " (answer " + std::to_string(s) + " for " + f +
             "), or it is private.";
    v.hint = "Check the repo id in the address (?hf=OWNER/NAME): owner and name as on the Hub, case included.";
    return v;
  }
  if (code == "GatedRepo" || s == 401 || s == 403) {
    v.kind = "gated";
    v.title = "Gated or private repo";
    v.text = "The Hub answered " + std::to_string(s) + " for " + f + " of " + at +
             ": gated or private repo (or one that does not exist: without a login the Hub answers the same for "
             "all three). sinkscope never sends an access token.";
    v.hint = "If it is gated, accept its licence on the Hub, download it and open the folder here. " + open_local;
    return v;
  }
  if (code == "RevisionNotFound") {
    v.kind = "revision_missing";
    v.title = "Revision not found";
    v.text = ref.repo + " has no revision '" + ref.rev + "' on " + ref.hub + " (answer " + std::to_string(s) + ").";
    v.hint = "Check &rev= in the address: a branch, tag or commit of the repo (default main).";
    return v;
  }
  if (s == 404 || s == 410 || code == "EntryNotFound") {
    if (f == "config.json" && code.empty()) {
      v.kind = "repo_missing";
      v.title = "Repo or revision not found";
      v.text = "The Hub answered 404 for config.json of " + at + ": no such repo, no revision '" + ref.rev +
               "' in it, or a repo without config.json.";
      v.hint = "Check the repo id (?hf=OWNER/NAME) and the revision (&rev=, default main).";
      return v;
    }
    v.kind = "file_missing";
    v.title = "File not found in the repo";
    v.text = ref.repo + " (revision " + ref.rev + ") has no " + f + " on " + ref.hub + ".";
    v.hint = f == "tokenizer.json"
                 ? "sinkscope needs the Hugging Face tokenizer.json next to config.json. " + open_local
                 : "sinkscope reads safetensors weights: model.safetensors, or model.safetensors.index.json and its "
                   "shards. A repo with only pytorch_model.bin must be converted first.";
    return v;
  }
  if (s >= 300 && s < 400) {
    v.kind = "unexpected";
    v.title = "The Hub's redirect was not followed";
    v.text = "The Hub answered " + std::to_string(s) + " for " + f + " of " + at + " and the redirect could not be followed.";
    v.hint = "Check the hub address (?hub=): a mirror must send redirects the browser may follow (same scheme, CORS).";
    return v;
  }
  if (s >= 500 || s == 408 || s == 429) {
    v.kind = "server";
    v.title = "The Hub did not answer";
    v.text = "The Hub answered " + std::to_string(s) + " for " + f + " of " + at + (s == 429 ? " (too many requests)." : ".");
    v.hint = "Try again in a minute.";
    return v;
  }
  v.kind = "unexpected";
  v.title = "Unexpected answer from the Hub";
  v.text = "The Hub answered " + std::to_string(s) + " for " + f + " of " + at + ".";
  v.hint = "Check the hub address (?hub=) and the repo id (?hf=).";
  return v;
}

}  // namespace ss
