import Foundation

/// The process's peak resident memory so far, in MiB (getrusage's ru_maxrss, which Linux gives in KiB).
func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}
