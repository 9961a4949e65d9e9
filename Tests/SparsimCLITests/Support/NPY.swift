import Foundation

/// Token windows as the .npy file `np.save` writes for an int64 [windows, seqlen] array: what
/// `sparsim prune --calib-ids` and the Python references read.
enum NPY {
    static func write(_ windows: [[Int32]], to path: String) throws {
        var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (\(windows.count), \(windows[0].count)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        for id in windows.joined() { withUnsafeBytes(of: Int64(id).littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
