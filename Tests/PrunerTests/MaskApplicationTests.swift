import Testing
import Traces
@testable import Pruner

@Suite(.enabled(if: SharedModel.available, "the shipped model is not available"))
struct MaskApplicationTests {
    @Test func masksZeroExactlyThePrunedWeights() throws {
        var weights = SharedModel.loaded.model.weights
        let original = weights.blocks[2][.gate]
        let mask = KeepMask(rows: original.rows, cols: original.cols) { ($0 + $1) % 3 != 0 }
        try weights.applyMasks([TraceLayer(id: LayerID(block: 2, projection: .gate), mask: mask)], path: "t.h5")
        let masked = weights.blocks[2][.gate]
        for row in stride(from: 0, to: original.rows, by: 97) {
            for col in 0..<original.cols {
                #expect(masked[row, col] == (mask[row, col] ? original[row, col] : 0))
            }
        }
        // Everything else is untouched.
        #expect(weights.blocks[2][.up] == SharedModel.loaded.model.weights.blocks[2][.up])
        #expect(weights.blocks[1][.gate] == SharedModel.loaded.model.weights.blocks[1][.gate])
        #expect(weights.embedding == SharedModel.loaded.model.weights.embedding)
    }

    @Test func storedWeightsReplaceTheModelsBeforeMasking() throws {
        var weights = SharedModel.loaded.model.weights
        let shape = weights.config.shape(of: .k)
        let replacement = (0..<shape.rows * shape.cols).map { Float($0 % 5) }
        let mask = KeepMask(rows: shape.rows, cols: shape.cols) { row, _ in row % 2 == 0 }
        try weights.applyMasks([TraceLayer(id: LayerID(block: 0, projection: .k), mask: mask, weight: replacement)], path: "t.h5")
        let k = weights.blocks[0][.k]
        #expect(k[0, 7] == Float(7 % 5))
        #expect(k[1, 7] == 0)
    }
}
