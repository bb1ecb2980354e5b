// Floating point: Mandelbrot set escape-time iteration (f64 mul/add/compare in a tight,
// data-dependent loop). The viewport shifts slightly per repetition.
#include "bench.h"

#define W 160
#define H 120
#define MAX_ITER 256

static uint64_t bench(int32_t reps) {
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) {
    double x0 = -2.0 + (r & 15) * 1e-3, y0 = -1.2, step = 2.4 / H;
    uint64_t total = 0;
    for (int py = 0; py < H; py++) {
      double ci = y0 + py * step;
      for (int px = 0; px < W; px++) {
        double cr = x0 + px * step, zr = 0, zi = 0;
        int it = 0;
        while (it < MAX_ITER && zr * zr + zi * zi <= 4.0) {
          double t = zr * zr - zi * zi + cr;
          zi = 2.0 * zr * zi + ci;
          zr = t;
          it++;
        }
        total = total * 31 + (uint64_t)it;
      }
    }
    acc = mix64(acc, total);
  }
  return acc;
}
