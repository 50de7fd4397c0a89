#include "core/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#if !defined(__EMSCRIPTEN__) && (defined(__unix__) || defined(__APPLE__))
#define SS_HAVE_MMAP 1
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace ss {

Expected<std::string> read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error("cannot open '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return make_error("cannot read '" + path + "'");
  return ss.str();
}

MappedFile::MappedFile(MappedFile&& o) noexcept { *this = std::move(o); }

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    release();
    mapped_ = o.mapped_;
    copy_ = std::move(o.copy_);
    size_ = o.size_;
    data_ = mapped_ ? o.data_ : copy_.data();
    o.data_ = nullptr;
    o.size_ = 0;
    o.mapped_ = false;
  }
  return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() {
#ifdef SS_HAVE_MMAP
  if (mapped_ && data_ && size_) munmap(const_cast<uint8_t*>(data_), size_);
#endif
  data_ = nullptr;
  size_ = 0;
  mapped_ = false;
  copy_.clear();
}

Expected<MappedFile> MappedFile::open(const std::string& path) {
  MappedFile m;
#ifdef SS_HAVE_MMAP
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return make_error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error("'" + path + "' is not a regular file");
  }
  if (st.st_size > 0) {
    void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      m.data_ = static_cast<const uint8_t*>(p);
      m.size_ = static_cast<size_t>(st.st_size);
      m.mapped_ = true;
      ::close(fd);
      return m;
    }
  }
  ::close(fd);
#endif
  auto text = read_text_file(path);
  if (!text) return text.error();
  m.copy_.assign(text->begin(), text->end());
  m.data_ = m.copy_.data();
  m.size_ = m.copy_.size();
  return m;
}

}  // namespace ss
