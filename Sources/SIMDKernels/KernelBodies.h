// The kernels' bodies, included once per instruction-set level by SIMDKernels.c with VARIANT(name)
// naming that level's copy; `#pragma clang attribute` gives every function here that level's target.
// Plain loops the vectorizer widens to the level's registers. Reductions keep lanes in float:
// `reassociate(on)` lets the vectorizer split a sum into lanes (strict IEEE order forbids it).

/// exp(x) = 2^n e^r, n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2]; e^r by Cephes' degree-6
/// polynomial, 2^n written into the exponent bits. <= 2 ulp against double exp on [-87.3, 88.3];
/// 0 below (-inf included), +inf above (2^128 has no float exponent).
static inline __attribute__((always_inline)) float VARIANT(exp)(float x) {
    float clamped = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
    float shifted = clamped * 1.44269504f + shifter;
    float n = shifted - shifter;
    float r = (clamped - n * 0.693359375f) - n * -2.1219444e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.1665796e-2f;
    p = p * r + 1.6666665e-1f;
    p = p * r + 5.0000001e-1f;
    p = p * r * r + r + 1;
    int32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    int32_t exponent = (int32_t)((uint32_t)(bits - 0x4B400000 + 127) << 23);
    float power;
    memcpy(&power, &exponent, sizeof power);
    float e = p * power;
    return x < -87.3f ? 0.0f : (x > 88.3f ? INFINITY : e);
}

static double VARIANT(exp_shifted_sum)(float *values, long count, float shift) {
    double total = 0;
    for (long start = 0; start < count; start += 512) {
        long end = start + 512 < count ? start + 512 : count;
        float run = 0;
        {
#pragma clang fp reassociate(on)
            for (long i = start; i < end; i++) {
                float e = VARIANT(exp)(values[i] - shift);
                values[i] = e;
                run += e;
            }
        }
        total += run;
    }
    return total;
}

static float VARIANT(maximum)(const float *values, long count) {
    // Sixteen running maxima the vectorizer keeps in registers (a max reduction is not reassociated for it).
    float lanes[16];
    for (int j = 0; j < 16; j++) lanes[j] = -INFINITY;
    long i = 0;
    for (; i + 16 <= count; i += 16)
        for (int j = 0; j < 16; j++) lanes[j] = values[i + j] > lanes[j] ? values[i + j] : lanes[j];
    float largest = -INFINITY;
    for (int j = 0; j < 16; j++) largest = lanes[j] > largest ? lanes[j] : largest;
    for (; i < count; i++) largest = values[i] > largest ? values[i] : largest;
    return largest;
}

static void VARIANT(scale)(float *values, long count, float factor) {
    for (long i = 0; i < count; i++) values[i] *= factor;
}

static float VARIANT(dot)(const float *a, const float *b, long count) {
    float total = 0;
    {
#pragma clang fp reassociate(on)
        for (long i = 0; i < count; i++) total += a[i] * b[i];
    }
    return total;
}

static void VARIANT(swiglu)(float *gate, const float *up, long count) {
    for (long i = 0; i < count; i++) {
        float a = gate[i];
        gate[i] = a / (1 + VARIANT(exp)(-a)) * up[i];
    }
}

static void VARIANT(swiglu_backward)(const float *gate, const float *up, const float *dm, float *dGate, float *dUp, long count) {
    for (long i = 0; i < count; i++) {
        float a = gate[i];
        float sigma = 1 / (1 + VARIANT(exp)(-a));
        dUp[i] = dm[i] * a * sigma;
        dGate[i] = dm[i] * up[i] * sigma * (1 + a * (1 - sigma));
    }
}

/// exp(x) in double: 2^n e^r, n = round(x / ln 2), r = x - n ln 2 with ln 2 split in two (the high
/// part's product with n is exact), e^r by its Taylor polynomial to degree 13 (|r| <= ln2/2: the
/// truncation is below 1e-17 relative). x is clamped to [-708, 709], where 2^n is a normal double.
static inline __attribute__((always_inline)) double VARIANT(exp_double)(double x) {
    double clamped = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
    const double shifter = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer in the low mantissa bits
    double shifted = clamped * 1.4426950408889634 + shifter;
    double n = shifted - shifter;
    double r = (clamped - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r * r + r + 1;
    int64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    int64_t exponent = (int64_t)((uint64_t)(bits - 0x4338000000000000LL + 1023) << 52);
    double power;
    memcpy(&power, &exponent, sizeof power);
    return p * power;
}

static void VARIANT(exp_double_array)(const double *x, double *result, long count) {
    for (long i = 0; i < count; i++) result[i] = VARIANT(exp_double)(x[i]);
}

static double VARIANT(candidate_distribution)(const double *alpha, long count, int sigmoid, const double *candidates,
                                              double *z, double *p) {
    if (sigmoid) {
        for (long k = 0; k < count; k++) z[k] = 1 / (1 + VARIANT(exp_double)(-alpha[k]));
    } else {
        for (long k = 0; k < count; k++) z[k] = alpha[k];
    }
    double largest = z[0];
    for (long k = 1; k < count; k++) largest = z[k] > largest ? z[k] : largest;
    double sum = 0, sparsity = 0;
    {
#pragma clang fp reassociate(on)
        for (long k = 0; k < count; k++) {
            p[k] = VARIANT(exp_double)(z[k] - largest);
            sum += p[k];
        }
        double inverse = 1 / sum;
        for (long k = 0; k < count; k++) {
            p[k] *= inverse;
            sparsity += p[k] * candidates[k];
        }
    }
    return sparsity;
}

static const sparsim_kernel_table VARIANT(table) = {
    VARIANT(exp_shifted_sum), VARIANT(maximum), VARIANT(scale), VARIANT(dot), VARIANT(swiglu), VARIANT(swiglu_backward),
    VARIANT(exp_double_array), VARIANT(candidate_distribution),
};
