#include "SIMDKernels.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

// One copy of the kernels per level: KernelBodies.h names its functions VARIANT(name).
#define VARIANT(name) name##_baseline
#include "KernelBodies.h"
#undef VARIANT

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("arch=x86-64-v3"))), apply_to = function)
#define VARIANT(name) name##_avx2
#include "KernelBodies.h"
#undef VARIANT
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("arch=x86-64-v4"))), apply_to = function)
#define VARIANT(name) name##_avx512
#include "KernelBodies.h"
#undef VARIANT
#pragma clang attribute pop
#endif

static sparsim_isa detect(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return sparsim_isa_avx512;
    if (__builtin_cpu_supports("x86-64-v3")) return sparsim_isa_avx2;
#endif
    return sparsim_isa_baseline;
}

sparsim_isa sparsim_isa_supported(void) {
    static _Atomic int supported = -1;  // detected once; a race only detects it twice
    int level = atomic_load_explicit(&supported, memory_order_relaxed);
    if (level < 0) {
        level = (int)detect();
        atomic_store_explicit(&supported, level, memory_order_relaxed);
    }
    return (sparsim_isa)level;
}

const sparsim_kernel_table *sparsim_kernels(sparsim_isa level) {
    sparsim_isa supported = sparsim_isa_supported();
    switch (level < supported ? level : supported) {
#if defined(__x86_64__)
    case sparsim_isa_avx512: return &table_avx512;
    case sparsim_isa_avx2: return &table_avx2;
#endif
    default: return &table_baseline;
    }
}
