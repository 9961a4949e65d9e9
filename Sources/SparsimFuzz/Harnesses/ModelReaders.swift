import Foundation
import Pruner

/// A model loaded as `prune` and `eval` load it, then used: tokenize a sentence and score it, so
/// that a file that loads but cannot run (ids past the embedding, a context of 0) shows.
private func loadAndScore(_ path: String) throws {
    let loaded = try ModelLoader.load(path)
    let tokens = Array(loaded.tokenizer.encode("the cat sat on the mat, and then the end.").prefix(8))
    guard tokens.count >= 2, tokens.count <= loaded.model.config.maxPositions else { return }  // as eval refuses it
    _ = loaded.model.meanNegativeLogLikelihood(tokens)
}

/// A GGUF model file, mutated with its header's structure in view: counts, string lengths,
/// value types, array lengths, tensor dimensions, types and offsets.
struct GGUFHarness: Harness {
    let name = "gguf"
    let summary = "a .gguf model file"

    func mutate(_ seed: FuzzInput, using mutator: inout Mutator) -> FuzzInput {
        mutatingOneFile(seed, using: &mutator) { _, data, mutator in
            mutator.mutateBytes(data, hotOffsets: GGUFLayout.fields(of: data))
        }
    }

    func run(_ directory: String) throws { try loadAndScore(file(in: directory, "model.gguf")) }
}

/// The integer fields of a GGUF header, found by walking it (independently of sparsim's reader).
enum GGUFLayout {
    static func fields(of data: Data) -> [(offset: Int, width: Int)] {
        var fields: [(Int, Int)] = []
        var offset = 4
        func read(_ width: Int) -> UInt64? {
            guard offset + width <= data.count else { return nil }
            let value = (0..<width).reduce(UInt64(0)) { $0 | UInt64(data[data.startIndex + offset + $1]) << (8 * UInt64($1)) }
            fields.append((offset, width))
            offset += width
            return value
        }
        func string() -> Bool {
            guard let length = read(8), length < 1 << 20 else { return false }
            offset += Int(length)
            return true
        }
        let widths: [UInt64: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]
        func value(_ type: UInt64) -> Bool {
            if type == 8 { return string() }
            if type == 9 {
                guard let element = read(4), let count = read(8), count < 1 << 20 else { return false }
                for _ in 0..<count where !value(element) { return false }
                return true
            }
            guard let width = widths[type] else { return false }
            return read(width) != nil
        }
        guard read(4) != nil, let tensors = read(8), let entries = read(8), tensors < 1 << 16, entries < 1 << 16 else { return fields }
        for _ in 0..<entries {
            guard string(), let type = read(4), value(type) else { return fields }
        }
        for _ in 0..<tensors {
            guard string(), let dims = read(4), dims <= 8 else { return fields }
            for _ in 0..<dims { _ = read(8) }
            _ = read(4)  // type
            _ = read(8)  // offset
        }
        return fields
    }
}

/// A Hugging Face directory: config.json, tokenizer.json and tokenizer_config.json as JSON, the
/// safetensors file's JSON header (its length prefix kept right, or not) or its bytes.
struct HuggingFaceHarness: Harness {
    let name = "huggingface"
    let summary = "a Hugging Face model directory (config.json, tokenizer.json, model.safetensors)"

    func mutate(_ seed: FuzzInput, using mutator: inout Mutator) -> FuzzInput {
        mutatingOneFile(seed, using: &mutator) { name, data, mutator in
            guard name.hasSuffix(".safetensors") else { return mutator.mutateJSON(data) }
            guard data.count >= 8, mutator.chance(0.6) else { return mutator.mutateBytes(data, hotOffsets: [(0, 8)]) }
            let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard length <= UInt64(data.count - 8) else { return mutator.mutateBytes(data) }
            let headerEnd = 8 + Int(length)
            let header = mutator.mutateJSON(data.subdata(in: 8..<headerEnd))
            var prefix = Data()
            let written = mutator.chance(0.9) ? UInt64(header.count) : UInt64(bitPattern: mutator.interestingInteger())
            for byte in 0..<8 { prefix.append(UInt8(truncatingIfNeeded: written >> (8 * UInt64(byte)))) }
            return prefix + header + data.subdata(in: headerEnd..<data.count)
        }
    }

    func run(_ directory: String) throws { try loadAndScore(directory) }
}
