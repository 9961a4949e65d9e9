import CHDF5

/// Reading and writing attributes on a file, group or dataset.
///
/// Strings are written as fixed-length UTF-8, inside the attribute's checksummed object header;
/// variable-length strings (h5py's default for a Python `str`) are read only from older traces.
extension H5Location {
    /// The most values (or string bytes) one attribute may declare.
    static let largestAttribute = 1 << 20

    func hasAttribute(_ name: String) -> Bool {
        H5Aexists(id, name) > 0
    }

    func attributeNames() throws(TraceError) -> [String] {
        final class Box { var names: [String] = [] }
        let box = Box()
        var index: hsize_t = 0
        let status = withExtendedLifetime(box) {
            H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in
                guard let name, let data else { return -1 }
                Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
        }
        try h5Check(status, "listing the attributes of \(objectPath)", path: filePath)
        return box.names
    }

    // MARK: Writing

    func setAttribute(_ name: String, _ value: AttributeValue) throws(TraceError) {
        let what = "writing attribute '\(name)' of \(objectPath)"
        switch value {
        case .int(let number): try writeNumeric(name, [number], scalar: true, type: sparsim_H5T_NATIVE_INT64(), what: what)
        case .ints(let numbers): try writeNumeric(name, numbers, scalar: false, type: sparsim_H5T_NATIVE_INT64(), what: what)
        case .double(let number): try writeNumeric(name, [number], scalar: true, type: sparsim_H5T_NATIVE_DOUBLE(), what: what)
        case .doubles(let numbers): try writeNumeric(name, numbers, scalar: false, type: sparsim_H5T_NATIVE_DOUBLE(), what: what)
        case .string(let text): try writeString(name, text, what: what)
        }
    }

    private func writeNumeric<T>(_ name: String, _ values: [T], scalar: Bool, type: hid_t, what: String) throws(TraceError) {
        var dims = [hsize_t(values.count)]
        let spaceID = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        let space = try H5Handle.check(spaceID, what, path: filePath, close: H5Sclose)
        let attribute = try H5Handle.check(
            H5Acreate2(id, name, type, space.id, sparsim_H5P_DEFAULT(), sparsim_H5P_DEFAULT()),
            what, path: filePath, close: H5Aclose)
        let status = values.withUnsafeBufferPointer { H5Awrite(attribute.id, type, $0.baseAddress) }
        try h5Check(status, what, path: filePath)
    }

    /// A fixed-length UTF-8 string, null-padded: it lives in the attribute's (checksummed)
    /// object header, where a variable-length one would live in the global heap, which has no checksum.
    private func writeString(_ name: String, _ text: String, what: String) throws(TraceError) {
        let bytes = Array(text.utf8)
        let type = try H5Handle.check(H5Tcopy(sparsim_H5T_C_S1()), what, path: filePath, close: H5Tclose)
        try h5Check(H5Tset_size(type.id, max(1, bytes.count)), what, path: filePath)
        try h5Check(H5Tset_strpad(type.id, H5T_STR_NULLPAD), what, path: filePath)
        try h5Check(H5Tset_cset(type.id, H5T_CSET_UTF8), what, path: filePath)
        let space = try H5Handle.check(H5Screate(H5S_SCALAR), what, path: filePath, close: H5Sclose)
        let attribute = try H5Handle.check(
            H5Acreate2(id, name, type.id, space.id, sparsim_H5P_DEFAULT(), sparsim_H5P_DEFAULT()),
            what, path: filePath, close: H5Aclose)
        let padded = bytes.isEmpty ? [0] : bytes
        try h5Check(padded.withUnsafeBufferPointer { H5Awrite(attribute.id, type.id, $0.baseAddress) }, what, path: filePath)
    }

    // MARK: Reading

    /// The attribute's value, or nil when it is absent. Throws when it exists but cannot be read
    /// or is of a type sparsim does not store (compound, enum, ...).
    func attribute(_ name: String) throws(TraceError) -> AttributeValue? {
        guard hasAttribute(name) else { return nil }
        let what = "reading attribute '\(name)' of \(objectPath)"
        let attribute = try H5Handle.check(H5Aopen(id, name, sparsim_H5P_DEFAULT()), what, path: filePath, close: H5Aclose)
        let type = try H5Handle.check(H5Aget_type(attribute.id), what, path: filePath, close: H5Tclose)
        let space = try H5Handle.check(H5Aget_space(attribute.id), what, path: filePath, close: H5Sclose)
        let count = Int(H5Sget_simple_extent_npoints(space.id))
        let isScalar = H5Sget_simple_extent_type(space.id) == H5S_SCALAR
        guard count >= 0 else { throw HDF5.failure(what, path: filePath) }
        // sparsim's attributes are a few numbers or one string: a larger one is corrupt, and is
        // refused before its buffer is allocated.
        guard count <= Self.largestAttribute else {
            throw error("attribute '\(name)' declares \(count) values (sparsim's hold at most \(Self.largestAttribute))")
        }

        switch H5Tget_class(type.id) {
        case H5T_INTEGER:
            var values = [Int64](repeating: 0, count: count)
            try h5Check(H5Aread(attribute.id, sparsim_H5T_NATIVE_INT64(), &values), what, path: filePath)
            return isScalar ? .int(values[0]) : .ints(values)
        case H5T_FLOAT:
            var values = [Double](repeating: 0, count: count)
            try h5Check(H5Aread(attribute.id, sparsim_H5T_NATIVE_DOUBLE(), &values), what, path: filePath)
            return isScalar ? .double(values[0]) : .doubles(values)
        case H5T_STRING:
            guard count == 1 else { throw error("attribute '\(name)' is an array of strings; expected one string") }
            return .string(try readString(attribute: attribute, type: type, what: what))
        default:
            throw error("attribute '\(name)' has a type sparsim does not read (expected a number, numbers or a string)")
        }
    }

    private func readString(attribute: H5Handle, type: H5Handle, what: String) throws(TraceError) -> String {
        if H5Tis_variable_str(type.id) > 0 {
            guard readsHeapStrings else {
                throw TraceError(path: filePath, message: "\(what): a variable-length string, kept in HDF5's global heap without "
                                 + "a checksum; write it fixed-length (h5py: np.bytes_), or rewrite the file with `sparsim trace upgrade`")
            }
            let memType = try H5Handle.check(H5Tcopy(sparsim_H5T_C_S1()), what, path: filePath, close: H5Tclose)
            try h5Check(H5Tset_size(memType.id, Int(bitPattern: UInt(bitPattern: -1))), what, path: filePath)
            try h5Check(H5Tset_cset(memType.id, H5Tget_cset(type.id)), what, path: filePath)
            var pointer: UnsafeMutablePointer<CChar>? = nil
            try h5Check(H5Aread(attribute.id, memType.id, &pointer), what, path: filePath)
            guard let pointer else { return "" }
            defer { H5free_memory(pointer) }
            return String(cString: pointer)
        }
        let size = H5Tget_size(type.id)
        guard size > 0 else { throw HDF5.failure(what, path: filePath) }
        guard size <= Self.largestAttribute else { throw error("a string attribute declares \(size) bytes (at most \(Self.largestAttribute))") }
        var buffer = [UInt8](repeating: 0, count: size + 1)
        try h5Check(H5Aread(attribute.id, type.id, &buffer), what, path: filePath)
        let bytes = buffer.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self).trimmingTrailingSpaces()
    }
}

private extension String {
    /// Fixed-length HDF5 strings may be space-padded (H5T_STR_SPACEPAD).
    func trimmingTrailingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
