// Opening a model by Hugging Face repo id (?hf=OWNER/NAME&rev=REV&hub=HOST):
// which URLs the page fetches, and what each of the Hub's answers means. The
// page does the fetching (it follows redirects, as the Hub's file URLs send
// large files on to a CDN) and asks here what to do with each answer, so
// every message is written once and the rules can be fuzzed. No access token
// is ever part of a URL: a hub address with a user or password is refused,
// and a gated repo is explained, not worked around.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ss {

inline constexpr const char* kDefaultHub = "https://huggingface.co";

// A checked repo reference. Files are at HUB/OWNER/NAME/resolve/REV/FILE.
struct HubRef {
  std::string hub;   // "https://huggingface.co", no trailing '/'
  std::string repo;  // "OWNER/NAME"
  std::string rev;   // "main", a tag, a commit or a branch ("refs/pr/1")
  std::string base;  // HUB/OWNER/NAME/resolve/REV/ with REV's '/' as %2F
  std::string url(std::string_view file) const { return base + std::string(file); }
};

// repo: OWNER/NAME, each part letters, digits, '.', '_', '-' (not first or
// last, no "--" or ".."), 96 characters at most, as the Hub allows. rev: empty
// = "main"; letters, digits, '.', '_', '-', '/' (no ".."). hub: empty =
// kDefaultHub; http(s)://host[:port][/path], no user, password, query or
// fragment. Each refusal names the part and what is wrong.
Expected<HubRef> parse_hub_ref(std::string_view repo, std::string_view rev = {}, std::string_view hub = {});

// What the page saw for one file: the HTTP status after redirects (0 = the
// request failed: network, CORS, a redirect loop, cancelled), Content-Length
// (-1 = not sent), and the Hub's X-Error-Code header ("" = none;
// RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
struct HubReply {
  int status = 0;
  int64_t content_length = -1;
  std::string error_code;
};

// ok, or why not: `kind` is one of gated, repo_missing, revision_missing,
// file_missing, too_big, network, server, unexpected; `title` is the
// overlay's heading, `text` says what happened naming repo, revision and file,
// `hint` what to do.
struct HubVerdict {
  bool ok = false;
  std::string kind, title, text, hint;
};

// `bytes_before`: model bytes already fetched for this model; `max_bytes`:
// what one model may take in this build (kMaxModelBytes). A missing index
// (the repo is not sharded) is for the caller to try model.safetensors next;
// it still gets file_missing here.
HubVerdict judge_hub_reply(const HubRef& ref, std::string_view file, const HubReply& reply, uint64_t bytes_before,
                           uint64_t max_bytes);

// A size in words: "1.2 GB", "270.0 MB", "815 bytes".
std::string size_words(uint64_t bytes);

}  // namespace ss
