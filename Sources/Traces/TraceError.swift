import SparsimSupport

/// A trace that could not be read or written.
public typealias TraceError = FileError
