#include "core/binlog/json_diff.h"

#include <algorithm>
#include <vector>

#include "core/binlog/json_binary.h"
#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(StrCat("JSON diff: ", what));
}

// One leg of a diff path: an object member, or an array position counted from the
// start ([n]) or from the end ([last-n]).
struct PathLeg {
  bool member = false;
  std::string key;
  bool from_end = false;
  uint64_t index = 0;
};

class PathParser {
 public:
  explicit PathParser(std::string_view path) : p_(path) {}

  absl::Status Parse(std::vector<PathLeg>* legs) {
    SkipSpace();
    if (!Eat('$')) return Error("does not start with $");
    for (;;) {
      SkipSpace();
      if (i_ == p_.size()) break;
      PathLeg leg;
      if (Eat('.')) {
        SkipSpace();
        leg.member = true;
        if (Peek() == '"') {
          if (absl::Status st = QuotedKey(&leg.key); !st.ok()) return st;
        } else {
          const size_t start = i_;
          while (i_ < p_.size() && p_[i_] != '.' && p_[i_] != '[' && p_[i_] != ' ' &&
                 p_[i_] != '*') {
            ++i_;
          }
          leg.key.assign(p_.substr(start, i_ - start));
          if (leg.key.empty()) return Error("has an empty or wildcard member");
        }
      } else if (Eat('[')) {
        SkipSpace();
        if (p_.substr(i_, 4) == "last") {
          i_ += 4;
          leg.from_end = true;
          SkipSpace();
          if (Eat('-')) {
            SkipSpace();
            if (!Number(&leg.index)) return Error("has a malformed [last-n]");
          }
        } else if (!Number(&leg.index)) {
          return Error("has a wildcard, range or malformed array index");
        }
        SkipSpace();
        if (!Eat(']')) return Error("has an unterminated or range array index");
      } else {
        return Error(StrCat("has an unexpected character at ", i_));
      }
      legs->push_back(std::move(leg));
    }
    if (legs->empty()) return Error("has no legs");
    return absl::OkStatus();
  }

 private:
  absl::Status Error(std::string_view what) const {
    return Corrupt(StrCat("path ", ToStd(absl::string_view(p_.data(), p_.size())), " ", what));
  }
  char Peek() const { return i_ < p_.size() ? p_[i_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  void SkipSpace() {
    while (i_ < p_.size() && (p_[i_] == ' ' || p_[i_] == '\t' || p_[i_] == '\n')) ++i_;
  }
  bool Number(uint64_t* out) {
    const size_t start = i_;
    uint64_t v = 0;
    while (i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '9') {
      if (v > (UINT32_MAX - 9) / 10) return false;
      v = v * 10 + static_cast<uint64_t>(p_[i_++] - '0');
    }
    *out = v;
    return i_ > start;
  }
  bool Hex4(uint32_t* out) {
    if (p_.size() - i_ < 4) return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = p_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    *out = v;
    return true;
  }
  static void Utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
  // A JSON string literal as a member name.
  absl::Status QuotedKey(std::string* key) {
    ++i_;  // opening quote
    while (i_ < p_.size() && p_[i_] != '"') {
      const char c = p_[i_++];
      if (c != '\\') {
        key->push_back(c);
        continue;
      }
      if (i_ == p_.size()) break;
      const char e = p_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          key->push_back(e);
          break;
        case 'b':
          key->push_back('\b');
          break;
        case 'f':
          key->push_back('\f');
          break;
        case 'n':
          key->push_back('\n');
          break;
        case 'r':
          key->push_back('\r');
          break;
        case 't':
          key->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return Error("has a bad \\u escape");
          if (cp >= 0xd800 && cp < 0xdc00) {
            uint32_t low = 0;
            if (!Eat('\\') || !Eat('u') || !Hex4(&low) || low < 0xdc00 || low > 0xdfff) {
              return Error("has an unpaired surrogate");
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return Error("has an unpaired surrogate");
          }
          Utf8(cp, key);
          break;
        }
        default:
          return Error("has an unknown escape");
      }
    }
    if (!Eat('"')) return Error("has an unterminated quoted member");
    return absl::OkStatus();
  }

  std::string_view p_;
  size_t i_ = 0;
};

// A document as a tree: scalars keep their JSON text.
struct Node {
  bool object = false;
  bool array = false;
  std::string scalar;
  std::vector<std::string> keys;  // objects: parallel to children
  std::vector<Node> children;
};

// Builds trees from binary documents; bounded in nesting and in nodes per document.
class TreeBuilder {
 public:
  absl::Status Build(ByteView doc, int depth, Node* out) {
    JsonValue root;
    if (absl::Status st = JsonValue::ParseDocument(doc, &root); !st.ok()) return st;
    nodes_left_ = doc.size() + 64;
    return Add(root, depth, out);
  }

 private:
  absl::Status Add(const JsonValue& v, int depth, Node* out) {
    if (nodes_left_-- == 0) return Corrupt("document has more values than bytes (overlapping)");
    if (!v.is_container()) return AppendJsonScalar(v, &out->scalar);
    if (depth >= kMaxJsonNesting) {
      return Corrupt(StrCat("document nested deeper than ", kMaxJsonNesting, " levels"));
    }
    out->object = v.type() == JsonType::kObject;
    out->array = !out->object;
    out->children.resize(v.count());
    if (out->object) out->keys.resize(v.count());
    for (uint32_t i = 0; i < v.count(); ++i) {
      if (out->object) {
        std::string_view key;
        if (absl::Status st = v.Key(i, &key); !st.ok()) return st;
        if (!IsValidUtf8(key)) return Corrupt("document has a key that is not UTF-8");
        out->keys[i].assign(key);
      }
      JsonValue element;
      if (absl::Status st = v.Element(i, &element); !st.ok()) return st;
      if (absl::Status st = Add(element, depth + 1, &out->children[i]); !st.ok()) return st;
    }
    return absl::OkStatus();
  }

  size_t nodes_left_ = 0;
};

void Write(const Node& n, std::string* out) {
  if (!n.object && !n.array) {
    out->append(n.scalar);
    return;
  }
  out->push_back(n.object ? '{' : '[');
  for (size_t i = 0; i < n.children.size(); ++i) {
    if (i > 0) out->push_back(',');
    if (n.object) {
      AppendJsonString(n.keys[i], out);
      out->push_back(':');
    }
    Write(n.children[i], out);
  }
  out->push_back(n.object ? '}' : ']');
}

// MySQL's Json_path_leg::first_array_index: the position a leg names in an array of
// `size` elements, and whether an element is there.
struct ArrayPosition {
  size_t position;
  bool within;
};
ArrayPosition Position(const PathLeg& leg, size_t size) {
  if (leg.from_end) {
    if (leg.index < size) return {size - 1 - static_cast<size_t>(leg.index), true};
    return {0, false};
  }
  if (leg.index < size) return {static_cast<size_t>(leg.index), true};
  return {size, false};
}

// The node at legs[0, end), or nullptr.
Node* Seek(Node* n, const std::vector<PathLeg>& legs, size_t end) {
  for (size_t i = 0; i < end && n != nullptr; ++i) {
    const PathLeg& leg = legs[i];
    if (n->array && !leg.member) {
      const ArrayPosition p = Position(leg, n->children.size());
      n = p.within ? &n->children[p.position] : nullptr;
    } else if (n->object && leg.member) {
      const auto k = std::find(n->keys.begin(), n->keys.end(), leg.key);
      n = k == n->keys.end() ? nullptr : &n->children[static_cast<size_t>(k - n->keys.begin())];
    } else {
      n = nullptr;
    }
  }
  return n;
}

bool KeyLess(std::string_view a, std::string_view b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

absl::Status Apply(const JsonDiff& d, size_t index, TreeBuilder& builder, Node* root) {
  std::vector<PathLeg> legs;
  if (absl::Status st = PathParser(d.path).Parse(&legs); !st.ok()) return st;
  auto failed = [&](std::string_view why) {
    return Corrupt(StrCat("diff ", index + 1, " cannot be applied: ", why));
  };
  Node value;
  if (d.op != JsonDiffOp::kRemove) {
    if (absl::Status st = builder.Build(d.value, static_cast<int>(legs.size()), &value); !st.ok()) {
      return st;
    }
  }
  const PathLeg& last = legs.back();
  if (d.op == JsonDiffOp::kReplace) {
    Node* target = Seek(root, legs, legs.size());
    if (target == nullptr) return failed(StrCat("REPLACE of ", d.path, ", which does not exist"));
    *target = std::move(value);
    return absl::OkStatus();
  }
  Node* parent = Seek(root, legs, legs.size() - 1);
  if (parent == nullptr) return failed(StrCat("the parent of ", d.path, " does not exist"));
  if (parent->object && last.member) {
    const auto k = std::find(parent->keys.begin(), parent->keys.end(), last.key);
    const auto at = static_cast<size_t>(k - parent->keys.begin());
    if (d.op == JsonDiffOp::kRemove) {
      if (k == parent->keys.end()) return failed(StrCat("REMOVE of missing ", d.path));
      parent->keys.erase(k);
      parent->children.erase(parent->children.begin() + static_cast<ptrdiff_t>(at));
      return absl::OkStatus();
    }
    if (k != parent->keys.end()) return failed(StrCat("INSERT of existing ", d.path));
    const auto pos = static_cast<ptrdiff_t>(
        std::find_if(parent->keys.begin(), parent->keys.end(),
                     [&](const std::string& key) { return KeyLess(last.key, key); }) -
        parent->keys.begin());
    parent->keys.insert(parent->keys.begin() + pos, last.key);
    parent->children.insert(parent->children.begin() + pos, std::move(value));
    return absl::OkStatus();
  }
  if (parent->array && !last.member) {
    const ArrayPosition p = Position(last, parent->children.size());
    const auto at = parent->children.begin() + static_cast<ptrdiff_t>(p.position);
    if (d.op == JsonDiffOp::kRemove) {
      if (!p.within) return failed(StrCat("REMOVE of missing ", d.path));
      parent->children.erase(at);
    } else {
      parent->children.insert(at, std::move(value));
    }
    return absl::OkStatus();
  }
  return failed(StrCat(d.path, " does not match the shape of the document"));
}

}  // namespace

absl::StatusOr<bool> JsonDiffReader::Next(JsonDiff* out) {
  if (reader_.empty()) return false;
  ++index_;
  const uint8_t op = reader_.U8();
  if (op > 2) return Corrupt(StrCat("diff ", index_, " has unknown operation ", op));
  out->op = static_cast<JsonDiffOp>(op);
  out->path = reader_.PackedString();
  out->value = out->op == JsonDiffOp::kRemove ? ByteView() : reader_.PackedBytes();
  if (!reader_.ok()) return Corrupt(StrCat("diff ", index_, " truncated"));
  if (out->path.empty()) return Corrupt(StrCat("diff ", index_, " has an empty path"));
  return true;
}

absl::Status AppendJsonDiffText(ByteView diffs, std::string* out) {
  out->append("{\"$json_diff\":[");
  JsonDiffReader reader(diffs);
  JsonDiff d;
  for (bool first = true;; first = false) {
    absl::StatusOr<bool> more = reader.Next(&d);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (!first) out->push_back(',');
    static constexpr std::string_view kOps[] = {"replace", "insert", "remove"};
    StrAppend(out, "{\"op\":\"", kOps[static_cast<uint8_t>(d.op)], "\",\"path\":");
    if (!IsValidUtf8(d.path)) return Corrupt("path is not UTF-8");
    AppendJsonString(d.path, out);
    if (d.op != JsonDiffOp::kRemove) {
      out->append(",\"value\":");
      if (absl::Status st = AppendJsonDocument(d.value, out); !st.ok()) return st;
    }
    out->push_back('}');
  }
  out->append("]}");
  return absl::OkStatus();
}

absl::Status ApplyJsonDiffs(ByteView before, ByteView diffs, std::string* out) {
  TreeBuilder builder;
  Node root;
  if (absl::Status st = builder.Build(before, 0, &root); !st.ok()) {
    return absl::Status(st.code(), StrCat("before image: ", ToStd(st.message())));
  }
  JsonDiffReader reader(diffs);
  JsonDiff d;
  for (size_t i = 0;; ++i) {
    absl::StatusOr<bool> more = reader.Next(&d);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (absl::Status st = Apply(d, i, builder, &root); !st.ok()) return st;
  }
  Write(root, out);
  return absl::OkStatus();
}

}  // namespace binsync::binlog
