import Foundation
import SparsimSupport

/// Seeded mutations of bytes, integers and JSON values. Mutant `index` of a run with seed `seed`
/// is always the same input, so any finding can be made again from the two numbers.
struct Mutator {
    private var generator: SeededGenerator

    init(seed: UInt64, index: Int) {
        // Mix the two so that neighbouring indices start far apart in SplitMix64's sequence.
        var mixer = SeededGenerator(seed: seed ^ 0x5A17_F022)
        for _ in 0..<2 { _ = mixer.next() }
        generator = SeededGenerator(seed: mixer.next() ^ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
    }

    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(generator.next() % UInt64(bound)) }
    mutating func chance(_ probability: Double) -> Bool { generator.nextUnit() < probability }
    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    /// The integers that break size arithmetic and conversions: zero, the signed and unsigned
    /// edges of every width, powers of two just past them, small negatives.
    static let interestingIntegers: [Int64] = [
        0, 1, -1, 2, -2, 7, 255, 256, 65_535, 65_536, 1 << 20, 1 << 24,
        Int64(Int32.max), Int64(Int32.max) + 1, Int64(Int32.min), Int64(UInt32.max), Int64(UInt32.max) + 1,
        1 << 40, 1 << 53, Int64.max, Int64.min, Int64.max - 1, -(1 << 31),
    ]

    /// Floats that break ranges and conversions (the non-finite ones reach JSON as text).
    static let interestingDoubles: [Double] = [0, -1, 0.5, 1e-300, 1e308, -1e308, 2_147_483_648, 9.3e18, 1e20, 0.1]

    mutating func interestingInteger() -> Int64 {
        chance(0.8) ? pick(Self.interestingIntegers) : Int64(bitPattern: generator.next()) >> Int64(below(64))
    }

    // MARK: Bytes

    /// One of the generic byte mutations: flips, overwrites with edge integers at any width,
    /// truncation, deletion, duplication, insertion of random bytes.
    mutating func mutateBytes(_ data: Data, hotOffsets: [(offset: Int, width: Int)] = []) -> Data {
        var bytes = [UInt8](data)
        if bytes.isEmpty { return Data([UInt8(truncatingIfNeeded: generator.next())]) }
        switch below(hotOffsets.isEmpty ? 7 : 9) {
        case 0:  // flip one bit
            bytes[below(bytes.count)] ^= 1 << UInt8(below(8))
        case 1:  // one random byte
            bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: generator.next())
        case 2:  // an edge integer anywhere, 1 to 8 bytes wide
            write(interestingInteger(), width: pick([1, 2, 4, 8]), at: below(bytes.count), into: &bytes)
        case 3:  // truncate
            bytes.removeLast(1 + below(bytes.count))
        case 4:  // delete a run
            let start = below(bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + below(64)))
        case 5:  // duplicate a run
            let start = below(bytes.count)
            let run = Array(bytes[start..<min(bytes.count, start + 1 + below(256))])
            bytes.insert(contentsOf: run, at: below(bytes.count))
        case 6:  // insert random bytes
            bytes.insert(contentsOf: (0..<(1 + below(32))).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, at: below(bytes.count))
        default:  // an edge integer over a field the format's structure points to (a count, a length, a type)
            let field = pick(hotOffsets)
            write(interestingInteger(), width: field.width, at: field.offset, into: &bytes)
        }
        return Data(bytes)
    }

    private func write(_ value: Int64, width: Int, at offset: Int, into bytes: inout [UInt8]) {
        for byte in 0..<width where offset + byte < bytes.count {
            bytes[offset + byte] = UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> (8 * UInt64(byte)))
        }
    }

    // MARK: JSON

    /// A JSON document with one value replaced, a key removed or added, or the text damaged.
    mutating func mutateJSON(_ data: Data) -> Data {
        guard chance(0.85), let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return mutateBytes(data)
        }
        let mutated = mutateValue(root, depth: 0)
        return (try? JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed])).map(patchNumbers) ?? data
    }

    /// A value of the wrong type or an edge value where a value was.
    private mutating func replacement(for value: Any) -> Any {
        switch below(10) {
        case 0, 1: return NSNumber(value: interestingInteger())
        case 2: return chance(0.5) ? numberMarker() : NSNumber(value: pick(Self.interestingDoubles.filter(\.isFinite)))
        case 3: return pick(["", "NaN", "inf", "-1", "x", String(repeating: "é", count: 5000), "\u{0}\u{1b}[31m"])
        case 4: return NSNumber(value: chance(0.5))
        case 5: return NSNull()
        case 6: return [Any]()
        case 7: return [String: Any]()
        case 8: return [value, value]
        default: return ["nested": value]
        }
    }

    private mutating func mutateValue(_ value: Any, depth: Int) -> Any {
        if var object = value as? [String: Any], !object.isEmpty {
            let keys = object.keys.sorted()
            let key = pick(keys)
            switch below(depth < 6 ? 5 : 3) {
            case 0: object[key] = replacement(for: object[key]!)
            case 1: object.removeValue(forKey: key)
            case 2: object["fuzz_\(below(100))"] = replacement(for: object[key]!)
            default: object[key] = mutateValue(object[key]!, depth: depth + 1)
            }
            return object
        }
        if var array = value as? [Any], !array.isEmpty {
            let index = below(array.count)
            switch below(depth < 6 ? 5 : 3) {
            case 0: array[index] = replacement(for: array[index])
            case 1: array.remove(at: index)
            case 2: array.append(contentsOf: Array(repeating: array[index], count: 1 + below(3)))
            default: array[index] = mutateValue(array[index], depth: depth + 1)
            }
            return array
        }
        return replacement(for: value)
    }

    // JSONSerialization cannot write NaN, infinities or numbers past Double's range the way a
    // hand-edited file would have them: they travel as marker strings and are patched into the text.
    static let numberTexts = ["NaN", "Infinity", "-Infinity", "1e400", "100000000000000000000", "-0.0", "1e308", "4294967296.5"]

    private mutating func numberMarker() -> Any { "__fuzz_number_\(below(Self.numberTexts.count))__" }

    private func patchNumbers(_ data: Data) -> Data {
        var text = String(decoding: data, as: UTF8.self)
        for (index, number) in Self.numberTexts.enumerated() {
            text = text.replacingOccurrences(of: "\"__fuzz_number_\(index)__\"", with: number)
        }
        return Data(text.utf8)
    }
}
