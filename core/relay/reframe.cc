#include "core/relay/reframe.h"

#include <algorithm>
#include <cstring>

#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/util/status_macros.h"
#include "core/relay/put_bytes.h"
#include "core/util/strings.h"

namespace binsync::relay {
namespace {

using binlog::ByteView;
using binlog::EventType;
using binlog::kChecksumLength;
using binlog::kEventHeaderLength;
using binlog::MariaGtidEvent;

constexpr size_t kServerVersionLength = 50;
constexpr size_t kGtidFixedLength = 13;  // seq_no, domain_id, flags2
constexpr size_t kGtidMinBody = 19;      // the post-header MariaDB pads every GTID body to
constexpr size_t kCommitIdLength = 8;

constexpr uint8_t Code(EventType t) { return static_cast<uint8_t>(t); }

void StoreLE(uint64_t v, size_t n, uint8_t* p) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Events that describe the source's own binlog files, not changes: the replica gets the
// virtual file's instead.
bool DescribesSourceFile(uint8_t type) {
  switch (type) {
    case Code(EventType::kRotate):
    case Code(EventType::kStop):
    case Code(EventType::kHeartbeat):
    case Code(EventType::kHeartbeatV2):
    case Code(EventType::kMariaGtidList):
    case Code(EventType::kMariaBinlogCheckpoint):
    case Code(EventType::kMariaStartEncryption):
      return true;
    default:
      return false;
  }
}

// The event type of `raw` for a message, when its header is too short to say.
uint8_t TypeOf(ByteView raw) { return raw.size() > 4 ? raw[4] : 0; }

}  // namespace

std::string NextFileName(std::string_view name) {
  const size_t dot = name.rfind('.');
  const std::string_view digits = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(),
                                     [](char c) { return c >= '0' && c <= '9'; })) {
    return StrCat(name, ".000001");
  }
  // Increment the decimal string in place (no overflow on any length).
  std::string next(digits);
  size_t i = next.size();
  while (i > 0 && next[i - 1] == '9') next[--i] = '0';
  if (i == 0) {
    next.insert(next.begin(), '1');
  } else {
    ++next[i - 1];
  }
  return StrCat(name.substr(0, dot + 1), next);
}

Reframer::Reframer(StreamOptions options)
    : options_(std::move(options)), file_name_(options_.file_name) {}

absl::Status Reframer::Adopt(const binlog::FormatDescription& fd) {
  if (!fd.is_mariadb) {
    return absl::FailedPreconditionError(
        StrCat("relay mode serves a MariaDB source's binlog, and the source writes ",
               fd.server_version.empty() ? std::string("an unnamed version") : fd.server_version,
               ": replicate from a MySQL source with --mode live"));
  }
  source_checksum_ = fd.checksum;
  source_header_length_ = fd.header_length;
  std::vector<uint8_t> lengths(fd.post_header_lengths.begin() + 1,
                               fd.post_header_lengths.begin() + 1 + fd.post_header_count);
  if (started_ && (lengths != post_header_lengths_ || fd.server_version != server_version_)) {
    rotate_pending_ = true;  // the replica must learn the new format from a new file
  }
  if (!started_ || rotate_pending_) {
    server_version_ = fd.server_version;
    post_header_lengths_ = std::move(lengths);
  }
  if (fd.raw.size() >= kEventHeaderLength) {
    timestamp_ = static_cast<uint32_t>(binlog::LoadLE(fd.raw.data(), 4));
  }
  return absl::OkStatus();
}

absl::Status Reframer::Start(const binlog::FormatDescription& source_fd,
                             const MariaDbGtidPos& start, std::vector<uint8_t>* out) {
  started_ = false;
  rotate_pending_ = false;
  RETURN_IF_ERROR(Adopt(source_fd));
  started_ = true;
  file_name_ = options_.file_name;
  gtid_state_ = start;
  position_ = 4;
  AppendFakeRotate(out);
  AppendStartOfFile(out);
  return absl::OkStatus();
}

size_t Reframer::Begin(uint8_t type, uint32_t timestamp, uint32_t server_id, uint16_t flags,
                       std::vector<uint8_t>* out) const {
  const size_t start = out->size();
  PutLE(timestamp, 4, out);
  out->push_back(type);
  PutLE(server_id, 4, out);
  PutLE(0, 8, out);  // event_size and log_pos: Finish
  PutLE(flags, 2, out);
  return start;
}

void Reframer::Finish(size_t start, Placement placement, std::vector<uint8_t>* out) {
  const size_t size = out->size() - start + (options_.checksum ? kChecksumLength : 0);
  uint64_t log_pos = 0;
  if (placement == Placement::kInFile) {
    position_ += size;
    log_pos = position_;
  } else if (placement == Placement::kHeartbeat) {
    log_pos = position_;
  }
  uint8_t* header = out->data() + start;
  StoreLE(size, 4, header + 9);
  // log_pos is 32 bits on the wire; the file rotates long before (max_file_size).
  StoreLE(log_pos, 4, header + 13);
  if (options_.checksum) {
    const uint32_t crc = binlog::BinlogCrc32(ByteView(out->data() + start, out->size() - start));
    PutLE(crc, 4, out);
  }
}

void Reframer::AppendFakeRotate(std::vector<uint8_t>* out) {
  const size_t start = Begin(Code(EventType::kRotate), 0, options_.server_id,
                             binlog::kFlagArtificial, out);
  PutLE(4, 8, out);
  PutText(file_name_, out);
  Finish(start, Placement::kArtificial, out);
}

void Reframer::AppendStartOfFile(std::vector<uint8_t>* out) {
  file_has_transaction_ = false;
  AppendFormatDescription(out);
  AppendGtidList(out);
  AppendCheckpoint(out);
}

void Reframer::AppendFormatDescription(std::vector<uint8_t>* out) {
  const size_t start =
      Begin(Code(EventType::kFormatDescription), timestamp_, options_.server_id, 0, out);
  PutLE(4, 2, out);
  const size_t version_at = out->size();
  out->resize(version_at + kServerVersionLength, 0);
  std::memcpy(out->data() + version_at, server_version_.data(),
              std::min(server_version_.size(), kServerVersionLength - 1));
  PutLE(0, 4, out);  // created: see the file comment
  out->push_back(static_cast<uint8_t>(kEventHeaderLength));
  PutBytes(post_header_lengths_, out);
  out->push_back(options_.checksum ? 1 : 0);
  // With checksums off the FDE still carries its (zero) CRC field.
  if (!options_.checksum) PutLE(0, 4, out);
  Finish(start, Placement::kInFile, out);
}

void Reframer::AppendGtidList(std::vector<uint8_t>* out) {
  const size_t start =
      Begin(Code(EventType::kMariaGtidList), timestamp_, options_.server_id, 0, out);
  PutLE(gtid_state_.size(), 4, out);
  for (const MariaDbGtid& g : gtid_state_) {
    PutLE(g.domain_id, 4, out);
    PutLE(g.server_id, 4, out);
    PutLE(g.seq_no, 8, out);
  }
  Finish(start, Placement::kInFile, out);
}

void Reframer::AppendCheckpoint(std::vector<uint8_t>* out) {
  const size_t start =
      Begin(Code(EventType::kMariaBinlogCheckpoint), timestamp_, options_.server_id, 0, out);
  PutLE(file_name_.size(), 4, out);
  PutText(file_name_, out);
  Finish(start, Placement::kInFile, out);
}

void Reframer::Rotate(std::vector<uint8_t>* out) {
  const std::string next = NextFileName(file_name_);
  const size_t start = Begin(Code(EventType::kRotate), timestamp_, options_.server_id, 0, out);
  PutLE(4, 8, out);
  PutText(next, out);
  Finish(start, Placement::kInFile, out);
  file_name_ = next;
  position_ = 4;
  rotate_pending_ = false;
  AppendStartOfFile(out);
}

void Reframer::AppendHeartbeat(std::vector<uint8_t>* out) {
  const size_t start = Begin(Code(EventType::kHeartbeat), 0, options_.server_id, 0, out);
  PutText(file_name_, out);
  Finish(start, Placement::kHeartbeat, out);
}

void Reframer::Advance(uint32_t domain_id, uint32_t server_id, uint64_t seq_no) {
  for (MariaDbGtid& g : gtid_state_) {
    if (g.domain_id == domain_id) {
      g.server_id = server_id;
      g.seq_no = seq_no;
      return;
    }
  }
  gtid_state_.push_back(MariaDbGtid{domain_id, server_id, seq_no});
}

absl::Status Reframer::AppendGtid(const binlog::EventView& ev, CommitId commit_id,
                                  std::vector<uint8_t>* out) {
  const ByteView body = ev.body;
  const uint8_t flags2 = body.size() >= kGtidFixedLength ? body[12] : 0;
  const bool had_id = (flags2 & MariaGtidEvent::kFlagGroupCommitId) != 0;
  const size_t rest_at = kGtidFixedLength + (had_id ? kCommitIdLength : 0);
  if (body.size() < std::max(kGtidMinBody, rest_at)) {
    return absl::DataLossError(StrCat("GTID body of ", body.size(), " bytes is shorter than the ",
                                      std::max(kGtidMinBody, rest_at), " its flags require"));
  }
  if (commit_id.present && commit_id.value == 0) {
    // The applier resets its last id to 0 after a GTID without one: 0 would join that.
    return absl::InvalidArgumentError("commit_id 0 cannot be sent (it would join the group "
                                      "of a preceding GTID without commit_id)");
  }
  ByteView rest = body.subspan(rest_at);
  const bool xa = (flags2 & (MariaGtidEvent::kFlagPreparedXa | MariaGtidEvent::kFlagCompletedXa)) != 0;
  if (!xa && std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; })) {
    rest = ByteView();  // padding only
  }
  const uint8_t new_flags = static_cast<uint8_t>(
      (flags2 & ~MariaGtidEvent::kFlagGroupCommitId) |
      (commit_id.present ? MariaGtidEvent::kFlagGroupCommitId : 0));

  const size_t start = Begin(ev.header.type, ev.header.timestamp, ev.header.server_id,
                             ev.header.flags, out);
  const size_t body_at = out->size();
  PutBytes(body.first(12), out);
  out->push_back(new_flags);
  if (commit_id.present) PutLE(commit_id.value, kCommitIdLength, out);
  PutBytes(rest, out);
  if (out->size() - body_at < kGtidMinBody) out->resize(body_at + kGtidMinBody, 0);
  Finish(start, Placement::kInFile, out);
  file_has_transaction_ = true;
  Advance(static_cast<uint32_t>(binlog::LoadLE(body.data() + 8, 4)), ev.header.server_id,
          binlog::LoadLE(body.data(), 8));
  return absl::OkStatus();
}

absl::Status Reframer::Append(ByteView raw, SourcePos where, CommitId commit_id,
                              std::vector<uint8_t>* out) {
  if (!started_) {
    return absl::FailedPreconditionError("Reframer::Append before Start (no stream to the replica)");
  }
  binlog::EventView ev;
  if (absl::Status st = binlog::FrameEvent(raw, where.pos, source_checksum_,
                                           source_header_length_, &ev);
      !st.ok()) {
    return binlog::EventError(st, where.file, where.pos, TypeOf(raw));
  }
  const uint8_t type = ev.header.type;
  if (type == Code(EventType::kFormatDescription)) {
    binlog::FormatDescription fd;
    absl::Status st = binlog::ParseFormatDescription(ev, &fd);
    if (st.ok()) st = Adopt(fd);
    return st.ok() ? st : binlog::EventError(st, where.file, where.pos, type);
  }
  if (type != Code(EventType::kMariaStartEncryption)) timestamp_ = ev.header.timestamp;
  if (DescribesSourceFile(type)) return absl::OkStatus();
  if (type == Code(EventType::kMariaAnnotateRows) && !options_.annotate_rows) {
    return absl::OkStatus();
  }
  if (type == Code(EventType::kMariaGtid)) {
    // A file holds at least one transaction, however small max_file_size is.
    if (rotate_pending_ || (position_ >= options_.max_file_size && file_has_transaction_)) {
      Rotate(out);
    }
    const size_t size_before = out->size();
    if (absl::Status st = AppendGtid(ev, commit_id, out); !st.ok()) {
      out->resize(size_before);
      return binlog::EventError(st, where.file, where.pos, type);
    }
    return absl::OkStatus();
  }
  const size_t start = Begin(type, ev.header.timestamp, ev.header.server_id, ev.header.flags, out);
  PutBytes(ev.body, out);
  Finish(start, Placement::kInFile, out);
  return absl::OkStatus();
}

}  // namespace binsync::relay
