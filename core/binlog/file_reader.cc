#include "core/binlog/file_reader.h"

#include <zstd.h>

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
}

absl::StatusOr<std::unique_ptr<FileReader>> FileReader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(StrCat("cannot open binlog ", path, ": ", std::strerror(errno)));
  }
  std::unique_ptr<FileReader> reader(new FileReader(path, f, {}));
  uint8_t magic[kMagicLength];
  if (std::fread(magic, 1, kMagicLength, f) != kMagicLength || !HasMagic(magic)) {
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
  if (buffer_.size() < at + n) buffer_.resize(at + n);
  data_ = buffer_.data();
  return std::fread(buffer_.data() + at, 1, n, file_);
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
  if (absl::Status st = FrameEvent(raw, position_, format_.checksum, event); !st.ok()) {
    return Fail(EventError(st, name_, position_, h.type));
  }
  if (h.type == static_cast<uint8_t>(EventType::kFormatDescription)) {
    FormatDescription fd;
    if (absl::Status st = ParseFormatDescription(*event, &fd); !st.ok()) {
      return Fail(EventError(st, name_, position_, h.type));
    }
    format_ = std::move(fd);
  }
  position_ += h.event_size;
  return true;
}

absl::Status PayloadReader::Reset(const TransactionPayloadEvent& payload, const EventView& outer,
                                  std::string_view file, size_t max_uncompressed) {
  outer_offset_ = outer.offset;
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
                                   event);
      !st.ok()) {
    return EventError(st, file_, cursor_, h.type);
  }
  cursor_ += h.event_size;
  return true;
}

}  // namespace binsync::binlog
