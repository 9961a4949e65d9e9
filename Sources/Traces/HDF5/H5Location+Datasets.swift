import CHDF5

/// Element types sparsim stores in datasets, with the HDF5 memory type of each.
protocol H5Element: AdditiveArithmetic {
    static var nativeType: hid_t { get }
}

extension UInt8: H5Element {
    static var nativeType: hid_t { sparsim_H5T_NATIVE_UINT8() }
}

extension Float: H5Element {
    static var nativeType: hid_t { sparsim_H5T_NATIVE_FLOAT() }
}

extension Int64: H5Element {
    static var nativeType: hid_t { sparsim_H5T_NATIVE_INT64() }
}

extension H5Location {
    /// Creates a chunked, deflate-compressed dataset of the given shape and writes `values`
    /// (row-major) into it. Returns the dataset, on which attributes can then be set.
    @discardableResult
    func writeDataset<T: H5Element>(
        _ name: String, shape: [Int], values: [T], chunkBytes: Int = 1 << 16, compression: Int = 4
    ) throws(TraceError) -> H5Location {
        let path = childPath(name)
        let what = "writing dataset \(path)"
        precondition(shape.allSatisfy { $0 > 0 } && shape.reduce(1, *) == values.count,
                     "dataset shape \(shape) does not match \(values.count) values")
        var dims = shape.map { hsize_t($0) }
        let space = try H5Handle.check(H5Screate_simple(Int32(dims.count), &dims, nil), what, path: filePath, close: H5Sclose)
        let properties = try H5Handle.check(H5Pcreate(sparsim_H5P_DATASET_CREATE()), what, path: filePath, close: H5Pclose)
        var chunk = Self.chunkShape(shape, elementSize: MemoryLayout<T>.size, targetBytes: chunkBytes).map { hsize_t($0) }
        try h5Check(H5Pset_chunk(properties.id, Int32(chunk.count), &chunk), what, path: filePath)
        try h5Check(H5Pset_deflate(properties.id, UInt32(compression)), what, path: filePath)
        // A checksum of every stored chunk: damaged data is an error, not garbage fed to the inflater.
        try h5Check(H5Pset_fletcher32(properties.id), what, path: filePath)
        let dataset = try H5Handle.check(
            H5Dcreate2(id, name, T.nativeType, space.id, sparsim_H5P_DEFAULT(), properties.id, sparsim_H5P_DEFAULT()),
            what, path: filePath, close: H5Dclose)
        let status = values.withUnsafeBufferPointer {
            H5Dwrite(dataset.id, T.nativeType, sparsim_H5S_ALL(), sparsim_H5S_ALL(), sparsim_H5P_DEFAULT(), $0.baseAddress)
        }
        try h5Check(status, what, path: filePath)
        return child(dataset, path: path)
    }

    /// Chunks of whole trailing rows, about `targetBytes` each: a reader that wants one row
    /// block decompresses little more than it needs.
    static func chunkShape(_ shape: [Int], elementSize: Int, targetBytes: Int) -> [Int] {
        guard shape.count > 1 else { return [min(shape[0], max(1, targetBytes / elementSize))] }
        let rowBytes = shape.dropFirst().reduce(elementSize, *)
        return [min(shape[0], max(1, targetBytes / max(1, rowBytes)))] + shape.dropFirst()
    }

    /// Opens a dataset and reports its shape.
    func openDataset(_ name: String) throws(TraceError) -> (dataset: H5Location, shape: [Int]) {
        let path = childPath(name)
        guard hasChild(name) else { throw error("missing dataset '\(name)'") }
        let what = "opening dataset \(path)"
        let dataset = try H5Handle.check(H5Dopen2(id, name, sparsim_H5P_DEFAULT()), what, path: filePath, close: H5Dclose)
        let space = try H5Handle.check(H5Dget_space(dataset.id), what, path: filePath, close: H5Sclose)
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank >= 0 else { throw HDF5.failure(what, path: filePath) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try h5Check(H5Sget_simple_extent_dims(space.id, &dims, nil), what, path: filePath)
        return (child(dataset, path: path), dims.map { Int(clamping: $0) })  // a bad dimension fails the shape checks
    }

    /// Reads this dataset whole, converted by HDF5 to `T`. Only numeric datasets are accepted.
    func readDataset<T: H5Element>(count: Int, as type: T.Type) throws(TraceError) -> [T] {
        let what = "reading dataset \(objectPath)"
        let fileType = try H5Handle.check(H5Dget_type(id), what, path: filePath, close: H5Tclose)
        let typeClass = H5Tget_class(fileType.id)
        guard typeClass == H5T_INTEGER || typeClass == H5T_FLOAT else {
            throw TraceError(path: filePath, message: "\(objectPath): dataset is not numeric")
        }
        // HDF5 reads the dataset's whole extent into the buffer: it must be exactly `count` long.
        let space = try H5Handle.check(H5Dget_space(id), what, path: filePath, close: H5Sclose)
        let points = H5Sget_simple_extent_npoints(space.id)
        guard points == count else {
            throw TraceError(path: filePath, message: "\(objectPath): dataset holds \(points) values, expected \(count)")
        }
        // What the file stores can expand at most ~1,032 times under deflate: a dataset that
        // declares more is corrupt (or a decompression bomb), and is refused before it is allocated.
        let stored = Int(clamping: H5Dget_storage_size(id))  // a crafted file may claim any size
        let declared = count.multipliedReportingOverflow(by: MemoryLayout<T>.size)
        guard !declared.overflow, declared.partialValue <= stored.multipliedReportingOverflow(by: 1100).partialValue + (1 << 16) else {
            throw TraceError(path: filePath, message: "\(objectPath): dataset declares \(count) values but the file stores only \(stored) bytes of them")
        }
        var values = [T](repeating: T.zero, count: count)
        let status = values.withUnsafeMutableBufferPointer {
            H5Dread(id, T.nativeType, sparsim_H5S_ALL(), sparsim_H5S_ALL(), sparsim_H5P_DEFAULT(), $0.baseAddress)
        }
        try h5Check(status, what, path: filePath)
        return values
    }
}
