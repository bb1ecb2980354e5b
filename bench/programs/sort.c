// Memory: quicksort (median-of-three, insertion sort below 16 elements) of 64K random
// 32-bit keys, then a pass verifying order. Data-dependent loads, stores and branches.
#include "bench.h"

#define COUNT (1 << 16)
static uint32_t keys[COUNT];

static void insertion_sort(uint32_t* a, int32_t n) {
  for (int32_t i = 1; i < n; i++) {
    uint32_t v = a[i];
    int32_t j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static inline void swap(uint32_t* a, uint32_t* b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

// Recurses into the smaller half and loops on the larger, so stack depth stays O(log n).
static void quicksort(uint32_t* a, int32_t n) {
  while (n > 16) {
    int32_t mid = n / 2;
    if (a[mid] < a[0]) swap(&a[mid], &a[0]);
    if (a[n - 1] < a[0]) swap(&a[n - 1], &a[0]);
    if (a[n - 1] < a[mid]) swap(&a[n - 1], &a[mid]);
    uint32_t pivot = a[mid];
    int32_t i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i >= j) break;
      swap(&a[i], &a[j]);
      i++;
      j--;
    }
    int32_t left = j + 1;  // a[0..left) <= pivot <= a[left..n)
    if (left < n - left) {
      quicksort(a, left);
      a += left;
      n -= left;
    } else {
      quicksort(a + left, n - left);
      n = left;
    }
  }
  insertion_sort(a, n);
}

static uint64_t bench(int32_t reps) {
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) {
    uint64_t seed = (uint64_t)r * 7919 + 1;
    for (int32_t i = 0; i < COUNT; i++) keys[i] = (uint32_t)rng_next(&seed);
    quicksort(keys, COUNT);
    uint64_t sum = 0;
    uint32_t unsorted = 0;
    for (int32_t i = 0; i < COUNT; i++) {
      unsorted += i > 0 && keys[i - 1] > keys[i];
      sum = sum * 3 + keys[i];
    }
    acc = mix64(acc, sum + unsorted);
  }
  return acc;
}
