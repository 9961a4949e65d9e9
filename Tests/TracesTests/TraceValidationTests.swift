import Foundation
import Testing
@testable import Traces
import TestSupport

/// Each kind of bad input gives one line that names the file and the problem.
@Suite struct TraceValidationTests {
    /// Writes an HDF5 file by hand, with the header attributes given (nil drops one) and one layer.
    static func writeHandmade(
        _ path: String, header: [String: AttributeValue?] = [:],
        maskDims: [Int] = [3, 2], shapeAttribute: AttributeValue = .ints([3, 10]),
        nnz: Int64 = 0, packed: [UInt8]? = nil, projection: String = "q_proj", block: String = "0",
        learnedSparsity: [Float]? = nil
    ) throws {
        var attributes: [String: AttributeValue] = [
            "format": .string("sparsim-trace"), "version": .int(1), "model": .string("m"), "method": .string("x"),
            "target_sparsity": .double(0.5), "pattern": .string("unstructured"), "seqlen": .int(0),
            "calibration_samples": .int(0), "created_by": .string("hand"),
        ]
        for (key, value) in header { attributes[key] = value }
        try HDF5.serialized { () throws(TraceError) in
            let file = try H5Location.createFile(at: path)
            for (key, value) in attributes.sorted(by: { $0.key < $1.key }) { try file.setAttribute(key, value) }
            let group = try file.createGroup("layers").createGroup(block).createGroup(projection)
            let bytes = packed ?? [UInt8](repeating: 0, count: maskDims.reduce(1, *))
            let mask = try group.writeDataset("mask", shape: maskDims, values: bytes)
            try mask.setAttribute("shape", shapeAttribute)
            try mask.setAttribute("nnz", .int(nnz))
            if let learnedSparsity { try group.writeDataset("learned_sparsity", shape: [learnedSparsity.count], values: learnedSparsity) }
        }
    }

    static func readError(_ path: String) -> String? {
        do {
            _ = try Trace.read(from: path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func handmadeValidFileReads() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("ok.h5")
        try Self.writeHandmade(path)
        let trace = try Trace.read(from: path)
        #expect(trace.layers.count == 1)
        #expect(trace.layers[0].mask.nonzeroCount == 0)
    }

    @Test func missingFile() throws {
        let directory = try TemporaryDirectory()
        #expect(Self.readError(directory.file("absent.h5")) == "\(directory.file("absent.h5")): no such file")
    }

    @Test func notAnHDF5File() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("text.h5")
        try "hello, this is not HDF5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let message = try #require(Self.readError(path))
        #expect(message.hasPrefix(path + ": not an HDF5 file"))
    }

    @Test func hdf5FileOfAnotherFormat() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("other.h5")
        try Self.writeHandmade(path, header: ["format": .string("keras-model")])
        let message = try #require(Self.readError(path))
        #expect(message.hasPrefix(path + ": "))
        #expect(message.contains("not a sparsim trace"))

        let bare = directory.file("bare.h5")
        try Self.writeHandmade(bare, header: ["format": nil])
        #expect(try #require(Self.readError(bare)).contains("without a 'format' attribute"))
    }

    @Test func wrongVersion() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("v2.h5")
        try Self.writeHandmade(path, header: ["version": .int(2)])
        #expect(try #require(Self.readError(path)).contains("version 2 is not supported"))
    }

    @Test func maskShapeDisagreesWithAttributes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("shape.h5")
        try Self.writeHandmade(path, maskDims: [3, 2], shapeAttribute: .ints([3, 70]))
        let message = try #require(Self.readError(path))
        #expect(message.hasPrefix(path + ": /layers/0/q_proj/mask: "))
        #expect(message.contains("3×70"))
    }

    /// A shape no model has, or one whose sizes overflow, is refused before anything is computed from it.
    @Test func declaredShapesBeyondTheLargestDimension() throws {
        let directory = try TemporaryDirectory()
        for (index, shape) in [[3, Int64.max], [1 << 31, 1 << 31], [3, 0]].enumerated() {
            let path = directory.file("huge-\(index).h5")
            try Self.writeHandmade(path, maskDims: [3, 2], shapeAttribute: .ints(shape))
            #expect(try #require(Self.readError(path)).contains("must be two integers [C_out, C_in] in 1...1048576"))
        }
    }

    @Test func nonzeroCountDisagreesWithMask() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("nnz.h5")
        try Self.writeHandmade(path, maskDims: [3, 2], shapeAttribute: .ints([3, 10]), nnz: 5,
                               packed: [0xFF, 0xC0, 0, 0, 0, 0])
        #expect(try #require(Self.readError(path)).contains("nnz = 5 but the mask keeps 10"))
    }

    @Test func paddingBitsSet() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("pad.h5")
        try Self.writeHandmade(path, maskDims: [3, 2], shapeAttribute: .ints([3, 10]), nnz: 1,
                               packed: [0, 0x20, 0, 0, 0, 0])
        #expect(try #require(Self.readError(path)).contains("row 0 has bits set past column 9"))
    }

    @Test func learnedSparsitiesOfTheWrongShapeOrRange() throws {
        let directory = try TemporaryDirectory()
        try Self.writeHandmade(directory.file("count.h5"), learnedSparsity: [0.5, 0.5])
        #expect(try #require(Self.readError(directory.file("count.h5"))).contains("learned_sparsity: shape 2 is neither [1] nor [3]"))
        try Self.writeHandmade(directory.file("range.h5"), learnedSparsity: [0.5, 1.5, 0.5])
        #expect(try #require(Self.readError(directory.file("range.h5"))).contains("learned sparsities must lie in [0, 1]"))
        try Self.writeHandmade(directory.file("ok.h5"), learnedSparsity: [0.25])
        #expect(try Trace.read(from: directory.file("ok.h5")).layers[0].learnedSparsity == [0.25])
    }

    @Test func unknownProjectionAndBadBlock() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("proj.h5")
        try Self.writeHandmade(path, projection: "w_proj")
        #expect(try #require(Self.readError(path)).contains("unknown projection 'w_proj'"))
        let blockPath = directory.file("block.h5")
        try Self.writeHandmade(blockPath, block: "first")
        #expect(try #require(Self.readError(blockPath)).contains("'first' is not a block number"))
    }

    @Test func truncatedFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("cut.h5")
        try TraceRoundTripTests.sampleTrace().write(to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for fraction in [0.9, 0.5] {
            try data.prefix(Int(Double(data.count) * fraction)).write(to: URL(fileURLWithPath: path))
            let message = try #require(Self.readError(path))
            #expect(message.hasPrefix(path + ": "))
            #expect(message.contains("truncated"), "message was: \(message)")
            #expect(!message.contains("\n"))
        }
    }
}
