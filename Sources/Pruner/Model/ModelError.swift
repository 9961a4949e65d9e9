import SparsimSupport
import Traces

/// A model, tokenizer or text file that could not be used (path and one-line message).
public typealias ModelError = FileError
