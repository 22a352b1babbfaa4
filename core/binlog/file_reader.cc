#include "core/binlog/file_reader.h"

#include <zstd.h>

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

constexpr size_t kMagicLength = sizeof(kBinlogMagic);

bool HasMagic(const uint8_t* p) { return std::memcmp(p, kBinlogMagic, kMagicLength) == 0; }

}  // namespace

FileReader::FileReader(std::string name, std::FILE* file, ByteView memory)
    : name_(std::move(name)), file_(file), memory_(memory) {}

FileReader::~FileReader() {
  if (file_ != nullptr) std::fclose(file_);
  if (mapping_ != nullptr) munmap(mapping_, mapping_size_);
}

// Maps the whole file read-only: events are then views into the page cache, no read()
// copy. Consumed ranges are dropped every kReleaseEvery bytes so resident memory stays
// flat whatever the file size. Returns false (and the caller reads instead) when the file
// cannot be mapped (a pipe, an empty file).
bool FileReader::Map(std::FILE* f) {
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return false;
  const auto size = static_cast<size_t>(st.st_size);
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
  if (p == MAP_FAILED) return false;
  (void)madvise(p, size, MADV_SEQUENTIAL);
  mapping_ = p;
  mapping_size_ = size;
  memory_ = ByteView(static_cast<const uint8_t*>(p), size);
  return true;
}

void FileReader::ReleaseConsumed() {
  if (mapping_ == nullptr || position_ - released_ < kReleaseEvery) return;
  const uint64_t upto = position_ & ~(uint64_t{kReleaseEvery} - 1);
  if (upto <= released_) return;
  (void)madvise(static_cast<uint8_t*>(mapping_) + released_, upto - released_, MADV_DONTNEED);
  released_ = upto;
}

absl::StatusOr<std::unique_ptr<FileReader>> FileReader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(StrCat("cannot open binlog ", path, ": ", std::strerror(errno)));
  }
  std::setvbuf(f, nullptr, _IONBF, 0);  // FileReader buffers in large blocks itself
  std::unique_ptr<FileReader> reader(new FileReader(path, f, {}));
  if (reader->Map(f)) {
    std::fclose(f);
    reader->file_ = nullptr;
  }
  uint8_t magic[kMagicLength];
  const bool magic_ok =
      reader->file_ != nullptr
          ? std::fread(magic, 1, kMagicLength, f) == kMagicLength && HasMagic(magic)
          : reader->memory_.size() >= kMagicLength && HasMagic(reader->memory_.data());
  if (!magic_ok) {
    return absl::InvalidArgumentError(
        StrCat(path, ":0: not a binlog file (missing the fe 62 69 6e magic)"));
  }
  reader->position_ = kMagicLength;
  return reader;
}

absl::StatusOr<std::unique_ptr<FileReader>> FileReader::FromBuffer(std::string name,
                                                                   ByteView data) {
  if (data.size() < kMagicLength || !HasMagic(data.data())) {
    return absl::InvalidArgumentError(
        StrCat(name, ":0: not a binlog file (missing the fe 62 69 6e magic)"));
  }
  std::unique_ptr<FileReader> reader(new FileReader(std::move(name), nullptr, data));
  reader->position_ = kMagicLength;
  return reader;
}

size_t FileReader::Fill(size_t at, size_t n) {
  if (file_ == nullptr) {
    const size_t start = static_cast<size_t>(position_) + at;
    const size_t have = start <= memory_.size() ? memory_.size() - start : 0;
    data_ = memory_.data() + position_;
    return std::min(n, have);
  }
  // The window buffer_[begin_, end_) holds the file from the current event on; refill it in
  // large reads so an event costs no read call of its own and is viewed, not copied.
  const size_t need = at + n;
  if (end_ - begin_ < need) {
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (buffer_.size() < std::max(need, kReadBlock)) buffer_.resize(std::max(need, kReadBlock));
    while (end_ < need) {
      const size_t got = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
      if (got == 0) break;
      end_ += got;
    }
  }
  data_ = buffer_.data() + begin_;
  return std::min(n, end_ - begin_ - std::min(at, end_ - begin_));
}

absl::Status FileReader::Fail(absl::Status st) {
  error_ = st;
  return st;
}

absl::StatusOr<bool> FileReader::Next(EventView* event) {
  if (!error_.ok()) return error_;
  const size_t got = Fill(0, kEventHeaderLength);
  if (got == 0) {
    if (file_ != nullptr && std::ferror(file_)) {
      return Fail(absl::DataLossError(StrCat(name_, ":", position_, ": read error")));
    }
    return false;
  }
  if (got < kEventHeaderLength) {
    return Fail(absl::DataLossError(StrCat(name_, ":", position_, ": truncated event header (",
                                           got, " of 19 bytes before end of file)")));
  }
  EventHeader h;
  if (absl::Status st = ParseEventHeader(ByteView(data_, kEventHeaderLength), &h); !st.ok()) {
    return Fail(EventError(st, name_, position_, h.type));
  }
  if (h.event_size > kMaxEventSize) {
    return Fail(EventError(absl::DataLossError(StrCat("event_size ", h.event_size,
                                                      " exceeds the 1 GiB limit")),
                           name_, position_, h.type));
  }
  const size_t body = h.event_size - kEventHeaderLength;
  const size_t got_body = Fill(kEventHeaderLength, body);
  if (got_body < body) {
    return Fail(EventError(
        absl::DataLossError(StrCat("truncated event: ", kEventHeaderLength + got_body, " of ",
                                   h.event_size, " bytes before end of file")),
        name_, position_, h.type));
  }
  const ByteView raw(data_, h.event_size);
  if (absl::Status st = FrameEvent(raw, position_, format_.checksum, format_.header_length, event); !st.ok()) {
    return Fail(EventError(st, name_, position_, h.type));
  }
  if (h.type == static_cast<uint8_t>(EventType::kFormatDescription)) {
    FormatDescription fd;
    if (absl::Status st = ParseFormatDescription(*event, &fd); !st.ok()) {
      return Fail(EventError(st, name_, position_, h.type));
    }
    format_ = std::move(fd);
  } else if (h.type == static_cast<uint8_t>(EventType::kStartV3)) {
    FormatDescription fd;
    if (absl::Status st = ParseStartV3Event(*event, &fd); !st.ok()) {
      return Fail(EventError(st, name_, position_, h.type));
    }
    format_ = std::move(fd);
  }
  position_ += h.event_size;
  begin_ += file_ != nullptr ? h.event_size : 0;
  ReleaseConsumed();
  return true;
}

absl::Status PayloadReader::Reset(const TransactionPayloadEvent& payload, const EventView& outer,
                                  std::string_view file, uint8_t header_length,
                                  size_t max_uncompressed) {
  outer_offset_ = outer.offset;
  header_length_ = header_length;
  file_ = StrCat(file, ":", outer.offset, "/payload");
  cursor_ = 0;
  auto error = [&](std::string_view what) {
    return EventError(absl::DataLossError(std::string(what)), file, outer.offset,
                      static_cast<uint8_t>(EventType::kTransactionPayload));
  };
  if (payload.compression == 255) {  // NONE
    data_ = payload.payload;
    return absl::OkStatus();
  }
  unsigned long long size =
      ZSTD_getFrameContentSize(payload.payload.data(), payload.payload.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) return error("payload is not a zstd frame");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) size = payload.uncompressed_size;
  if (size > max_uncompressed) {
    return error(StrCat("uncompressed size ", size, " exceeds the limit ", max_uncompressed));
  }
  if (buffer_.size() < size) buffer_.resize(size);
  const size_t n = ZSTD_decompress(buffer_.data(), size, payload.payload.data(),
                                   payload.payload.size());
  if (ZSTD_isError(n)) return error(StrCat("zstd: ", ZSTD_getErrorName(n)));
  if (payload.uncompressed_size != 0 && n != payload.uncompressed_size) {
    return error(StrCat("decompressed to ", n, " bytes, header says ", payload.uncompressed_size));
  }
  data_ = ByteView(buffer_.data(), n);
  return absl::OkStatus();
}

absl::StatusOr<bool> PayloadReader::Next(EventView* event) {
  if (cursor_ >= data_.size()) return false;
  const ByteView rest = data_.subspan(cursor_);
  EventHeader h;
  if (absl::Status st = ParseEventHeader(rest, &h); !st.ok()) {
    return EventError(st, file_, cursor_, h.type);
  }
  if (h.event_size > rest.size()) {
    return EventError(absl::DataLossError(StrCat("inner event of ", h.event_size,
                                                 " bytes runs past the payload (", rest.size(),
                                                 " left)")),
                      file_, cursor_, h.type);
  }
  if (absl::Status st = FrameEvent(rest.first(h.event_size), cursor_, ChecksumAlgorithm::kOff,
                                   header_length_, event);
      !st.ok()) {
    return EventError(st, file_, cursor_, h.type);
  }
  cursor_ += h.event_size;
  return true;
}

}  // namespace binsync::binlog
