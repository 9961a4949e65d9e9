import ArgumentParser
import Pruner

/// `sparsim export`: a model as a Hugging Face directory.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model (e.g. the GGUF) as a Hugging Face directory that transformers loads.",
        discussion: "Weights are dequantized to F32 safetensors; q/k rows are stored in Hugging Face's rotary layout."
    )

    @Option(help: "A .gguf file or a Hugging Face model directory.")
    var model: String

    @Option(help: "The directory to create (must not exist).")
    var out: String

    func run() throws {
        let loaded = try ModelLoader.load(model)
        try HuggingFaceExport.write(loaded, to: out)
        print("wrote \(out): config.json, model.safetensors, tokenizer.json, tokenizer_config.json")
    }
}
