import Foundation
import SparsimSupport

/// Every parameter of the simulated accelerator, with the defaults of BESA's
/// `hw_sim` (itself derived from ViTCoD, HPCA 2023). Loadable from JSON; any
/// field left out of the file keeps its default.
public struct HardwareConfig: Codable, Equatable, Sendable {
    /// PE rows of the array (each PE column has this many PEs).
    public var peRows = 64
    /// PE columns of the array, shared between the dense and the sparse engine.
    public var peColumns = 64
    /// Clock in MHz (reference: 500).
    public var clockMHz = 500.0
    /// DRAM bandwidth in GB/s (10^9 bytes per second; reference: 76.8).
    public var dramGBps = 76.8
    /// On-chip buffers in KiB (reference: Q/K/V 53 each, index 20, output 108; a linear layer
    /// uses one 53 KiB buffer for weights, one for input activations).
    public var weightBufferKiB = 53.0
    public var inputBufferKiB = 53.0
    /// Sparse-format metadata (bitmaps, indices, column pointers).
    public var indexBufferKiB = 20.0
    /// Partial sums (`accumulatorBits` each) of the output tile being computed.
    public var outputBufferKiB = 108.0
    /// Bits per weight value (16 = fp16). A trace may override it per layer (quantized weights).
    public var valueBits = 16
    /// Bits per activation read or written (fp16).
    public var activationBits = 16
    /// Bits per on-chip partial sum (fp32).
    public var accumulatorBits = 32
    /// How the sparse engine's weights are stored in DRAM.
    public var sparseFormat = SparseFormat.bitmap
    /// Bits per CSC column pointer.
    public var pointerBits = 32
    /// Tokens M of the workload: 1 = one decode step (matrix-vector), 2048 = a prefill.
    public var tokens = 2048
    /// A structured-sparsity datapath on the dense engine (as sparse tensor cores): N:M layers run
    /// compressed to their kept slots, a small multiplexer per PE picking each slot's input from its
    /// group of M. ViTCoD has none, so it is off by default.
    public var nmDatapath = false

    public init() {}

    /// DRAM bytes per clock cycle (76.8 GB/s at 500 MHz = 153.6 B/cycle). The reference's
    /// (never called) SRAM model counts GiB instead, which would give 164.9.
    public var dramBytesPerCycle: Double { dramGBps * 1e9 / (clockMHz * 1e6) }

    public var totalPEs: Int { peRows * peColumns }

    /// The same machine with every on-chip buffer scaled by `factor`.
    public func scalingBuffers(by factor: Double) -> HardwareConfig {
        var scaled = self
        scaled.weightBufferKiB *= factor
        scaled.inputBufferKiB *= factor
        scaled.indexBufferKiB *= factor
        scaled.outputBufferKiB *= factor
        return scaled
    }

    /// The values a field may take: wide enough for any accelerator worth simulating (a 4096 × 4096
    /// array, a GiB per buffer, a million tokens), narrow enough that no cycle count, tile or byte
    /// count derived from them overflows. docs/simulator.md lists them.
    public static let limits = (
        peRows: 1...4096, peColumns: 2...4096, clockMHz: 1e-3...1e5, dramGBps: 1e-3...1e5,
        bufferKiB: 0.001...1_048_576, bits: 1...64, tokens: 1...1_048_576
    )

    /// Checks the values make a machine that can run anything; the error names the field and its range.
    public func validate() throws(ConfigError) {
        let limits = Self.limits
        func check<T: Comparable>(_ value: T, in range: ClosedRange<T>, _ name: String, _ why: String = "") throws(ConfigError) {
            guard range.contains(value) else {
                throw ConfigError("\(name) must be in \(range.lowerBound)...\(range.upperBound)\(why), got \(value)")
            }
        }
        try check(peRows, in: limits.peRows, "peRows")
        try check(peColumns, in: limits.peColumns, "peColumns", " (a column at least for each engine)")
        try check(clockMHz, in: limits.clockMHz, "clockMHz")
        try check(dramGBps, in: limits.dramGBps, "dramGBps")
        for (value, name) in [(weightBufferKiB, "weightBufferKiB"), (inputBufferKiB, "inputBufferKiB"),
                              (indexBufferKiB, "indexBufferKiB"), (outputBufferKiB, "outputBufferKiB")] {
            try check(value, in: limits.bufferKiB, name)
        }
        for (value, name) in [(valueBits, "valueBits"), (activationBits, "activationBits"),
                              (accumulatorBits, "accumulatorBits"), (pointerBits, "pointerBits")] {
            try check(value, in: limits.bits, name)
        }
        try check(tokens, in: limits.tokens, "tokens")
    }

    /// Reads a JSON file of `HardwareConfig` fields; absent fields keep their defaults.
    public static func load(from path: String) throws(ConfigError) -> HardwareConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(path): cannot read the hardware config")
        }
        do {
            let config = try JSONDecoder().decode(HardwareConfig.self, from: data)
            try config.validate()
            return config
        } catch let error as ConfigError {
            throw ConfigError("\(path): \(error.description)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ConfigError("\(path): field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigError("\(path): \(field.isEmpty ? "" : "field '\(field)': ")\(context.debugDescription)")
        } catch {
            throw ConfigError("\(path): not a valid hardware config (\(error))")
        }
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case peRows, peColumns, clockMHz, dramGBps, weightBufferKiB, inputBufferKiB, indexBufferKiB,
             outputBufferKiB, valueBits, activationBits, accumulatorBits, sparseFormat, pointerBits, tokens, nmDatapath
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw ConfigError("unknown field '\(unknown.stringValue)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        let values = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = HardwareConfig()
        peRows = try values.decodeIfPresent(Int.self, forKey: .peRows) ?? defaults.peRows
        peColumns = try values.decodeIfPresent(Int.self, forKey: .peColumns) ?? defaults.peColumns
        clockMHz = try values.decodeIfPresent(Double.self, forKey: .clockMHz) ?? defaults.clockMHz
        dramGBps = try values.decodeIfPresent(Double.self, forKey: .dramGBps) ?? defaults.dramGBps
        weightBufferKiB = try values.decodeIfPresent(Double.self, forKey: .weightBufferKiB) ?? defaults.weightBufferKiB
        inputBufferKiB = try values.decodeIfPresent(Double.self, forKey: .inputBufferKiB) ?? defaults.inputBufferKiB
        indexBufferKiB = try values.decodeIfPresent(Double.self, forKey: .indexBufferKiB) ?? defaults.indexBufferKiB
        outputBufferKiB = try values.decodeIfPresent(Double.self, forKey: .outputBufferKiB) ?? defaults.outputBufferKiB
        valueBits = try values.decodeIfPresent(Int.self, forKey: .valueBits) ?? defaults.valueBits
        activationBits = try values.decodeIfPresent(Int.self, forKey: .activationBits) ?? defaults.activationBits
        accumulatorBits = try values.decodeIfPresent(Int.self, forKey: .accumulatorBits) ?? defaults.accumulatorBits
        sparseFormat = try values.decodeIfPresent(SparseFormat.self, forKey: .sparseFormat) ?? defaults.sparseFormat
        pointerBits = try values.decodeIfPresent(Int.self, forKey: .pointerBits) ?? defaults.pointerBits
        tokens = try values.decodeIfPresent(Int.self, forKey: .tokens) ?? defaults.tokens
        nmDatapath = try values.decodeIfPresent(Bool.self, forKey: .nmDatapath) ?? defaults.nmDatapath
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A hardware configuration that cannot be used; the message names the field.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = OneLine.sanitize(description) }
}
