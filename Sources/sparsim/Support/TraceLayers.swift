import SparsimSupport
import Traces
import ViTCoDSim

extension TraceReader {
    /// `body` applied to each of `layers` on all cores, results in the order given. Layers are
    /// loaded one at a time (HDF5 calls are serialized) while others are being processed; a
    /// progress line on stderr names the layer just finished.
    func mapLayers<T: Sendable>(_ layers: [LayerSummary], label: String, _ body: @Sendable (TraceLayer) -> T) throws -> [T] {
        let progress = Progress(total: layers.count, label: label)
        let outcomes = Parallel.map(layers.count) { index in
            Result { () throws(TraceError) -> T in
                let layer = try self.layer(layers[index].id)
                let result = body(layer)
                progress.advance(layer.id.description)
                return result
            }
        }
        progress.finish()
        return try outcomes.map { try $0.get() }
    }
}
