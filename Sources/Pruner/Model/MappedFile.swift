import Foundation

/// A file mapped read-only into memory. Unlike `Data(contentsOf:options: .alwaysMapped)` it can
/// give pages back: once a tensor is decoded to fp32 its file pages need not stay in the
/// process's resident memory (on a 7B model they would add up to the whole file).
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(ModelError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ModelError(path: path, message: errno == ENOENT ? "no such file" : "cannot read (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ModelError(path: path, message: "cannot read (\(String(cString: strerror(errno))))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw ModelError(path: path, message: "cannot read (not a regular file)") }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw ModelError(path: path, message: "cannot map (\(String(cString: strerror(errno))))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Drops the whole pages within `range` from the resident memory (the page cache keeps them; a
    /// later read maps them in again). Pages shared with bytes outside `range` stay.
    func releasePages(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let address = Int(bitPattern: base)
        let first = (address + range.lowerBound + page - 1) / page * page, end = (address + range.upperBound) / page * page
        guard end > first else { return }
        madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, MADV_DONTNEED)
    }
}
