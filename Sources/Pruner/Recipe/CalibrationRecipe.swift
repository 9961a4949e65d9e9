/// Where a run's calibration windows come from, and their fingerprint: equal fingerprints mean
/// the same token ids, whatever the source.
public struct CalibrationRecipe: Codable, Equatable, Sendable {
    public enum Source: Codable, Equatable, Sendable {
        /// Windows at seeded random offsets of the files' text, joined and tokenized.
        case text(files: [String], seed: UInt64)
        /// Windows given as token ids (a .npy file).
        case tokenIDs(file: String)
    }

    public var source: Source
    public var windows: Int
    public var seqlen: Int
    /// SHA-256 of the windows' token ids (`Calibration.fingerprint`).
    public var sha256: String

    public init(source: Source, windows: Int, seqlen: Int, sha256: String) {
        self.source = source
        self.windows = windows
        self.seqlen = seqlen
        self.sha256 = sha256
    }
}
