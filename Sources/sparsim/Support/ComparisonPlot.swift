import Foundation
import Traces
import ViTCoDSim

/// The figure of `compare --plot` and `table --plot`: grouped bars of speedup per projection per
/// method (compute model, then full model), then one heat map of layer sparsity (block ×
/// projection) per method, on a diverging scale centered on the target sparsity.
struct ComparisonPlot {
    let evaluations: [MethodEvaluation]
    let config: HardwareConfig

    static let palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]
    static let groups = Projection.allCases.map(\.rawValue) + ["whole model"]

    private let width = 960.0
    private let margin = 60.0
    private let chartHeight = 220.0
    private let cell = (width: 16.0, height: 9.0)
    private let heatMapsPerRow = 5

    func svg() -> String {
        let blocks = Set(evaluations.flatMap { $0.full.layers.map(\.id.block) }).sorted()
        let heatMapHeight = 70 + Double(blocks.count) * cell.height
        let heatMapRows = (evaluations.count + heatMapsPerRow - 1) / heatMapsPerRow
        let legendHeight = 24.0 * Double((evaluations.count + 3) / 4)
        var document = SVG(width: width, height: 40 + 2 * (chartHeight + 70) + legendHeight + Double(heatMapRows) * heatMapHeight + 40)
        var y = 28.0
        document.text("Speedup over dense on the ViTCoD-style accelerator (\(config.peRows)×\(config.peColumns) PEs)",
                      x: margin, y: y, size: 16, bold: true)
        y += 20
        for model in CycleModel.allCases {
            let title = model == .compute
                ? "Compute model: one token, compute cycles only (the paper's Table 4)"
                : String(format: "Full model: M = %d tokens, %.1f GB/s, %@ format, %d-bit values",
                         config.tokens, config.dramGBps, config.sparseFormat.rawValue, config.valueBits)
            drawBars(&document, model: model, title: title, top: y)
            y += chartHeight + 70
        }
        drawLegend(&document, top: y)
        y += legendHeight
        drawHeatMaps(&document, blocks: blocks, top: y, panelHeight: heatMapHeight)
        return document.render()
    }

    private func speedups(_ evaluation: MethodEvaluation, _ model: CycleModel) -> [Double?] {
        let summary = evaluation.summary(model)
        return Projection.allCases.map { projection in summary.projection(projection)?.aggregateSpeedup }
            + [summary.speedup]
    }

    private func drawBars(_ document: inout SVG, model: CycleModel, title: String, top: Double) {
        let plotWidth = width - 2 * margin
        let values = evaluations.map { speedups($0, model) }
        let largest = values.flatMap { $0.compactMap { $0 } }.filter(\.isFinite).max() ?? 1
        let yMax = max(1.5, (largest * 2).rounded(.up) / 2)
        let bottom = top + 20 + chartHeight
        func yOf(_ value: Double) -> Double { bottom - min(value, yMax) / yMax * chartHeight }

        document.text(title, x: margin, y: top + 12, size: 13, bold: true)
        for tick in stride(from: 0.0, through: yMax + 1e-9, by: 0.5) {
            document.line(x1: margin, y1: yOf(tick), x2: margin + plotWidth, y2: yOf(tick), stroke: "#e4e4e4")
            document.text(String(format: "%.1f×", tick), x: margin - 6, y: yOf(tick) + 4, size: 10, anchor: .end)
        }
        let groupWidth = plotWidth / Double(Self.groups.count)
        let barWidth = groupWidth * 0.8 / Double(max(1, evaluations.count))
        for (group, name) in Self.groups.enumerated() {
            let groupLeft = margin + Double(group) * groupWidth + groupWidth * 0.1
            for (index, evaluation) in evaluations.enumerated() {
                guard let value = values[index][group], value.isFinite else { continue }
                let x = groupLeft + Double(index) * barWidth
                document.rect(x: x, y: yOf(value), width: barWidth - 1, height: bottom - yOf(value),
                              fill: Self.palette[index % Self.palette.count],
                              title: String(format: "%@, %@: %.3f×", evaluation.label, name, value))
                if barWidth >= 9 {
                    document.text(String(format: "%.2f", value), x: x + barWidth / 2 + 3, y: yOf(value) - 3, size: 8, rotate: -90)
                }
            }
            document.text(name, x: margin + (Double(group) + 0.5) * groupWidth, y: bottom + 15, size: 11, anchor: .middle)
        }
        // 1× = no gain over dense.
        document.line(x1: margin, y1: yOf(1), x2: margin + plotWidth, y2: yOf(1), stroke: "#c0392b", dashed: true)
        document.line(x1: margin, y1: bottom, x2: margin + plotWidth, y2: bottom, stroke: "#333")
    }

    private func drawLegend(_ document: inout SVG, top: Double) {
        for (index, evaluation) in evaluations.enumerated() {
            let x = margin + Double(index % 4) * 210, y = top + Double(index / 4) * 24
            document.rect(x: x, y: y, width: 14, height: 14, fill: Self.palette[index % Self.palette.count])
            let perplexity = evaluation.perplexity.map { String(format: " (ppl %.2f)", $0) } ?? ""
            document.text(evaluation.label + perplexity, x: x + 20, y: y + 11, size: 12)
        }
    }

    private func drawHeatMaps(_ document: inout SVG, blocks: [Int], top: Double, panelHeight: Double) {
        // Diverging scale: white at the target sparsity, blue below, red above.
        let target = evaluations[0].metadata.pattern.impliedSparsity ?? evaluations[0].metadata.targetSparsity
        let deviation = evaluations.flatMap { $0.full.layers.map { abs($0.sparsity - target) } }.max() ?? 0
        let range = max(0.01, deviation)
        document.text(String(format: "Layer sparsity (block × projection); white = %.0f%%, full blue = %.1f%%, full red = %.1f%%",
                             100 * target, 100 * (target - range), 100 * (target + range)),
                      x: margin, y: top + 14, size: 13, bold: true)
        let panelWidth = (width - 2 * margin) / Double(heatMapsPerRow)
        for (index, evaluation) in evaluations.enumerated() {
            let left = margin + Double(index % heatMapsPerRow) * panelWidth + 24
            let panelTop = top + 30 + Double(index / heatMapsPerRow) * panelHeight
            document.text(evaluation.label, x: left, y: panelTop + 8, size: 11, bold: true)
            let gridTop = panelTop + 40
            for (column, projection) in Projection.allCases.enumerated() {
                document.text(projection.rawValue.replacingOccurrences(of: "_proj", with: ""),
                              x: left + (Double(column) + 0.5) * cell.width + 3, y: gridTop - 3, size: 8, rotate: -60)
            }
            for (row, block) in blocks.enumerated() where row % 5 == 0 {
                document.text(String(block), x: left - 4, y: gridTop + (Double(row) + 0.85) * cell.height, size: 8, anchor: .end)
            }
            for layer in evaluation.full.layers {
                guard let row = blocks.firstIndex(of: layer.id.block),
                      let column = Projection.allCases.firstIndex(of: layer.id.projection) else { continue }
                document.rect(x: left + Double(column) * cell.width, y: gridTop + Double(row) * cell.height,
                              width: cell.width, height: cell.height,
                              fill: Self.diverging((layer.sparsity - target) / range),
                              title: String(format: "%@: %@ %.2f%%", evaluation.label, layer.id.description, 100 * layer.sparsity))
            }
        }
    }

    /// −1 → blue, 0 → near white, +1 → red.
    static func diverging(_ t: Double) -> String {
        let clamped = min(1, max(-1, t))
        let white = (247.0, 247.0, 247.0), blue = (49.0, 104.0, 175.0), red = (192.0, 57.0, 43.0)
        let end = clamped < 0 ? blue : red
        let f = abs(clamped)
        func channel(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * f).rounded()) }
        return String(format: "#%02X%02X%02X", channel(white.0, end.0), channel(white.1, end.1), channel(white.2, end.2))
    }
}
