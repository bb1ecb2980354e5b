// The wire format and the typed protocol: round trips, and the decoder's refusal of every
// malformed field.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <climits>

#include "ipc/protocol.h"

namespace wc::ipc {
namespace {

bool is_net(Kind k) { return k >= Kind::kNetConnect && k <= Kind::kNetSendTo; }

// The kinds that carry exactly one fd (the file or socket to act on).
bool carries_fd(Kind k) {
  return k == Kind::kFdSetTimes || k == Kind::kFdSetSize || k == Kind::kFdSetMode ||
         k == Kind::kFdSetOwner || k == Kind::kNetSendTo;
}

Request sample(Kind kind) {
  Request r;
  r.kind = kind;
  r.id = 7;
  r.dir = 3;
  r.dir2 = 4;
  r.path = "a/b";
  r.path2 = "c/d";
  r.oflags = O_RDWR | O_CREAT;
  r.mode = 0644;
  r.follow = true;
  r.times[0] = {1, 2};
  r.times[1] = {3, UTIME_OMIT};
  r.size = 99;
  r.uid = 1000;
  r.gid = 1001;
  if (carries_fd(kind)) r.fd = UniqueFd(dup(0));
  if (is_net(kind)) {  // the network kinds: a valid address, name and datagram
    struct sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    auto* b = reinterpret_cast<const uint8_t*>(&sin);
    r.family = AF_INET, r.socktype = SOCK_STREAM, r.addr.assign(b, b + sizeof sin);
    r.host = "localhost", r.service = "80", r.data = {1, 2, 3};
  }
  if (kind == Kind::kOutput) r.data = {'h', 'i', '\n'};
  return r;
}

// Re-encodes a message with its header length matching a new payload.
Message with_payload(const Message& m, std::vector<uint8_t> payload) {
  Message out;
  out.header = m.header;
  out.header.length = static_cast<uint32_t>(payload.size());
  out.payload = std::move(payload);
  for (const UniqueFd& fd : m.fds) out.fds.emplace_back(dup(fd.get()));
  return out;
}

Message copy(const Message& m) { return with_payload(m, m.payload); }

TEST(IpcWire, HeaderIsLittleEndian) {
  uint8_t b[kHeaderSize];
  encode_header({0x0102, 0x0304, 0x05060708, 0x090a0b0c}, b);
  const uint8_t want[kHeaderSize] = {2, 1, 4, 3, 8, 7, 6, 5, 0xc, 0xb, 0xa, 9};
  EXPECT_EQ(0, memcmp(b, want, kHeaderSize));
  Header h = decode_header(b);
  EXPECT_EQ(h.kind, 0x0102);
  EXPECT_EQ(h.flags, 0x0304);
  EXPECT_EQ(h.id, 0x05060708u);
  EXPECT_EQ(h.length, 0x090a0b0cu);
}

TEST(IpcWire, EveryRequestKindRoundTrips) {
  for (uint16_t k = 1; k <= kKindLast; k++) {
    Kind kind = static_cast<Kind>(k);
    Message m = encode_request(sample(kind));
    EXPECT_EQ(m.header.kind, k);
    EXPECT_EQ(m.header.flags, 0);
    EXPECT_EQ(m.header.id, 7u);
    std::optional<Request> r = decode_request(std::move(m));
    ASSERT_TRUE(r) << kind_name(kind);
    Request want = sample(kind);
    EXPECT_EQ(r->kind, kind);
    EXPECT_EQ(r->id, 7u);
    // Each kind carries only its own fields; those must survive exactly.
    switch (kind) {
      case Kind::kOpen:
        EXPECT_EQ(r->dir, 3u);
        EXPECT_EQ(r->oflags, want.oflags);
        EXPECT_EQ(r->mode, 0644u);
        EXPECT_EQ(r->path, "a/b");
        break;
      case Kind::kRename:
      case Kind::kLink:
        EXPECT_EQ(r->dir2, 4u);
        EXPECT_EQ(r->path2, "c/d");
        EXPECT_EQ(r->follow, kind == Kind::kLink);
        break;
      case Kind::kSymlink:
        EXPECT_EQ(r->path2, "c/d");
        EXPECT_EQ(r->path, "a/b");
        break;
      case Kind::kSetTimes:
      case Kind::kFdSetTimes:
        EXPECT_EQ(r->times[0].tv_sec, 1);
        EXPECT_EQ(r->times[0].tv_nsec, 2);
        EXPECT_EQ(r->times[1].tv_nsec, UTIME_OMIT);
        break;
      case Kind::kFdSetSize:
        EXPECT_EQ(r->size, 99u);
        EXPECT_TRUE(r->fd.valid());
        break;
      case Kind::kSetMode:
      case Kind::kFdSetMode:
        EXPECT_EQ(r->mode, 0644u);
        EXPECT_EQ(r->fd.valid(), kind == Kind::kFdSetMode);
        EXPECT_EQ(r->path, kind == Kind::kSetMode ? "a/b" : "");
        EXPECT_EQ(r->follow, kind == Kind::kSetMode);
        break;
      case Kind::kSetOwner:
      case Kind::kFdSetOwner:
        EXPECT_EQ(r->uid, 1000u);
        EXPECT_EQ(r->gid, 1001u);
        EXPECT_EQ(r->fd.valid(), kind == Kind::kFdSetOwner);
        EXPECT_EQ(r->path, kind == Kind::kSetOwner ? "a/b" : "");
        EXPECT_EQ(r->dir, kind == Kind::kSetOwner ? 3u : 0u);
        break;
      case Kind::kOutput:
        EXPECT_EQ(r->data, (std::vector<uint8_t>{'h', 'i', '\n'}));
        EXPECT_EQ(r->path, "");
        break;
      default: break;
    }
    EXPECT_EQ(r->fd.valid(), carries_fd(kind)) << kind_name(kind);
  }
}

TEST(IpcWire, NewKindsKeepTheirNumbersAndNames) {
  // Appended after the network kinds: the older kinds' numbers are unchanged.
  EXPECT_EQ(static_cast<uint16_t>(Kind::kNetSendTo), 18);
  EXPECT_EQ(static_cast<uint16_t>(Kind::kSetMode), 19);
  EXPECT_EQ(static_cast<uint16_t>(Kind::kFdSetOwner), 22);
  EXPECT_EQ(static_cast<uint16_t>(Kind::kOutput), kKindLast);
  EXPECT_EQ(kKindLast, 23);
  EXPECT_STREQ(kind_name(Kind::kOutput), "output");
  EXPECT_STREQ(kind_name(Kind::kSetMode), "set_mode");
  EXPECT_STREQ(kind_name(Kind::kFdSetMode), "fd_set_mode");
  EXPECT_STREQ(kind_name(Kind::kSetOwner), "set_owner");
  EXPECT_STREQ(kind_name(Kind::kFdSetOwner), "fd_set_owner");
}

// serve's output requests: at most kMaxOutput bytes; a longer one is malformed.
TEST(IpcWire, OutputIsBounded) {
  Request r = sample(Kind::kOutput);
  r.data.assign(kMaxOutput, 'x');
  std::optional<Request> ok = decode_request(encode_request(std::move(r)));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->data.size(), kMaxOutput);
  Request big = sample(Kind::kOutput);
  big.data.assign(kMaxOutput + 1, 'x');
  EXPECT_FALSE(decode_request(encode_request(std::move(big))));
}

TEST(IpcWire, ModeAndOwnerFieldsAreChecked) {
  auto with = [](Kind kind, auto edit) {
    Request r = sample(kind);
    edit(r);
    return decode_request(encode_request(std::move(r))).has_value();
  };
  for (Kind k : {Kind::kSetMode, Kind::kFdSetMode}) {
    EXPECT_TRUE(with(k, [](Request& r) { r.mode = 07777; })) << kind_name(k);
    EXPECT_TRUE(with(k, [](Request& r) { r.mode = 0; })) << kind_name(k);
    for (uint32_t bad : {010000u, 0100644u, 0170000u, 0x80000000u, 0xffffffffu}) {
      EXPECT_FALSE(with(k, [bad](Request& r) { r.mode = bad; })) << kind_name(k) << " " << bad;
    }
  }
  // Every uid and gid is a value chown(2) could be given; 0xffffffff means "unchanged".
  for (Kind k : {Kind::kSetOwner, Kind::kFdSetOwner}) {
    for (uint32_t id : {0u, 1u, 65534u, kOwnerUnchanged}) {
      EXPECT_TRUE(with(k, [id](Request& r) { r.uid = id, r.gid = id; })) << kind_name(k);
    }
  }
  EXPECT_FALSE(with(Kind::kSetMode, [](Request& r) { r.path = std::string("a\0b", 3); }));
  EXPECT_FALSE(with(Kind::kSetOwner, [](Request& r) { r.path = std::string(kMaxPath + 1, 'a'); }));

  // set_mode: dir u32, follow u8, mode u32, path. A follow byte of 2 and a mode with a high
  // bit poked into the raw payload are refused like everything else.
  Message m = encode_request(sample(Kind::kSetMode));
  std::vector<uint8_t> p = m.payload;
  p[4] = 2;
  EXPECT_FALSE(decode_request(with_payload(m, p)));
  p = m.payload;
  p[6] |= 0x10;  // mode byte 1: 0644 | 010000
  EXPECT_FALSE(decode_request(with_payload(m, p)));
  p = m.payload;
  p[8] = 0x80;  // mode's top byte
  EXPECT_FALSE(decode_request(with_payload(m, p)));
  EXPECT_TRUE(decode_request(copy(m)));
  // set_owner: dir u32, follow u8, uid u32, gid u32, path.
  Message o = encode_request(sample(Kind::kSetOwner));
  p = o.payload;
  p[4] = 0xff;
  EXPECT_FALSE(decode_request(with_payload(o, p)));
  EXPECT_EQ(o.payload.size(), 4u + 1 + 4 + 4 + 4 + 3);
  EXPECT_EQ(encode_request(sample(Kind::kFdSetMode)).payload.size(), 4u);
  EXPECT_EQ(encode_request(sample(Kind::kFdSetOwner)).payload.size(), 8u);
}

TEST(IpcWire, ModeAndOwnerKindsNeedTheirFdCount) {
  for (Kind k : {Kind::kFdSetMode, Kind::kFdSetOwner}) {
    Message good = encode_request(sample(k));
    Message none = copy(good);
    none.fds.clear();
    EXPECT_FALSE(decode_request(std::move(none))) << kind_name(k);
    Message two = copy(good);
    two.fds.emplace_back(dup(0));
    EXPECT_FALSE(decode_request(std::move(two))) << kind_name(k);
    EXPECT_TRUE(decode_request(std::move(good))) << kind_name(k);
  }
  for (Kind k : {Kind::kSetMode, Kind::kSetOwner}) {
    Message m = encode_request(sample(k));
    m.fds.emplace_back(dup(0));
    EXPECT_FALSE(decode_request(std::move(m))) << kind_name(k);
  }
  // Their replies are a status only: a reply that carries an fd or extra bytes is refused.
  for (Kind k : {Kind::kSetMode, Kind::kFdSetMode, Kind::kSetOwner, Kind::kFdSetOwner}) {
    Reply ok;
    ok.kind = k;
    ok.id = 8;
    Message m = encode_reply(std::move(ok));
    EXPECT_EQ(m.payload.size(), 4u);
    EXPECT_TRUE(decode_reply(copy(m), k, 8)) << kind_name(k);
    Message with_fd = copy(m);
    with_fd.fds.emplace_back(dup(0));
    EXPECT_FALSE(decode_reply(std::move(with_fd), k, 8)) << kind_name(k);
    std::vector<uint8_t> longer = m.payload;
    longer.push_back(0);
    EXPECT_FALSE(decode_reply(with_payload(m, longer), k, 8)) << kind_name(k);
  }
}

TEST(IpcWire, RejectsBadKindFlagsAndLength) {
  Message good = encode_request(sample(Kind::kStat));
  ASSERT_TRUE(decode_request(copy(good)));
  for (int kind : {0, kKindLast + 1, 0x7fff, 0xffff}) {
    Message m = copy(good);
    m.header.kind = static_cast<uint16_t>(kind);
    EXPECT_FALSE(decode_request(std::move(m))) << kind;
  }
  for (uint16_t flags : {uint16_t{kFlagReply}, uint16_t{2}, uint16_t{0x8000}}) {
    Message m = copy(good);
    m.header.flags = flags;
    EXPECT_FALSE(decode_request(std::move(m))) << flags;
  }
  for (uint32_t len : {0u, static_cast<uint32_t>(good.payload.size() - 1),
                       static_cast<uint32_t>(good.payload.size() + 1), 0xffffffffu}) {
    Message m = copy(good);
    m.header.length = len;
    EXPECT_FALSE(decode_request(std::move(m))) << len;
  }
}

TEST(IpcWire, RejectsEveryTruncationAndTrailingBytes) {
  for (uint16_t k = 1; k <= kKindLast; k++) {
    Message good = encode_request(sample(static_cast<Kind>(k)));
    for (size_t n = 0; n < good.payload.size(); n++) {
      std::vector<uint8_t> cut(good.payload.begin(), good.payload.begin() + n);
      EXPECT_FALSE(decode_request(with_payload(good, cut))) << "kind " << k << " cut " << n;
    }
    std::vector<uint8_t> longer = good.payload;
    longer.push_back(0);
    EXPECT_FALSE(decode_request(with_payload(good, longer))) << "kind " << k;
  }
}

TEST(IpcWire, RejectsBadFieldValues) {
  auto open_with = [](auto edit) {
    Request r = sample(Kind::kOpen);
    edit(r);
    return decode_request(encode_request(std::move(r))).has_value();
  };
  EXPECT_TRUE(open_with([](Request&) {}));
  EXPECT_FALSE(open_with([](Request& r) { r.path = std::string("a\0b", 3); }));
  EXPECT_FALSE(open_with([](Request& r) { r.path = std::string(kMaxPath + 1, 'a'); }));
  EXPECT_TRUE(open_with([](Request& r) { r.path = std::string(kMaxPath, 'a'); }));
  EXPECT_TRUE(open_with([](Request& r) { r.path = "\xff\xfe"; }));  // bytes, not UTF-8
  EXPECT_FALSE(open_with([](Request& r) { r.oflags = O_PATH; }));
  EXPECT_FALSE(open_with([](Request& r) { r.oflags = O_TMPFILE | O_RDWR; }));
  EXPECT_FALSE(open_with([](Request& r) { r.oflags = O_ACCMODE; }));
  EXPECT_FALSE(open_with([](Request& r) { r.oflags = 1 << 30; }));
  EXPECT_FALSE(open_with([](Request& r) { r.oflags = -1; }));
  EXPECT_FALSE(open_with([](Request& r) { r.mode = 010000; }));

  auto times_with = [](long nsec) {
    Request r = sample(Kind::kSetTimes);
    r.times[1].tv_nsec = nsec;
    return decode_request(encode_request(std::move(r))).has_value();
  };
  EXPECT_TRUE(times_with(999'999'999));
  EXPECT_TRUE(times_with(UTIME_NOW));
  EXPECT_FALSE(times_with(1'000'000'000));
  EXPECT_FALSE(times_with(-1));

  Request big = sample(Kind::kFdSetSize);
  big.size = static_cast<uint64_t>(INT64_MAX) + 1;
  EXPECT_FALSE(decode_request(encode_request(std::move(big))));

  // A boolean byte other than 0/1, and a string length running past the payload.
  Message stat = encode_request(sample(Kind::kStat));  // dir u32, follow u8, path
  std::vector<uint8_t> p = stat.payload;
  p[4] = 2;
  EXPECT_FALSE(decode_request(with_payload(stat, p)));
  p = stat.payload;
  p[5] = 0xff;  // path length low byte
  EXPECT_FALSE(decode_request(with_payload(stat, p)));
}

TEST(IpcWire, RejectsWrongFdCount) {
  Message open = encode_request(sample(Kind::kOpen));
  open.fds.emplace_back(dup(0));
  EXPECT_FALSE(decode_request(std::move(open)));

  Message size = encode_request(sample(Kind::kFdSetSize));
  Message none = copy(size);
  none.fds.clear();
  EXPECT_FALSE(decode_request(std::move(none)));
  Message two = copy(size);
  two.fds.emplace_back(dup(0));
  EXPECT_FALSE(decode_request(std::move(two)));
  EXPECT_TRUE(decode_request(std::move(size)));
}

TEST(IpcWire, RepliesRoundTripAndAreChecked) {
  Reply open;
  open.kind = Kind::kOpen;
  open.id = 5;
  open.is_directory = true;
  open.dir = 9;
  open.file_type = S_IFDIR;
  open.fds.emplace_back(dup(0));
  Message m = encode_reply(std::move(open));
  EXPECT_EQ(m.header.flags, kFlagReply);
  std::optional<Reply> r = decode_reply(copy(m), Kind::kOpen, 5);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_directory);
  EXPECT_EQ(r->dir, 9u);
  EXPECT_EQ(r->file_type, static_cast<uint32_t>(S_IFDIR));
  ASSERT_EQ(r->fds.size(), 1u);
  EXPECT_FALSE(decode_reply(copy(m), Kind::kOpen, 6));  // wrong id
  EXPECT_FALSE(decode_reply(copy(m), Kind::kStat, 5));  // wrong kind
  Message noflag = copy(m);
  noflag.header.flags = 0;
  EXPECT_FALSE(decode_reply(std::move(noflag), Kind::kOpen, 5));
  Message nofd = copy(m);
  nofd.fds.clear();
  EXPECT_FALSE(decode_reply(std::move(nofd), Kind::kOpen, 5));

  Reply pre;
  pre.kind = Kind::kPreopens;
  pre.id = 1;
  pre.preopens = {{"/data", 0, false}, {"/ro", 1, true}};
  pre.fds.emplace_back(dup(0));
  pre.fds.emplace_back(dup(0));
  r = decode_reply(encode_reply(std::move(pre)), Kind::kPreopens, 1);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->preopens.size(), 2u);
  EXPECT_EQ(r->preopens[1].guest_path, "/ro");
  EXPECT_TRUE(r->preopens[1].read_only);

  Reply st;
  st.kind = Kind::kStat;
  st.id = 2;
  st.st.st_ino = 1234;
  st.st.st_size = 1 << 20;
  st.st.st_mtim = {55, 66};
  r = decode_reply(encode_reply(std::move(st)), Kind::kStat, 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->st.st_ino, 1234u);
  EXPECT_EQ(r->st.st_size, 1 << 20);
  EXPECT_EQ(r->st.st_mtim.tv_nsec, 66);

  for (int32_t result : {1, -4096, INT32_MIN}) {
    Reply bad;
    bad.kind = Kind::kMkdir;
    bad.id = 3;
    bad.result = result;
    EXPECT_FALSE(decode_reply(encode_reply(std::move(bad)), Kind::kMkdir, 3)) << result;
  }
  Reply err;
  err.kind = Kind::kOpen;
  err.id = 4;
  err.result = -ENOENT;
  r = decode_reply(encode_reply(std::move(err)), Kind::kOpen, 4);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result, -ENOENT);
}

TEST(IpcWire, CheckPath) {
  EXPECT_EQ(check_path("ok/path"), 0);
  EXPECT_EQ(check_path(std::string_view("a\0b", 3)), -EINVAL);
  EXPECT_EQ(check_path(std::string(kMaxPath + 1, 'x')), -ENAMETOOLONG);
}

}  // namespace
}  // namespace wc::ipc
