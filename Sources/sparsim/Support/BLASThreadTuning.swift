import Foundation

/// OpenBLAS's idle worker threads spin (calling sched_yield) for 2²⁸ cycles, ~0.1 s, after each
/// multi-threaded product before they sleep. sparsim runs threads of its own between products
/// (attention tiles, per-row loops), and on a 2-core machine a spinning worker takes CPU from
/// them: causal attention over 512 tokens took 4.98 ms instead of 2.24 (`bench kernels`). OpenBLAS
/// reads the timeout once, from OPENBLAS_THREAD_TIMEOUT, when the library loads, before `main`;
/// so the process starts itself again, once, with it set to 18 (2¹⁸ cycles, ~0.1 ms: long enough
/// to bridge back-to-back products, short against a block's attention). A value the user set is kept.
enum BLASThreadTuning {
    static let variable = "OPENBLAS_THREAD_TIMEOUT"

    static func restartWithSleepingWorkersIfNeeded() {
        guard getenv(variable) == nil else { return }
        setenv(variable, "18", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure (no /proc): carry on with spinning workers.
    }
}
