// libFuzzer target: arbitrary bytes through decode, validate and instantiate. Any crash,
// sanitizer report or leak is a bug; an error message is the expected outcome for junk.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "engine/binary/decoder.h"
#include "engine/runtime/linker.h"
#include "engine/validate/validator.h"

using namespace wc::engine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto module = decode_module(std::span<const uint8_t>(data, size));
  if (!module) return 0;
  if (validate_module(**module)) return 0;  // invalid: rejected with a message
  StoreConfig config;
  config.max_memory_bytes = 64 << 20;  // keep the fuzzer's memory use bounded
  config.value_stack_bytes = 1 << 20;
  Store store(config);
  // The start function may loop forever: with the interrupt flag raised, guest code traps
  // at its first call or back-edge, while segment initialization still runs.
  store.interrupt();
  Linker linker;
  (void)linker.instantiate(store, *module);
  return 0;
}
