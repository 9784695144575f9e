/*
 * cpu.c — CPU feature detection for run-time kernel choice.
 *
 * Interface routines: k_cpu_detect, k_simd_level, k_simd_force,
 * k_simd_name.
 *
 * Notes: kernels are compiled for several targets (function attributes)
 * and pick one through k_simd_level(). KESTREL_SIMD=scalar|avx2|avx512
 * lowers the level so tests can run every version on one machine; it can
 * never raise it above what the CPU supports.
 */
#include "common/kestrel.h"

#include <stdlib.h>
#include <strings.h>

static int forced = -1;

KSimdLevel
k_cpu_detect(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return K_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
        __builtin_cpu_supports("fma"))
        return K_SIMD_AVX2;
#endif
    return K_SIMD_SCALAR;
}

KSimdLevel
k_simd_level(void)
{
    /* kernels ask often: detect the hardware once */
    static int detected = -1;
    int hw = __atomic_load_n(&detected, __ATOMIC_RELAXED);
    if (hw < 0) {
        hw = (int)k_cpu_detect();
        __atomic_store_n(&detected, hw, __ATOMIC_RELAXED);
    }
    int f = __atomic_load_n(&forced, __ATOMIC_RELAXED);
    if (f < 0) {
        const char *e = getenv("KESTREL_SIMD");
        f = hw;
        if (e) {
            if (!strcasecmp(e, "scalar"))
                f = K_SIMD_SCALAR;
            else if (!strcasecmp(e, "avx2"))
                f = K_SIMD_AVX2;
            else if (!strcasecmp(e, "avx512"))
                f = K_SIMD_AVX512;
        }
        __atomic_store_n(&forced, f, __ATOMIC_RELAXED);
    }
    return (KSimdLevel)(f < hw ? f : hw);
}

void
k_simd_force(KSimdLevel level)
{
    __atomic_store_n(&forced, (int)level, __ATOMIC_RELAXED);
}

const char *
k_simd_name(KSimdLevel level)
{
    switch (level) {
    case K_SIMD_AVX512: return "avx512";
    case K_SIMD_AVX2: return "avx2";
    default: return "scalar";
    }
}
