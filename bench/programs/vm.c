// Mixed: a tiny stack-machine bytecode interpreter (switch dispatch -> br_table in wasm, an
// operand stack in memory, branches). It runs a loop over i computing a polynomial hash and the
// Collatz step count of i + 1, so the guest program itself has nested control flow.
#include "bench.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, XOR, SHR, AND, MOD, LT, JZ, JMP, DUP, HALT };

// Locals: 0 = i, 1 = acc, 2 = n, 3 = x. Numbers in comments are bytecode offsets (jump targets).
static const int32_t program[] = {
    PUSH,
    0,
    STORE,
    0,
    PUSH,
    0,
    STORE,
    1,
    /* 8: loop */ LOAD,
    0,
    LOAD,
    2,
    LT,
    JZ,
    95,  // while (i < n)
    LOAD,
    1,
    PUSH,
    31,
    MUL,
    LOAD,
    0,
    LOAD,
    0,
    MUL,
    LOAD,
    0,
    PUSH,
    3,  // acc = acc * 31 +
    SHR,
    XOR,
    PUSH,
    7,
    MOD,
    ADD,
    STORE,
    1,  //   ((i*i) ^ (i>>3)) % 7
    LOAD,
    0,
    PUSH,
    1,
    ADD,
    STORE,
    3,  // x = i + 1
    /* 44: collatz */ PUSH,
    1,
    LOAD,
    3,
    LT,
    JZ,
    86,  // while (1 < x)
    LOAD,
    3,
    PUSH,
    1,
    AND,
    JZ,
    70,  //   if (x & 1)
    LOAD,
    3,
    PUSH,
    3,
    MUL,
    PUSH,
    1,
    ADD,
    STORE,
    3,
    JMP,
    77,  //     x = 3x + 1
    /* 70: even */ LOAD,
    3,
    PUSH,
    1,
    SHR,
    STORE,
    3,  //   else x >>= 1
    /* 77: step */ LOAD,
    1,
    PUSH,
    1,
    ADD,
    STORE,
    1,
    JMP,
    44,  //   acc++
    /* 86: done */ LOAD,
    0,
    PUSH,
    1,
    ADD,
    STORE,
    0,
    JMP,
    8,  // i++
    /* 95: end */ LOAD,
    1,
    HALT,
};

static uint32_t execute(uint32_t n) {
  uint32_t stack[64], locals[4] = {0, 0, n, 0};
  int32_t sp = 0, pc = 0;
  for (;;) {
    int32_t op = program[pc++];
    switch (op) {
      case PUSH: stack[sp++] = (uint32_t)program[pc++]; break;
      case LOAD: stack[sp++] = locals[program[pc++]]; break;
      case STORE: locals[program[pc++]] = stack[--sp]; break;
      case ADD:
        sp--;
        stack[sp - 1] += stack[sp];
        break;
      case SUB:
        sp--;
        stack[sp - 1] -= stack[sp];
        break;
      case MUL:
        sp--;
        stack[sp - 1] *= stack[sp];
        break;
      case XOR:
        sp--;
        stack[sp - 1] ^= stack[sp];
        break;
      case SHR:
        sp--;
        stack[sp - 1] >>= stack[sp] & 31;
        break;
      case AND:
        sp--;
        stack[sp - 1] &= stack[sp];
        break;
      case MOD:
        sp--;
        stack[sp - 1] %= stack[sp];
        break;
      case LT:
        sp--;
        stack[sp - 1] = stack[sp - 1] < stack[sp];
        break;
      case JZ: {
        int32_t target = program[pc++];
        if (stack[--sp] == 0) pc = target;
        break;
      }
      case JMP: pc = program[pc]; break;
      case DUP:
        stack[sp] = stack[sp - 1];
        sp++;
        break;
      case HALT: return stack[sp - 1];
      default: return 0xDEADu;  // corrupt bytecode
    }
  }
}

static uint64_t bench(int32_t reps) {
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) acc = mix64(acc, execute(1000 + (uint32_t)(r & 7)));
  return acc;
}
