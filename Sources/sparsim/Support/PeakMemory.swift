import Foundation

/// The process's peak resident memory so far, in MiB: Linux's VmHWM (/proc/self/status), the
/// high-water mark of this program's own address space. getrusage's ru_maxrss is not used where
/// VmHWM exists: a process spawned by a large one (`posix_spawn` shares the parent's memory until
/// the exec) inherits the parent's peak in it.
func peakMemoryMiB() -> Double {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kibibytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
        return kibibytes / 1024
    }
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}
