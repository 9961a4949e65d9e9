/// A value stored as an HDF5 attribute: what a trace keeps in `/config` and
/// on its objects. Integers and floats are kept apart so that a value written
/// by h5py (`int64` / `float64`) reads back as what it was.
public enum AttributeValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case string(String)
    case ints([Int64])
    case doubles([Double])

    public var intValue: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 9e15: Int64(value)
        default: nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case .int(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string(let value): value
        case .ints(let values): "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        case .doubles(let values): "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        }
    }
}
