import ArgumentParser
import Foundation
import ViTCoDSim

/// The hardware flags shared by the commands that simulate: a JSON config, then individual overrides.
struct HardwareOptions: ParsableArguments {
    @Option(name: .customLong("hw"), help: "Hardware config JSON (fields of HardwareConfig; absent fields keep their defaults).")
    var configFile: String?

    @Option(help: "Tokens M per layer: 1 = one decode step, 2048 = a prefill. (default: 2048)")
    var tokens: Int?

    @Option(name: .customLong("sparse-format"), help: "Sparse weights in DRAM: bitmap, csc or nm. (default: bitmap)")
    var sparseFormat: SparseFormat?

    @Option(name: .customLong("bandwidth"), help: "DRAM bandwidth in GB/s. (default: 76.8)")
    var dramGBps: Double?

    @Option(name: .customLong("value-bits"), help: "Bits per weight value. (default: 16)")
    var valueBits: Int?

    @Option(name: .customLong("pe-rows"), help: "PE rows of the array. (default: 64)")
    var peRows: Int?

    @Option(name: .customLong("pe-columns"), help: "PE columns of the array, shared by both engines. (default: 64)")
    var peColumns: Int?

    /// The sparse format the user asked for, by flag or in the config file: the mapper then
    /// searches only that format (the fixed mapping always uses the config's).
    func requestedFormat() -> SparseFormat? {
        if let sparseFormat { return sparseFormat }
        guard let configFile, let data = FileManager.default.contents(atPath: configFile),
              let fields = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let name = fields["sparseFormat"] as? String else { return nil }
        return SparseFormat(rawValue: name)
    }

    func resolve() throws -> HardwareConfig {
        var config = try configFile.map { path throws(ConfigError) in try HardwareConfig.load(from: path) } ?? HardwareConfig()
        if let tokens { config.tokens = tokens }
        if let sparseFormat { config.sparseFormat = sparseFormat }
        if let dramGBps { config.dramGBps = dramGBps }
        if let valueBits { config.valueBits = valueBits }
        if let peRows { config.peRows = peRows }
        if let peColumns { config.peColumns = peColumns }
        do {
            try config.validate()
        } catch {
            throw CLIError("hardware config: \(error.description)")
        }
        return config
    }
}

extension SparseFormat: ExpressibleByArgument {}
extension CycleModel: ExpressibleByArgument {}
extension SplitSearch: ExpressibleByArgument {}
