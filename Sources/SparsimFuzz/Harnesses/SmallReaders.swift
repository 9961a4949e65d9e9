import Foundation
import Pruner
import Traces
import ViTCoDSim

/// `--hw FILE.json`: loaded, then one small layer simulated on that machine with each mapping, as
/// `simulate` would (a config that loads but cannot be simulated is as bad as a crash).
struct HardwareHarness: Harness {
    let name = "hardware"
    let summary = "a --hw hardware config (JSON)"

    func mutate(_ seed: FuzzInput, using mutator: inout Mutator) -> FuzzInput {
        mutatingOneFile(seed, using: &mutator) { _, data, mutator in mutator.mutateJSON(data) }
    }

    func run(_ directory: String) throws {
        let config = try HardwareConfig.load(from: file(in: directory, "hw.json"))
        var masks = SyntheticMasks(seed: 1)
        let layer = LayerWorkload(id: LayerID(block: 0, projection: .gate), mask: masks.mask(rows: 40, cols: 24, sparsity: 0.5, pattern: .uniform))
        for mapper in [MapperKind.fixed, .search] {
            _ = Simulator(config: config, model: .full, mapper: mapper).simulate(layer)
        }
    }
}

/// `--calib-ids FILE.npy`: read against a vocabulary of 260 tokens (the tiny model's).
struct TokenIDsHarness: Harness {
    let name = "npy"
    let summary = "--calib-ids token windows (NumPy .npy)"

    func mutate(_ seed: FuzzInput, using mutator: inout Mutator) -> FuzzInput {
        mutatingOneFile(seed, using: &mutator) { _, data, mutator in
            // The header is a Python dict in text: mutate its numbers as text half of the time.
            guard mutator.chance(0.5), let headerEnd = data.firstIndex(of: 0x0A) else { return mutator.mutateBytes(data) }
            let header = String(decoding: data[..<headerEnd], as: UTF8.self)
            let number = String(mutator.interestingInteger())
            let texts = ["(\(number), 8)", "(2, \(number))", "(\(number),)", "(2, 8, \(number))", "()", "(100000000000000000000, 8)",
                         "(2, 8.5)", "(-2, 8)", "(2,8)"]
            let mutated = header.replacingOccurrences(of: "(2, 8)", with: mutator.pick(texts))
                .replacingOccurrences(of: "'<i4'", with: mutator.chance(0.2) ? mutator.pick(["'<i8'", "'>i4'", "'<f4'", "'<i4"]) : "'<i4'")
            return Data(mutated.utf8) + data[headerEnd...]
        }
    }

    func run(_ directory: String) throws {
        _ = try TokenWindowsFile.read(file(in: directory, "ids.npy"), vocabularySize: 260)
    }
}

/// `--task FILE.jsonl` (every format, detected from the first item): read, then every item
/// scored by the tiny Hugging Face model of the corpus, as `eval --task` does.
struct TaskHarness: Harness {
    let name = "task"
    let summary = "a zero-shot task (JSON lines), scored by the corpus's tiny model"
    let model: @Sendable () throws -> LoadedModel

    func mutate(_ seed: FuzzInput, using mutator: inout Mutator) -> FuzzInput {
        mutatingOneFile(seed, using: &mutator) { _, data, mutator in
            var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let index = mutator.below(lines.count)
            switch mutator.below(4) {
            case 0, 1: lines[index] = String(decoding: mutator.mutateJSON(Data(lines[index].utf8)), as: UTF8.self)
            case 2:  // one pathological value: a huge word, a huge line of words
                let huge = mutator.chance(0.5) ? String(repeating: "x", count: 20_000) : String(repeating: "the ", count: 5_000)
                lines[index] = lines[index].replacingOccurrences(of: "\"[^\"]*\"(?=[,}])", with: "\"\(huge)\"", options: .regularExpression)
            default: return mutator.mutateBytes(data)
            }
            return Data(lines.joined(separator: "\n").utf8)
        }
    }

    func run(_ directory: String) throws {
        let (items, format) = try ZeroShot.read(file(in: directory, "task.jsonl"), format: nil)
        let loaded = try model()
        let encoded = try ZeroShot.encode(items, tokenizer: loaded.tokenizer, contextLength: loaded.model.config.maxPositions)
        _ = ZeroShot.evaluate(loaded.model, encoded: encoded, items: items, format: format)
    }
}
