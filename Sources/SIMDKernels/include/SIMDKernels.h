// Element-wise kernels of the forward and backward passes, compiled for three x86-64 levels
// (baseline SSE2, AVX2 + FMA, AVX-512) and chosen at run time from what the CPU supports.
// Swift code calls them through Pruner's `VectorMath`, which documents each one.
#ifndef SPARSIM_SIMD_KERNELS_H
#define SPARSIM_SIMD_KERNELS_H

/// Instruction-set levels, lowest first. On other architectures only the baseline exists.
typedef enum {
    sparsim_isa_baseline = 0,
    sparsim_isa_avx2 = 1,
    sparsim_isa_avx512 = 2,
} sparsim_isa;

/// The highest level this CPU runs.
sparsim_isa sparsim_isa_supported(void);

/// One level's copy of every kernel.
typedef struct sparsim_kernel_table {
    /// values[i] = exp(values[i] - shift); returns their sum (float runs of 512, double total).
    double (*exp_shifted_sum)(float *values, long count, float shift);
    /// The largest value (-inf for none).
    float (*maximum)(const float *values, long count);
    /// values[i] *= factor.
    void (*scale)(float *values, long count, float factor);
    /// sum of a[i] * b[i] (float lanes).
    float (*dot)(const float *a, const float *b, long count);
    /// gate[i] = silu(gate[i]) * up[i].
    void (*swiglu)(float *gate, const float *up, long count);
    /// The backward of m = silu(gate) * up: dGate = dm * up * s(1 + gate(1 - s)), dUp = dm * silu(gate),
    /// s = sigmoid(gate).
    void (*swiglu_backward)(const float *gate, const float *up, const float *dm, float *dGate, float *dUp, long count);
    /// result[i] = exp(x[i]) in double (<= 2 ulp on [-708, 709]; clamped outside).
    void (*exp_double)(const double *x, double *result, long count);
    /// BESA's candidate distribution of one group: z[k] = sigmoid(alpha[k]) (or alpha[k] when `sigmoid`
    /// is 0), p = softmax(z); returns sum of p[k] * candidates[k].
    double (*candidate_distribution)(const double *alpha, long count, int sigmoid, const double *candidates, double *z, double *p);
} sparsim_kernel_table;

/// The kernels of `level`, or of the supported level when `level` is higher.
const sparsim_kernel_table *sparsim_kernels(sparsim_isa level);

#endif
