// Reads binlog files (or in-memory copies of them) event by event, and the events
// packed inside a MySQL TRANSACTION_PAYLOAD.
//
// File grammar:
//   file    := magic event*            magic = fe 62 69 6e ("\xfebin")
//   event   := header<19> body[event_size - 19]   (event_header.h)
// The reader frames each event by its header's event_size, verifies its CRC32 when the
// FORMAT_DESCRIPTION in force says so, and tracks that FORMAT_DESCRIPTION (a file may
// hold several: relay logs). It does not interpret bodies: call Decode() for that.
//
// End of file exactly at an event boundary is the normal end; anything else (a partial
// header, a partial event) is an error naming "file:pos".
#ifndef BINSYNC_CORE_BINLOG_FILE_READER_H_
#define BINSYNC_CORE_BINLOG_FILE_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/binlog/event_header.h"
#include "core/binlog/events.h"

namespace binsync::binlog {

// Largest event accepted (MySQL's max_allowed_packet ceiling); bounds the buffer.
inline constexpr uint32_t kMaxEventSize = 1u << 30;

class FileReader {
 public:
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Opens a binlog file and checks its magic.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FileReader>> Open(const std::string& path);

  // Reads events from `data` (which must outlive the reader), starting with the magic.
  // `name` is used in error messages.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FileReader>> FromBuffer(std::string name,
                                                                              ByteView data);

  // Frames the next event into `event`. Returns false at the clean end of the input.
  // The event's views are valid until the next call. After an error, every later call
  // returns the same error.
  [[nodiscard]] absl::StatusOr<bool> Next(EventView* event);

  // Decodes `event` (from this reader) under the FORMAT_DESCRIPTION in force.
  [[nodiscard]] absl::Status Decode(const EventView& event, Event* out) const {
    return DecodeEvent(event, format_, name_, out);
  }

  [[nodiscard]] const FormatDescription& format() const { return format_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  // Offset of the next event to be read.
  [[nodiscard]] uint64_t position() const { return position_; }

 private:
  FileReader(std::string name, std::FILE* file, ByteView memory);
  // Reads exactly n bytes into buffer_ at `at` (file) or views them (memory); returns the
  // number of bytes actually available (< n at end of input).
  size_t Fill(size_t at, size_t n);
  absl::Status Fail(absl::Status st);
  bool Map(std::FILE* f);
  void ReleaseConsumed();

  std::string name_;
  std::FILE* file_ = nullptr;
  ByteView memory_;
  static constexpr size_t kReadBlock = 4u << 20;
  static constexpr size_t kReleaseEvery = 32u << 20;
  void* mapping_ = nullptr;  // the whole file when mapped (then file_ is null)
  size_t mapping_size_ = 0;
  uint64_t released_ = 0;  // mapped bytes before this were dropped with MADV_DONTNEED
  std::vector<uint8_t> buffer_;  // file window, reused: [begin_, end_) read, not yet consumed
  size_t begin_ = 0;             // the current event's first byte in buffer_
  size_t end_ = 0;
  const uint8_t* data_ = nullptr;  // current event's bytes
  uint64_t position_ = 0;
  FormatDescription format_ = FormatDescription::Default();
  absl::Status error_;
};

// Iterates the events inside one TRANSACTION_PAYLOAD. The inner events have no checksum
// and log_pos 0; errors name the payload event's position and the inner event's offset
// in the uncompressed payload.
class PayloadReader {
 public:
  // Decompresses `payload` (at most `max_uncompressed` bytes) into an internal buffer.
  // `outer` is the TRANSACTION_PAYLOAD event; `file` names the source for errors;
  // `header_length` is the common header length of the FDE in force (inner events too).
  [[nodiscard]] absl::Status Reset(const TransactionPayloadEvent& payload, const EventView& outer,
                                   std::string_view file, uint8_t header_length,
                                   size_t max_uncompressed = 1u << 30);

  // Frames the next inner event; false at the end. Views valid until the next Reset().
  [[nodiscard]] absl::StatusOr<bool> Next(EventView* event);

  [[nodiscard]] absl::Status Decode(const EventView& event, const FormatDescription& fd,
                                    Event* out) const {
    return DecodeEvent(event, fd, file_, out);
  }

 private:
  std::vector<uint8_t> buffer_;  // reused across payloads
  ByteView data_;
  size_t cursor_ = 0;
  uint64_t outer_offset_ = 0;
  uint8_t header_length_ = kEventHeaderLength;
  std::string file_;
};

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_FILE_READER_H_
