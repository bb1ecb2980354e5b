// Imports sock_open from both dialects: must be refused at link time.
#include <stdint.h>
__attribute__((import_module("wasi_snapshot_preview1"), import_name("sock_open"))) uint32_t we_open(
    uint8_t family, uint8_t type, uint32_t* fd);
__attribute__((import_module("wasix_32v1"), import_name("sock_open"))) uint32_t wx_open(
    uint32_t af, uint32_t ty, uint32_t proto, uint32_t* fd);
int main(void) {
  uint32_t a, b;
  return (int)(we_open(1, 2, &a) + wx_open(1, 1, 0, &b));
}
