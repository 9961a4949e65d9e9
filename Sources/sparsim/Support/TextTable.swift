import Foundation

/// A plain-text table with aligned columns, for terminal output.
struct TextTable {
    let columns: [String]
    /// Indices of columns whose cells are right-aligned (numbers).
    let rightAligned: Set<Int>
    private(set) var rows: [[String]] = []

    init(columns: [String], rightAligned: Set<Int> = []) {
        self.columns = columns
        self.rightAligned = rightAligned
    }

    mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "row has \(row.count) cells, table has \(columns.count) columns")
        rows.append(row)
    }

    func render() -> String {
        let widths = columns.indices.map { column in
            ([columns[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingWhitespace()
        }
        return ([line(columns)] + rows.map(line)).joined(separator: "\n")
    }
}

/// A fraction shown as a percentage with two decimals.
struct Percent: CustomStringConvertible {
    let fraction: Double
    init(_ fraction: Double) { self.fraction = fraction }
    var description: String { String(format: "%.2f%%", fraction * 100) }
}

private extension String {
    func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
