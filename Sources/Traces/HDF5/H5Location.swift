import CHDF5

/// A file or group in an open HDF5 file, with the names needed for error messages.
struct H5Location {
    let handle: H5Handle
    /// The file on disk, the prefix of every error message.
    let filePath: String
    /// The object's path inside the file (`/`, `/layers/3`, ...).
    let objectPath: String
    /// Variable-length strings may be read (they live in HDF5's global heap, which has no
    /// checksum): only for the older traces `trace upgrade` rewrites.
    var readsHeapStrings = false

    /// An object below this one, in the same file and with the same reading rules.
    func child(_ handle: H5Handle, path: String) -> H5Location {
        H5Location(handle: handle, filePath: filePath, objectPath: path, readsHeapStrings: readsHeapStrings)
    }

    var id: hid_t { handle.id }

    func childPath(_ name: String) -> String {
        objectPath == "/" ? "/\(name)" : "\(objectPath)/\(name)"
    }

    func error(_ message: String) -> TraceError {
        TraceError(path: filePath, message: "\(objectPath): \(message)")
    }

    // MARK: Files

    /// A new file in HDF5 1.8's format or later: every piece of metadata checksummed, so that a
    /// damaged file is an error on reading instead of a crash inside the library.
    static func createFile(at path: String) throws(TraceError) -> H5Location {
        let what = "creating the HDF5 file"
        let access = try H5Handle.check(H5Pcreate(sparsim_H5P_FILE_ACCESS()), what, path: path, close: H5Pclose)
        try h5Check(H5Pset_libver_bounds(access.id, sparsim_H5F_LIBVER_V18(), sparsim_H5F_LIBVER_LATEST()), what, path: path)
        let id = H5Fcreate(path, sparsim_H5F_ACC_EXCL(), sparsim_H5P_DEFAULT(), access.id)
        let handle = try H5Handle.check(id, what, path: path, close: H5Fclose)
        return H5Location(handle: handle, filePath: path, objectPath: "/")
    }

    static func openFile(at path: String, readsHeapStrings: Bool = false) throws(TraceError) -> H5Location {
        let id = H5Fopen(path, sparsim_H5F_ACC_RDONLY(), sparsim_H5P_DEFAULT())
        let handle = try H5Handle.check(id, "opening the HDF5 file", path: path, close: H5Fclose)
        return H5Location(handle: handle, filePath: path, objectPath: "/", readsHeapStrings: readsHeapStrings)
    }

    /// Writes everything buffered for this file to disk.
    func flush() throws(TraceError) {
        try h5Check(H5Fflush(id, H5F_SCOPE_GLOBAL), "flushing the file", path: filePath)
    }

    // MARK: Groups

    func createGroup(_ name: String) throws(TraceError) -> H5Location {
        let path = childPath(name)
        let id = H5Gcreate2(id, name, sparsim_H5P_DEFAULT(), sparsim_H5P_DEFAULT(), sparsim_H5P_DEFAULT())
        let handle = try H5Handle.check(id, "creating group \(path)", path: filePath, close: H5Gclose)
        return child(handle, path: path)
    }

    func openGroup(_ name: String) throws(TraceError) -> H5Location {
        let path = childPath(name)
        guard hasChild(name) else { throw error("missing group '\(name)'") }
        let id = H5Gopen2(id, name, sparsim_H5P_DEFAULT())
        let handle = try H5Handle.check(id, "opening group \(path)", path: filePath, close: H5Gclose)
        return child(handle, path: path)
    }

    func hasChild(_ name: String) -> Bool {
        H5Lexists(id, name, sparsim_H5P_DEFAULT()) > 0
    }

    /// Names of the links in this group, in HDF5's name order.
    func childNames() throws(TraceError) -> [String] {
        var info = H5G_info_t()
        try h5Check(H5Gget_info(id, &info), "listing \(objectPath)", path: filePath)
        var names: [String] = []
        names.reserveCapacity(min(Int(clamping: info.nlinks), 1 << 16))  // the count comes from the file
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, sparsim_H5P_DEFAULT())
            guard length >= 0 else { throw HDF5.failure("listing \(objectPath)", path: filePath) }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            let written = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, sparsim_H5P_DEFAULT())
            guard written >= 0 else { throw HDF5.failure("listing \(objectPath)", path: filePath) }
            names.append(String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }
}
