// Randomized differential test of the translator's virtual operand stack: random i32 programs
// mixing local.get / local.set / local.tee, constants, arithmetic and comparisons, select,
// blocks and ifs with parameters, br_if out of one or more levels (with values below), and
// bounded loops, executed by the engine and by a tiny reference interpreter in this file.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::I32;

enum class K {
  Const,
  Get,
  Set,
  Tee,
  Bin,
  Eqz,
  Drop,
  Select,
  Block,
  BlockP,
  If,
  IfP,
  BrIf,
  Loop,
  Load,
  Store
};

struct Trapped {};
constexpr uint32_t kMemSize = 65536;
const uint32_t kOffsets[] = {0, 4, 0xFFFC, 0x10000};

const char* const kBin[] = {"add",  "sub",  "mul",  "xor", "and", "or",   "shl",  "shr_s", "shr_u",
                            "rotl", "lt_s", "lt_u", "eq",  "ne",  "ge_s", "gt_u", "le_u",  "gt_s"};
constexpr int kNumBin = sizeof(kBin) / sizeof(kBin[0]);

uint32_t bin(int op, uint32_t a, uint32_t b) {
  int32_t sa = int32_t(a), sb = int32_t(b);
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a ^ b;
    case 4: return a & b;
    case 5: return a | b;
    case 6: return a << (b & 31);
    case 7: return uint32_t(sa >> (b & 31));
    case 8: return a >> (b & 31);
    case 9: return (b & 31) ? (a << (b & 31)) | (a >> (32 - (b & 31))) : a;
    case 10: return sa < sb;
    case 11: return a < b;
    case 12: return a == b;
    case 13: return a != b;
    case 14: return sa >= sb;
    case 15: return a > b;
    case 16: return a <= b;
    case 17: return sa > sb;
  }
  return 0;
}

struct Ins {
  Ins() = default;
  explicit Ins(K kind, int32_t i = 0) : k(kind), imm(i) {}
  K k = K::Const;
  int32_t imm = 0;  // constant, local index, binop, br depth, loop counter local / count
  int32_t imm2 = 0;
  std::vector<Ins> body, els;
};

constexpr int kParams = 3;
constexpr int kGeneralLocals = 6;  // 0..5 may be read and written freely
constexpr int kLocals = 8;         // 6, 7: loop counters

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  // A sequence that starts with `h` values (block params) and ends with exactly one.
  // `labels` = arities... all labels the generator may br_if to have arity 1 except loops.
  std::vector<Ins> seq(int depth, int h, std::vector<bool>& labels, int loop_level) {
    std::vector<Ins> out;
    int steps = 1 + int(rng_() % (depth > 2 ? 4 : 9));
    for (int s = 0; s < steps; ++s) step(out, h, depth, labels, loop_level);
    while (h > 1) {
      out.push_back(Ins(K::Bin, int(rng_() % kNumBin)));
      --h;
    }
    if (h == 0) {
      push_leaf(out);
      h = 1;
    }
    return out;
  }

 private:
  uint32_t pick_const() {
    static const uint32_t cs[] = {0, 1, 2, 3, 31, 32, 0x80000000u, 0x7FFFFFFFu, 0xFFFFFFFFu, 100};
    return cs[rng_() % 10];
  }
  void push_leaf(std::vector<Ins>& out) {
    if (rng_() % 3 == 0)
      out.push_back(Ins(K::Const, int32_t(pick_const())));
    else
      out.push_back(Ins(K::Get, int(rng_() % kGeneralLocals)));
  }
  void step(std::vector<Ins>& out, int& h, int depth, std::vector<bool>& labels, int loop_level) {
    int r = int(rng_() % 100);
    if (r < 25) {
      push_leaf(out);
      ++h;
    } else if (r < 35 && h >= 1) {
      out.push_back(Ins(K::Set, int(rng_() % kGeneralLocals)));
      --h;
    } else if (r < 45 && h >= 1) {
      out.push_back(Ins(K::Tee, int(rng_() % kGeneralLocals)));
    } else if (r < 60 && h >= 2) {
      out.push_back(Ins(K::Bin, int(rng_() % kNumBin)));
      --h;
    } else if (r < 63 && h >= 1) {
      out.push_back(Ins(K::Eqz));
    } else if (r < 65 && h >= 2) {
      out.push_back(Ins(K::Drop));
      --h;
    } else if (r < 68 && h >= 3) {
      out.push_back(Ins(K::Select));
      h -= 2;
    } else if (r < 76 && h >= 2) {
      // br_if to an arity-1 label (block / if / function); value + condition on the stack
      std::vector<int> ok;
      for (int d = 0; d < int(labels.size()); ++d)
        if (labels[labels.size() - 1 - d]) ok.push_back(d);
      if (ok.empty()) return;
      out.push_back(Ins(K::BrIf, ok[rng_() % ok.size()]));
      --h;
    } else if (r < 80 && h >= 1) {
      // idx -> load at local[B] + (idx << k) + offset (the scaled / add-folded forms)
      Ins in(K::Load, int(rng_() % kGeneralLocals));
      in.imm2 = int(rng_() % 4) | int(rng_() % 4) << 4;
      out.push_back(std::move(in));
    } else if (r < 83 && h >= 2) {
      Ins in(K::Store, 0);
      in.imm2 = int(rng_() % 4) << 4;
      out.push_back(std::move(in));
      h -= 2;
    } else if (r < 92 && depth < 4) {
      int kind = int(rng_() % 5);
      Ins in;
      labels.push_back(true);
      if (kind == 0) {
        in.k = K::Block;
        in.body = seq(depth + 1, 0, labels, loop_level);
        ++h;
      } else if (kind == 1 && h >= 1) {
        in.k = K::BlockP;
        in.body = seq(depth + 1, 1, labels, loop_level);
      } else if (kind == 2 && h >= 1) {
        in.k = K::If;
        in.body = seq(depth + 1, 0, labels, loop_level);
        in.els = seq(depth + 1, 0, labels, loop_level);
      } else if (kind == 3 && h >= 2) {
        in.k = K::IfP;
        in.body = seq(depth + 1, 1, labels, loop_level);
        in.els = seq(depth + 1, 1, labels, loop_level);
        --h;
      } else if (kind == 4 && loop_level < 2) {
        labels.back() = false;  // a loop label has arity 0: no random br_if to it
        in.k = K::Loop;
        in.imm = 6 + loop_level;
        in.imm2 = 1 + int(rng_() % 3);
        in.body = seq(depth + 1, 0, labels, loop_level + 1);
        ++h;
      } else {
        labels.pop_back();
        return;
      }
      labels.pop_back();
      out.push_back(std::move(in));
    }
  }

  std::mt19937 rng_;
};

void print(const std::vector<Ins>& seq, std::string& o) {
  for (const Ins& in : seq) {
    switch (in.k) {
      case K::Const: o += " i32.const " + std::to_string(uint32_t(in.imm)); break;
      case K::Get: o += " local.get " + std::to_string(in.imm); break;
      case K::Set: o += " local.set " + std::to_string(in.imm); break;
      case K::Tee: o += " local.tee " + std::to_string(in.imm); break;
      case K::Bin: o += std::string(" i32.") + kBin[in.imm]; break;
      case K::Eqz: o += " i32.eqz"; break;
      case K::Drop: o += " drop"; break;
      case K::Select: o += " select"; break;
      case K::BrIf: o += " br_if " + std::to_string(in.imm); break;
      case K::Load:
        o += " i32.const " + std::to_string(in.imm2 & 3) + " i32.shl local.get " +
             std::to_string(in.imm) +
             " i32.add i32.load offset=" + std::to_string(kOffsets[in.imm2 >> 4]);
        break;
      case K::Store: o += " i32.store offset=" + std::to_string(kOffsets[in.imm2 >> 4]); break;
      case K::Block:
        o += "\n block (result i32)";
        print(in.body, o);
        o += " end\n";
        break;
      case K::BlockP:
        o += "\n block (param i32) (result i32)";
        print(in.body, o);
        o += " end\n";
        break;
      case K::If:
      case K::IfP:
        o += in.k == K::If ? "\n if (result i32)" : "\n if (param i32) (result i32)";
        print(in.body, o);
        o += " else";
        print(in.els, o);
        o += " end\n";
        break;
      case K::Loop:
        o += "\n i32.const " + std::to_string(in.imm2) + " local.set " + std::to_string(in.imm) +
             " loop (result i32)";
        print(in.body, o);
        o += " local.get " + std::to_string(in.imm) + " i32.const 1 i32.sub local.tee " +
             std::to_string(in.imm) + " br_if 0 end\n";
        break;
    }
  }
}

// Reference semantics. Returns -1 on fall-through or the depth of a taken branch (its value
// in `brval`).
int exec(const std::vector<Ins>& seq, std::vector<uint32_t>& st, uint32_t* L, uint32_t& brval,
         uint8_t* mem) {
  auto pop = [&] {
    uint32_t v = st.back();
    st.pop_back();
    return v;
  };
  for (const Ins& in : seq) {
    switch (in.k) {
      case K::Const: st.push_back(uint32_t(in.imm)); break;
      case K::Get: st.push_back(L[in.imm]); break;
      case K::Set: L[in.imm] = pop(); break;
      case K::Tee: L[in.imm] = st.back(); break;
      case K::Bin: {
        uint32_t b = pop(), a = pop();
        st.push_back(bin(in.imm, a, b));
        break;
      }
      case K::Eqz: st.back() = st.back() == 0; break;
      case K::Drop: pop(); break;
      case K::Select: {
        uint32_t c = pop(), b = pop(), a = pop();
        st.push_back(c ? a : b);
        break;
      }
      case K::Load: {
        uint32_t idx = pop();
        uint64_t ea =
            uint64_t{uint32_t(L[in.imm] + (idx << (in.imm2 & 3)))} + kOffsets[in.imm2 >> 4];
        if (ea + 4 > kMemSize) throw Trapped{};
        uint32_t v;
        std::memcpy(&v, mem + ea, 4);
        st.push_back(v);
        break;
      }
      case K::Store: {
        uint32_t v = pop(), a = pop();
        uint64_t ea = uint64_t{a} + kOffsets[in.imm2 >> 4];
        if (ea + 4 > kMemSize) throw Trapped{};
        std::memcpy(mem + ea, &v, 4);
        break;
      }
      case K::BrIf: {
        uint32_t c = pop();
        if (c) {
          brval = st.back();
          return in.imm;
        }
        break;
      }
      case K::Block:
      case K::BlockP:
      case K::If:
      case K::IfP: {
        const std::vector<Ins>* body = &in.body;
        if (in.k == K::If || in.k == K::IfP) body = pop() ? &in.body : &in.els;
        std::vector<uint32_t> inner;
        if (in.k == K::BlockP || in.k == K::IfP) inner.push_back(pop());
        int r = exec(*body, inner, L, brval, mem);
        if (r > 0) return r - 1;
        st.push_back(r == 0 ? brval : inner.back());
        break;
      }
      case K::Loop: {
        L[in.imm] = uint32_t(in.imm2);
        for (;;) {
          std::vector<uint32_t> inner;
          int r = exec(in.body, inner, L, brval, mem);
          if (r > 0) return r - 1;
          // r == 0 cannot happen: no random branch targets a loop
          uint32_t v = inner.back();
          L[in.imm] -= 1;
          if (L[in.imm] != 0) continue;
          st.push_back(v);
          break;
        }
        break;
      }
    }
  }
  return -1;
}

TEST(InterpRandom, VirtualStackPrograms) {
  constexpr int kModules = 100, kFuncsPerModule = 25;
  std::vector<std::vector<uint32_t>> inputs;
  std::mt19937 irng(7);
  const auto& edges = itest::edge_u32();
  for (int i = 0; i < 24; ++i)
    inputs.push_back(
        {edges[irng() % edges.size()], edges[irng() % edges.size()], edges[irng() % edges.size()]});
  int failures = 0;
  for (int m = 0; m < kModules && failures < 5; ++m) {
    std::vector<std::vector<Ins>> progs;
    std::vector<std::string> texts;
    std::string wat = "(module (memory 1)\n";
    for (int f = 0; f < kFuncsPerModule; ++f) {
      Gen g(uint32_t(m * 1000 + f));
      std::vector<bool> labels = {true};  // the function label
      progs.push_back(g.seq(0, 0, labels, 0));
      std::string body;
      print(progs.back(), body);
      std::string fn = "(func (export \"f" + std::to_string(f) +
                       "\") (param i32 i32 i32) (result i32) (local i32 i32 i32 i32 i32)" + body +
                       ")\n";
      texts.push_back(fn);
      wat += fn;
    }
    wat += ")";
    ITEST_LOAD(w, wat);
    for (int f = 0; f < kFuncsPerModule; ++f) {
      for (const auto& in : inputs) {
        std::vector<uint8_t> pristine(kMemSize);
        for (uint32_t i = 0; i < kMemSize; ++i) pristine[i] = uint8_t(i * 7 + (i >> 9));
        std::memcpy(w.mem(), pristine.data(), kMemSize);
        std::vector<uint8_t> ref = pristine;
        uint32_t L[kLocals] = {in[0], in[1], in[2], 0, 0, 0, 0, 0};
        std::vector<uint32_t> st;
        uint32_t brval = 0;
        std::optional<uint32_t> expect;
        try {
          int r = exec(progs[f], st, L, brval, ref.data());
          expect = r == 0 ? brval : st.back();
        } catch (const Trapped&) {
        }
        InvokeResult res = w.run("f" + std::to_string(f), {I32(in[0]), I32(in[1]), I32(in[2])});
        std::string why;
        if (expect && !res.ok()) {
          why = "engine trapped (" + res.trap->message + "), reference " + std::to_string(*expect);
        } else if (!expect && res.ok()) {
          why = "engine returned " + std::to_string(res.results[0].as_u32()) +
                ", reference traps (out of bounds)";
        } else if (!expect && res.trap->kind != TrapKind::MemoryOutOfBounds) {
          why = "engine trap " + res.trap->message + ", reference: out of bounds";
        } else if (expect && res.results[0].bits != *expect) {
          why = "engine " + std::to_string(res.results[0].bits) + ", reference " +
                std::to_string(*expect);
        } else if (std::memcmp(w.mem(), ref.data(), kMemSize) != 0) {
          why = "memory differs after the call";
        }
        if (!why.empty()) {
          ADD_FAILURE() << "seed " << m * 1000 + f << " args (" << in[0] << ", " << in[1] << ", "
                        << in[2] << "): " << why << "\n"
                        << texts[f];
          ++failures;
          break;
        }
      }
    }
  }
  static_assert(kParams == 3);
}

}  // namespace
}  // namespace wc::engine
