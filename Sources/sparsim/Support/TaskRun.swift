import Foundation
import Pruner

/// One zero-shot task file, read and checked up front, then scored on a model with progress:
/// what `eval --task` and `prune --eval-task` share.
struct TaskRun {
    let path: String
    let format: TaskFormat
    let items: [TaskItem]

    init(path: String, format: TaskFormat?, limit: Int?) throws {
        let (items, format) = try ZeroShot.read(path, format: format)
        self.path = path
        self.format = format
        self.items = limit.map { Array(items.prefix($0)) } ?? items
    }

    /// The file's name without its extension: the task's name in trace metrics.
    var name: String { Self.name(ofPath: path) }

    static func name(ofPath path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }

    /// Every request as the model's tokenizer encodes it: checked before the model runs (or is pruned).
    func encoded(for loaded: LoadedModel) throws -> [[ZeroShot.EncodedRequest]] {
        do throws(TaskError) {
            return try ZeroShot.encode(items, tokenizer: loaded.tokenizer, contextLength: loaded.model.config.maxPositions)
        } catch {
            throw TaskFileError(path: path, message: error.description)
        }
    }

    func evaluate(_ loaded: LoadedModel, encoded: [[ZeroShot.EncodedRequest]]) -> ZeroShot.Summary {
        let progress = Progress(total: items.count, label: "scoring \(name) item")
        let summary = ZeroShot.evaluate(loaded.model, encoded: encoded, items: items, format: format) { progress.update($0, "") }
        progress.finish()
        return summary
    }

    /// `acc 0.4333`-style texts, in lm-eval's order of the format's metrics, names padded to `width`.
    func metricTexts(_ summary: ZeroShot.Summary, width: Int = 0) -> [String] {
        format.metrics.map { name in
            name.padding(toLength: max(width, name.count), withPad: " ", startingAt: 0) + " " + String(format: "%.4f", summary.metrics[name]!)
        }
    }

    /// The metrics as a trace records them: `task_NAME_METRIC`, and `task_NAME_items`.
    func traceMetrics(_ summary: ZeroShot.Summary) -> [String: Double] {
        var metrics = ["task_\(name)_items": Double(items.count)]
        for (metric, value) in summary.metrics { metrics["task_\(name)_\(metric)"] = value }
        return metrics
    }
}
