import CHDF5
import Foundation

/// The thin layer between sparsim and the HDF5 C library.
///
/// The serial HDF5 build is not thread-safe, and Swift Testing (like any
/// concurrent caller) may touch two traces at once, so every HDF5 call is made
/// while holding one process-wide recursive lock. HDF5's own habit of printing
/// its error stack to stderr is switched off; failures become `TraceError`s
/// that name the file and the innermost HDF5 message instead.
enum HDF5 {
    private static let lock: NSRecursiveLock = {
        let lock = NSRecursiveLock()
        lock.name = "sparsim.hdf5"
        _ = H5open()
        _ = H5Eset_auto2(sparsim_H5E_DEFAULT(), nil, nil)
        return lock
    }()

    /// Runs `body` with exclusive access to the HDF5 library.
    static func serialized<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The version byte of the file's superblock, found where HDF5 looks for it (offset 0, 512,
    /// 1024, ... after a user block); nil when there is no HDF5 signature.
    static func superblockVersion(_ path: String) -> UInt8? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        var offset: UInt64 = 0
        while offset < 1 << 30 {
            guard (try? file.seek(toOffset: offset)) != nil, let bytes = try? file.read(upToCount: 9), bytes.count == 9 else { return nil }
            if Array(bytes.prefix(8)) == signature { return bytes[bytes.startIndex + 8] }
            offset = offset == 0 ? 512 : offset * 2
        }
        return nil
    }

    /// The most specific message on HDF5's current error stack, if any.
    static func lastErrorMessage() -> String? {
        final class Box { var messages: [String] = [] }
        let box = Box()
        let status = withExtendedLifetime(box) {
            H5Ewalk2(sparsim_H5E_DEFAULT(), H5E_WALK_UPWARD, { _, error, data in
                guard let error, let data else { return 0 }
                let box = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
                if let desc = error.pointee.desc {
                    box.messages.append(String(cString: desc))
                }
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
        }
        _ = H5Eclear2(sparsim_H5E_DEFAULT())
        guard status >= 0 else { return nil }
        return box.messages.first { !$0.isEmpty }
    }

    /// Builds the error for a failed HDF5 call: what sparsim was doing, and why HDF5 says it failed.
    static func failure(_ what: String, path: String) -> TraceError {
        if let reason = lastErrorMessage() {
            return TraceError(path: path, message: "\(what) failed (HDF5: \(reason))")
        }
        return TraceError(path: path, message: "\(what) failed")
    }
}

/// An open HDF5 identifier (file, group, dataset, dataspace, datatype,
/// attribute or property list) that is closed when the last reference goes.
final class H5Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    private init(id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { HDF5.serialized { _ = close(id) } }

    /// Wraps a freshly returned identifier, turning a negative one into an error.
    static func check(
        _ id: hid_t, _ what: @autoclosure () -> String, path: String,
        close: @escaping (hid_t) -> herr_t
    ) throws(TraceError) -> H5Handle {
        guard id >= 0 else { throw HDF5.failure(what(), path: path) }
        return H5Handle(id: id, close: close)
    }
}

/// Checks the status code of an HDF5 call that returns `herr_t`.
func h5Check(_ status: herr_t, _ what: @autoclosure () -> String, path: String) throws(TraceError) {
    if status < 0 { throw HDF5.failure(what(), path: path) }
}
